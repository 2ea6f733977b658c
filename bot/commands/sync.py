"""`regbot sync`: fetch new BIS / DDTC Federal Register documents, store, ingest, raise alarms.

Exit codes: 0 synced (alarms or not); 1 fetching failed or input rejected (nothing half
written); 2 usage error; 3 the index is missing or corrupt; 130 interrupted.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from bot.cli import EXIT_INDEX, EXIT_NOTHING, EXIT_USAGE, fail


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        fail(f"--since must be a date YYYY-MM-DD, not {value!r}", EXIT_USAGE)


@click.command()
@click.option("--since", default=None, metavar="DATE",
              help="First publication date (default: the newest document already synced).")
@click.option("--dry-run", is_flag=True, help="Show what would be fetched; write nothing.")
@click.option("--from", "from_dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="A folder of saved API responses instead of the network (works offline).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def sync(since: str | None, dry_run: bool, from_dir: Path | None, as_json: bool) -> None:
    """Fetch new Federal Register documents (BIS, DDTC) and flag the rule values they make stale.

    \b
    Example: regbot sync --since 2026-01-01
             regbot sync --from saved-responses/ --dry-run
    Alarms are listed by `regbot rules review`; see docs/sync.md.
    """
    from bot.settings import get_settings
    from bot.sync.client import SyncError
    from bot.sync.run import run_sync
    from bot.sync.store import StoreError
    from index.errors import RegbotIndexError

    settings = get_settings()
    say = None if as_json else (lambda msg: click.echo(msg, err=True))
    try:
        report = run_sync(settings, since=_since(since), dry_run=dry_run, from_dir=from_dir,
                          progress=say)
    except (SyncError, StoreError) as exc:
        fail(str(exc), EXIT_NOTHING)
    except RegbotIndexError as exc:
        fail(f"ingesting the synced documents failed: {exc}", EXIT_INDEX)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    verb = "would fetch" if dry_run else "fetched"
    click.echo(f"{report.found} documents since {report.since} from {report.source}: {verb} "
               f"{len(report.new)}, {report.unchanged} already synced"
               + (f", {len(report.out_of_scope)} out of scope" if report.out_of_scope else ""))
    if report.ingest:
        click.echo(f"ingested: {report.ingest['chunks_added']} chunks added, "
                   f"{len(report.ingest['failed'])} failed")
    for alarm in report.alarms_new:
        click.echo(f"NEW ALARM {alarm['id']}: {alarm['rule_id']} (from {alarm['value_from']}) "
                   f"under review — FR Doc. {alarm['document']} amends {alarm['amends']}")
    click.echo(f"{report.alarms_open} value(s) under review (`regbot rules review`)"
               + (f"; {report.notified} Slack message(s)" if report.notified else ""))
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
