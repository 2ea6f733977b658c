"""`regbot log [--since DATE] [--json|--csv]` and `regbot log verify` (exit 1 when the chain is broken)."""
from __future__ import annotations

import csv
import json
import sys
from datetime import date

import click

from bot.cli import EXIT_NOTHING

CSV_COLUMNS = ("id", "ts", "kind", "front_end", "user_id", "question", "as_of", "status",
               "verdict", "facts", "rulebook_version", "settings_hash", "index_name", "passage_keys",
               "citation_keys", "model", "prompt", "timings", "ref_id", "value", "prev_hash",
               "row_hash")


def _since(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"must be a date YYYY-MM-DD, not {value!r}") from None


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _read(since: date | None) -> list[dict]:
    from bot.decision_log import DecisionLogError, read_rows

    try:
        return read_rows(since)
    except DecisionLogError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_NOTHING)


def _print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "time (UTC)", "front end", "user", "status / feedback", "question")
    for row in rows:
        what = row["status"] if row["kind"] == "answer" else f"{row['value']} on #{row['ref_id']}"
        table.add_row(str(row["id"]), row["ts"][:19], row["front_end"], row["user_id"] or "",
                      what or "", (row["question"] or "")[:80])
    Console().print(table)


@click.group(invoke_without_command=True)
@click.option("--since", callback=_since, metavar="YYYY-MM-DD", help="Only rows from this date (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON list.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the rows as CSV.")
@click.pass_context
def log(ctx: click.Context, since: date | None, as_json: bool, as_csv: bool) -> None:
    """Read the decision log (every answer and piece of feedback, hash-chained)."""
    from bot.settings import get_settings

    get_settings()  # a bad REGBOT_* value fails here (exit 2 via the CLI), for `log verify` too
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    rows = _read(since)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
    elif not rows:
        click.echo("The decision log is empty.")
    else:
        _print_table(rows)


@log.command()
def verify() -> None:
    """Check the hash chain: exit 1 if any row was edited or deleted."""
    from bot.decision_log import DecisionLogError, verify as verify_chain

    try:
        report = verify_chain()
    except DecisionLogError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_NOTHING)
    if report.ok:
        click.echo(f"ok: {report.rows} row(s), chain intact")
        return
    click.echo(f"BROKEN at row {report.broken_at}: {report.reason} "
               f"({report.rows} row(s) verified before it)", err=True)
    sys.exit(EXIT_NOTHING)
