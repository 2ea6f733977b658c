"""`regbot rules review` and `regbot rules build DIR` (issue 13; registered on `regbot rules`).

Exit codes: 0 ok; 1 input rejected (unknown alarm, empty note, a folder that does not build,
a date already kept with other content); 2 usage error; 3 tables or sync files unreadable.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli import EXIT_INDEX, EXIT_NOTHING, EXIT_USAGE, fail


@click.command()
@click.option("--ack", "ack_id", default=None, metavar="ID", help="Acknowledge this alarm.")
@click.option("--note", default=None, metavar="TEXT", help="What was decided (with --ack).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def review(ack_id: str | None, note: str | None, as_json: bool) -> None:
    """List the rule values under review; `--ack ID --note TEXT` records a decision.

    \b
    A value is under review when a synced Federal Register rule amends the CFR section or
    supplement it rests on after the value's date (docs/sync.md). The decision is recorded
    in the decision log and the alarm is closed.
    """
    from bot.settings import get_settings
    from bot.sync.review import ReviewError, acknowledge, refresh
    from bot.sync.store import StoreError

    settings = get_settings()
    if note is not None and ack_id is None:
        fail("--note goes with --ack ID", EXIT_USAGE)
    try:
        if ack_id is not None:
            if note is None:
                fail("--ack needs --note TEXT (what was decided)", EXIT_USAGE)
            done = acknowledge(ack_id.strip(), note, settings)
            if as_json:
                click.echo(json.dumps({"acknowledged": done}, ensure_ascii=False, indent=2))
            else:
                click.echo(f"alarm {done['id']} acknowledged by {done['by']} "
                           f"(decision log row {done['log_id']})")
            return
        state = refresh(settings)
    except ReviewError as exc:
        fail(str(exc), EXIT_NOTHING)
    except StoreError as exc:
        fail(str(exc), EXIT_INDEX)
    acked = [{**a.to_dict(), "ack": state.acks[a.id]} for a in state.alarms if a.id in state.acks]
    if as_json:
        click.echo(json.dumps({"under_review": [a.to_dict() for a in state.open],
                               "acknowledged": acked}, ensure_ascii=False, indent=2))
        return
    if not state.open:
        click.echo(f"nothing under review ({len(acked)} alarm(s) acknowledged)")
        return
    click.echo(f"{len(state.open)} value(s) under review:")
    for a in state.open:
        click.echo(f"  {a.id}  {a.rule_id} (from {a.value_from}, {a.citation})\n"
                   f"      FR Doc. {a.document} published {a.published} amends {a.amends}: "
                   f"{a.instruction[:120]}")
    click.echo("Clear one with: regbot rules review --ack ID --note TEXT")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--dry-run", is_flag=True, help="Show what changed; keep nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def build(folder: Path, dry_run: bool, as_json: bool) -> None:
    """Take a newer EAR tables snapshot (the format of ../shared/ear): show what changed, keep it.

    Older snapshots are kept, so an --as-of before the new date still reads the table of its time.
    """
    from bot.rules.datasets.load import TablesError, home_root, load_tables, snapshots
    from bot.sync.tables import TablesBuildError, diff, discard, keep, same_bytes, stage

    if not folder.is_dir():
        fail(f"{folder}: no such folder", EXIT_NOTHING)
    try:
        staged = stage(folder, home_root())
    except TablesBuildError as exc:
        fail(str(exc), EXIT_NOTHING)
    try:
        older = [p for d, p in snapshots().items() if d < staged.ecfr_date]
        try:  # compared with the table it follows: the newest of an earlier date
            changes = diff(load_tables(older[-1]) if older else None, load_tables(staged.path))
        except TablesError as exc:
            fail(str(exc), EXIT_INDEX)
        kept = snapshots().get(staged.ecfr_date)
        if kept is not None and not same_bytes(kept, staged.path):
            fail(f"a different snapshot of {staged.ecfr_date} is already kept ({kept})", EXIT_NOTHING)
        status = ("dry_run" if dry_run else "unchanged" if kept is not None else "kept")
        path = str(kept) if kept is not None else (str(staged.target) if not dry_run else None)
        if status == "kept":
            keep(staged)
    finally:
        discard(staged)
        load_tables.cache_clear()
    result = {"status": status, "ecfr_date": staged.ecfr_date, "path": path,
              "snapshots": list(snapshots()), "changes": changes}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    _print_changes(changes)
    click.echo({"kept": f"kept as {path}; answers from {staged.ecfr_date} on read it",
                "unchanged": f"the snapshot of {staged.ecfr_date} is already kept ({path})",
                "dry_run": "dry run: nothing kept"}[status])
    click.echo(f"snapshots: {', '.join(result['snapshots'])}")


def _print_changes(c: dict) -> None:
    if c.get("first"):
        click.echo(f"first snapshot: {c['to']}")
        return
    click.echo(f"EAR tables {c['from']} -> {c['to']}:")
    cols = c["columns"]
    click.echo(f"  columns: +{cols['added'] or '0'} -{cols['removed'] or '0'}")
    rows = c["rows"]
    click.echo(f"  chart rows: {len(rows['added'])} added, {len(rows['removed'])} removed, "
               f"{len(rows['changed'])} changed")
    for name, d in list(rows["changed"].items())[:20]:
        click.echo(f"    {name}: +{', '.join(d['added']) or '-'} / -{', '.join(d['removed']) or '-'}")
    e = c["eccns"]
    click.echo(f"  ECCNs: {len(e['added'])} added {e['added'][:10]}, {len(e['removed'])} removed "
               f"{e['removed'][:10]}, {len(e['changed'])} changed {e['changed'][:10]}")
    for g, d in c["groups"].items():
        click.echo(f"  Country Group {g}: +{', '.join(d['added']) or '-'} / "
                   f"-{', '.join(d['removed']) or '-'}")
