"""`regbot rules ...`: the EAR's tables the rules engine reads, and the rulebook audit.

A thin click group: each subcommand parses options, calls `bot.rules.datasets` and prints.
Exit codes: 0 ok; 1 input rejected; 2 usage error; 3 the tables snapshot is missing or
unreadable (a broken install).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

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


@rules.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option("--shared", "shared", type=click.Path(path_type=Path), envvar="REGBOT_SHARED",
              default=Path("../shared"), show_default=True,
              help="The ../shared folder holding corpus/, scale/ and ear/ (env REGBOT_SHARED).")
@click.option("--rulebook", "rulebook_path", type=click.Path(path_type=Path), default=None,
              help="A rulebook folder or file (default: the packaged one).")
def audit(as_json: bool, shared: Path, rulebook_path: Path | None) -> None:
    """Every rule value: interval, citation, source, verified, quote found verbatim.

    Exit 1 on a quote not found, overlapping or gapped intervals in one rule, a value marked
    verified whose source is not primary text, or an unverified value that does not say what
    is missing; 2 when the shared folder or the rulebook cannot be read.
    """
    from bot.cli import EXIT_NOTHING, EXIT_USAGE
    from bot.rules.audit import audit as run_audit
    from bot.rules.loader import RulebookError, load_rulebook

    if not (shared / "corpus").is_dir():
        fail(f"{shared} is not the shared folder (no corpus/ in it); pass --shared", EXIT_USAGE)
    try:
        book = load_rulebook(rulebook_path)
    except RulebookError as exc:
        fail(f"cannot read the rulebook: {exc}", EXIT_USAGE)
    result = run_audit(book, shared.resolve())
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        _print_audit(result)
    if not result.ok:
        sys.exit(EXIT_NOTHING)


def _print_audit(result) -> None:
    for row in result.rows:
        period = (f"{row.valid_from or '-'}..{row.valid_until or 'open'}"
                  if row.valid_from else "catalogue")
        quote = {True: "quote found", False: "QUOTE NOT FOUND", None: "no quote"}[row.quote_found]
        flag = "verified" if row.verified else "UNVERIFIED"
        click.echo(f"{row.rule_id}  {period}  {flag}  {quote}  {row.citation}"
                   + (f"  [{row.source}{'' if row.primary else ', not primary'}]"
                      if row.source else ""))
        if not row.verified and row.note:
            click.echo(f"    note: {' '.join(row.note.split())}")
    counts = result.counts
    click.echo(f"{counts['rules']} rules, {counts['values']} values: {counts['verified']} verified, "
               f"{counts['unverified']} unverified, {counts['quotes_found']} quotes found, "
               f"{counts['without_quote']} without a quote (rulebook {result.version})")
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo("audit: ok" if result.ok else f"audit: {len(result.problems)} problem(s)")
