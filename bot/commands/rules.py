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


@rules.command()
@click.option("--classification", "-c", required=True,
              help='An ECCN (5A002, 3A001.b.2, 9A610.x), EAR99 or a USML category ("USML XI").')
@click.option("--end-use", type=click.Choice(("civil", "military", "military-intelligence")),
              default=None, help="The end use (default: not stated, so the engine branches).")
@click.option("--as-of", "as_of", default=None, help="Date YYYY-MM-DD (default: today).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def matrix(classification: str, end_use: str | None, as_of: str | None, as_csv: bool,
           as_json: bool) -> None:
    """The verdict for one classification to every destination of the Country Chart.

    \b
    Example: regbot rules matrix --classification 5A002 --csv
    Exit codes: 0 ok; 1 a classification the CCL does not hold; 2 usage error; 3 no tables.
    """
    from datetime import date

    from bot.cli import EXIT_NOTHING, EXIT_USAGE
    from bot.rules.datasets import ClassificationError
    from bot.rules.matrix import verdict_matrix

    if as_csv and as_json:
        fail("--csv and --json exclude each other", EXIT_USAGE)
    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of.strip())
        except ValueError:
            fail(f"--as-of must be a real date YYYY-MM-DD, not {as_of!r}", EXIT_USAGE)
    _tables()
    try:
        rows = verdict_matrix(classification, end_use=end_use, as_of=day)
    except ClassificationError as exc:
        fail(str(exc), EXIT_NOTHING)
    if as_json:
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        click.echo(json.dumps({"classification": classification, "end_use": end_use,
                               "as_of": (day or date.today()).isoformat(), "counts": counts,
                               "destinations": [r.to_dict() for r in rows]},
                              indent=2, ensure_ascii=False))
        return
    if as_csv:
        import csv

        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(("code", "destination", "status", "procedure", "rule_ids"))
        for r in rows:
            out.writerow((r.code, r.destination, r.status, r.procedure, " ".join(r.rule_ids)))
        return
    width = min(32, max(len(r.destination) for r in rows))
    for r in rows:
        click.echo(f"{r.code}  {r.destination[:width]:<{width}}  {r.status:<20} {r.procedure}")


from bot.commands.rules_review import build, review  # noqa: E402  (issue 13: bot/sync)

rules.add_command(review)
rules.add_command(build)
