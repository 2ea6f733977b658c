"""`regbot screen --batch FILE`: one output line per input line, bad lines reported in place.

Input: JSON lines `{"id", "name", "country"}` (id and country optional). Output (--json): one
line per input line, `{"id", "query", "country", "list_date", "hits": [...]}`, or
`{"id", "line", "error"}` for a line that could not be screened. Returns the exit code:
0 all screened; 1 the file is unreadable or has no lines; 4 some lines were bad.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli import EXIT_NOTHING


def _read_lines(path: Path) -> list[str] | str:
    """The file's lines, or why it cannot be read."""
    from bot.commands.screen import MAX_BATCH_BYTES, MAX_BATCH_LINES

    if not path.is_file():
        return f"{path}: no such file"
    if path.stat().st_size > MAX_BATCH_BYTES:
        return f"{path} is larger than {MAX_BATCH_BYTES // 2**20} MB; split the batch"
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return f"{path} is not UTF-8 text"
    except OSError as exc:
        return f"cannot read {path}: {exc}"
    if "\x00" in text:
        return f"{path} is a binary file, not JSON lines"
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return f"{path} is empty"
    if len(lines) > MAX_BATCH_LINES:
        return f"{path} has {len(lines):,} lines; the limit is {MAX_BATCH_LINES:,}"
    return lines


class _BadLine(ValueError):
    def __init__(self, reason: str, ident: object = None):
        super().__init__(reason)
        self.ident = ident


def _parse(line: str) -> tuple[object, str, str | None]:
    """(id, name, country) of one input line; raises _BadLine with the reason (and the id,
    when the line has one)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise _BadLine('not a JSON object {"id", "name", "country"}')
    ident, name, country = row.get("id"), row.get("name"), row.get("country")
    if not isinstance(name, str) or not name.strip():
        raise _BadLine('missing "name"', ident)
    if country is not None and not isinstance(country, str):
        raise _BadLine('"country" must be an ISO-2 code', ident)
    return ident, name, country


def run_batch(path: Path, *, limit: int, as_json: bool, matcher) -> int:
    from bot.commands.screen import EXIT_PARTIAL, result_json
    from bot.screening import ScreeningInputError

    lines = _read_lines(path)
    if isinstance(lines, str):
        from bot.cli import fail

        fail(lines, EXIT_NOTHING)
    bad = done = 0
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        ident = None
        try:
            ident, name, country = _parse(line)
            result = matcher.screen(name, country, limit=limit)
        except (ValueError, ScreeningInputError) as exc:
            bad += 1
            ident = getattr(exc, "ident", ident)
            rows.append({"id": ident, "line": n, "error": str(exc)})
        else:
            done += 1
            rows.append(result_json(result, id=ident))
        if as_json:
            click.echo(json.dumps(rows.pop(), ensure_ascii=False))
    if not as_json:
        _render(rows)
    click.echo(f"{done:,} screened, {bad:,} bad line(s) against the list of "
               f"{matcher.info.list_date}", err=True)
    return EXIT_PARTIAL if bad else 0


def _render(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Batch screening")
    for col in ("id", "query", "top hit", "band", "list", "score"):
        table.add_column(col, overflow="fold")
    for row in rows:
        if "error" in row:
            table.add_row(str(row["id"]), f"line {row['line']}", f"[red]{row['error']}[/red]",
                          "", "", "")
            continue
        hit = row["hits"][0] if row["hits"] else None
        table.add_row(str(row["id"]), row["query"], hit["name"] if hit else "no match",
                      hit["band"] if hit else "", hit["list_code"] if hit else "",
                      f"{hit['score']:.0f}" if hit else "")
    Console().print(table)
