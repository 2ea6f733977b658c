"""`regbot rules ...`: the EAR's tables the rules engine reads.

A thin click group: each subcommand parses options, calls `bot.rules.datasets` and prints.
Exit codes: 0 ok; 1 input rejected; 2 usage error; 3 the tables snapshot is missing or
unreadable (a broken install).
"""
from __future__ import annotations

import json
import sys

import click

from bot.cli import EXIT_INDEX, fail


@click.group()
def rules() -> None:
    """The EAR's own tables (Country Chart, Country Groups, CCL) that regbot ships."""


def _tables():
    from bot.rules.datasets import TablesError, load_tables

    try:
        return load_tables()
    except TablesError as exc:
        fail(str(exc), EXIT_INDEX)


@rules.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def info(as_json: bool) -> None:
    """Snapshot date, source, sha256 of its inputs and what it holds."""
    from bot.rules.datasets.load import describe

    data = describe(_tables())
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    counts = data["counts"]
    click.echo(f"EAR tables as of {data['ecfr_date']} (eCFR), builder {data['builder_version']}")
    click.echo(f"  source: {data['source']}")
    click.echo(f"  path: {data['path']}  (snapshots: {', '.join(data['snapshots'])})")
    kinds = ", ".join(f"{n} {k}" for k, n in counts["destinations_by_kind"].items())
    directed = ", ".join(f"{a}->{b}" for a, b in counts["directed"].items())
    click.echo(f"  destinations: {counts['destinations']} ({kinds}; read another row: "
               f"{directed}); columns: {counts['columns']}")
    groups = ", ".join(f"{g} {n}" for g, n in counts["groups"].items())
    click.echo(f"  country groups: {len(counts['groups'])} ({groups}); "
               f"{counts['group_memberships']} memberships")
    click.echo(f"  ECCNs: {counts['eccns']} ({counts['eccns_without_license_table']} without a "
               f"License Requirements table); rows: {counts['license_requirement_rows']}")
    click.echo("  rows by kind: " + ", ".join(f"{k} {n}" for k, n in counts["rows_by_kind"].items()))
    click.echo("  scopes: " + ", ".join(f"{k} {n}" for k, n in counts["scopes_by_kind"].items()))
    click.echo(f"  footnotes: {counts['footnotes']}")
    click.echo("  inputs (sha256):")
    for path, digest in data["inputs"].items():
        click.echo(f"    {digest}  {path}")


from bot.commands.rules_review import build, review  # noqa: E402  (issue 13: bot/sync)

rules.add_command(review)
rules.add_command(build)
