"""`regbot log [--since DATE] [--json|--csv]`, `regbot log verify [--checkpoint FILE] [--json]`
and `regbot log checkpoint`.

`verify` exits 0 when the chain is intact, 1 when it is broken (edited, recomputed, truncated
or forged rows; a checkpoint the log no longer reaches), 2 when the log is keyed but no key is
available. `checkpoint` prints the head (row count, last id, MAC) as one JSON line to keep
somewhere the log's writers cannot reach.
"""
from __future__ import annotations

import csv
import json
import sys
from datetime import date

import click

from bot.cli import EXIT_NOTHING, EXIT_USAGE

CSV_COLUMNS = ("id", "ts", "kind", "front_end", "user_id", "question", "as_of", "status",
               "verdict", "facts", "rulebook_version", "settings_hash", "index_name", "passage_keys",
               "citation_keys", "model", "prompt", "timings", "ref_id", "value", "prev_hash",
               "row_hash", "mac")


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
        what = row["status"] if row["kind"] == "answer" else (
            f"review {row['value']} acknowledged" if row["kind"] == "review"
            else f"{row['value']} on #{row['ref_id']}")
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


def _load_checkpoint(path: str | None) -> dict | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.loads(fh.read(1 << 20))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"cannot read checkpoint {path}: {exc}", param_hint="--checkpoint")
    if not isinstance(data, dict) or "last_id" not in data or "rows" not in data:
        raise click.BadParameter(f"{path} is not a `regbot log checkpoint` line",
                                 param_hint="--checkpoint")
    return data


def _key_problem(exc: Exception) -> None:
    click.echo(f"error: bad configuration: {exc}", err=True)
    sys.exit(EXIT_USAGE)


@log.command()
@click.option("--checkpoint", "checkpoint_file", metavar="FILE",
              help="A line printed by `regbot log checkpoint`: the log must still reach it.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def verify(checkpoint_file: str | None, as_json: bool) -> None:
    """Check hashes, keyed MACs, the head record (and a checkpoint): exit 1 if tampered with."""
    from bot.decision_log import DecisionLogError, verify as verify_chain
    from bot.log_key import LogKeyError

    checkpoint = _load_checkpoint(checkpoint_file)
    try:
        report = verify_chain(checkpoint=checkpoint)
    except LogKeyError as exc:
        _key_problem(exc)
    except (DecisionLogError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_NOTHING)
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "rows": report.rows, "keyed_rows": report.keyed_rows,
                               "broken_at": report.broken_at, "reason": report.reason,
                               "notes": list(report.notes)}))
    elif report.ok:
        extra = " and the checkpoint" if checkpoint else ""
        click.echo(f"ok: {report.rows} row(s), chain intact ({report.keyed_rows} checked with the "
                   f"key{extra})")
        for note in report.notes:
            click.echo(f"note: {note}")
    else:
        where = f" at row {report.broken_at}" if report.broken_at is not None else ""
        click.echo(f"BROKEN{where}: {report.reason} ({report.rows} row(s) verified before it)",
                   err=True)
    if not report.ok:
        sys.exit(EXIT_NOTHING)


@log.command()
def checkpoint() -> None:
    """Print the log's head (rows, last id, MAC) as one JSON line, to store elsewhere."""
    from bot.decision_log import DecisionLogError
    from bot.log_key import LogKeyError
    from bot.log_verify import checkpoint as take
    from bot.settings import get_settings

    try:
        head = take(get_settings())
    except LogKeyError as exc:
        _key_problem(exc)
    except DecisionLogError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_NOTHING)
    click.echo(json.dumps(head))

