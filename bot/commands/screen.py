"""`regbot screen NAME [--country XX] [--json]`, `regbot screen --batch FILE [--json]`, and
`regbot screening update FILE | info [--json]`.

Screens party names against the Consolidated Screening List (the package's snapshot or the
latest update). Never imports chromadb or torch. Exit codes: 0 screened (hits or not);
1 input rejected (empty name, bad country, unreadable or empty batch, malformed list file: the
old list stays); 2 usage error; 3 the active list is missing or damaged; 4 a batch was screened
but some of its lines were bad (each reported in its own output line).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli import EXIT_INDEX, EXIT_NOTHING

EXIT_PARTIAL = 4
MAX_BATCH_BYTES = 64 * 1024 * 1024
MAX_BATCH_LINES = 100_000
BAND_STYLE = {"exact": "bold white on red", "strong": "bold black on yellow",
              "near": "bold white on blue"}


def _fail(message: str, code: int = EXIT_NOTHING) -> None:
    from bot.cli import fail

    fail(message, code)


def _matcher():
    from bot.screening import ScreeningListError, get_matcher

    try:
        return get_matcher()
    except ScreeningListError as exc:
        _fail(str(exc), EXIT_INDEX)


def _country(value: str | None) -> str | None:
    """An ISO-2 code, or a country name the rulebook knows ("Cambodia" -> KH)."""
    if value is None or not value.strip():
        return None
    if len(value.strip()) == 2 and value.strip().isalpha():
        return value.strip().upper()
    from bot.rules.countries import resolve_country

    found = resolve_country(value)
    if found is None:
        _fail(f"I don't know the country '{value}' (give an ISO-2 code such as KH)")
    return found.code


def result_json(result, **extra) -> dict:
    return {**extra, "query": result.query, "country": result.country,
            "list_date": result.list_date, "threshold": result.threshold,
            "near_threshold": result.near_threshold,
            "hits": [h.to_json() for h in result.hits]}


def render_result(result, console) -> None:
    """Rich table of the hits, best first, with the list date screened against."""
    from rich.table import Table
    from rich.text import Text

    from bot.screening import effect_of

    if not result.hits:
        console.print(Text(f"No match for {result.query!r} on the Consolidated Screening List of "
                           f"{result.list_date} (threshold {result.threshold:.0f}).",
                           style="bold green"))
        return
    table = Table(title=f"{result.query!r}: {len(result.hits)} hit(s) on the list of "
                        f"{result.list_date}", show_lines=True)
    for col in ("band", "score", "listed name", "list", "countries", "effect", "matched"):
        table.add_column(col, overflow="fold")
    for hit in result.hits:
        effect = effect_of(hit)
        what = effect.status + (f": {hit.party.license_requirement}"
                                if effect.license_requirement else "")
        table.add_row(Text(hit.band, style=BAND_STYLE[hit.band]), f"{hit.match.score:.0f}",
                      hit.party.name, hit.party.list_code, ", ".join(hit.party.countries),
                      what, hit.match.describe())
    console.print(table)
    if result.near:
        console.print(Text("Near matches: confirm the buyer is not the listed entry before "
                           "proceeding.", style="bold cyan"))


@click.command("screen")
@click.argument("name", required=False)
@click.option("--country", "-c", default=None, help="The party's country (ISO-2 or name): "
              "a booster, never a filter.")
@click.option("--batch", "batch", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help='JSON lines {"id", "name", "country"}: one output line per input line.')
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200),
              help="At most this many hits per name.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def screen(name, country, batch, limit, as_json) -> None:
    """Screen a party name against the Consolidated Screening List.

    \b
    Examples:
      regbot screen "Beijing Academy of Artificial Intelligence"
      regbot screen "Try Pheap Group" --country KH --json
      regbot screen --batch parties.jsonl --json > hits.jsonl
    Exit codes: 0 screened; 1 input rejected; 2 usage error; 3 list missing or
    damaged; 4 batch screened but some lines were bad.
    """
    if batch is not None:
        if name:
            raise click.UsageError("give a NAME or --batch FILE, not both")
        from bot.commands.screen_batch import run_batch

        sys.exit(run_batch(batch, limit=limit, as_json=as_json, matcher=_matcher()))
    if name is None or not name.strip():
        raise click.UsageError("give a NAME to screen (or --batch FILE)")
    from bot.screening import ScreeningInputError

    matcher = _matcher()
    try:
        result = matcher.screen(name, _country(country), limit=limit)
    except ScreeningInputError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(result_json(result), ensure_ascii=False))
        return
    from rich.console import Console

    render_result(result, Console())


@click.group("screening")
def screening() -> None:
    """The screening list: which one is active, and loading a newer download."""


@screening.command("update")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--list-date", default=None, help="YYYY-MM-DD the list was published (else from "
              "the file, else its modification date).")
@click.option("--json", "as_json", is_flag=True)
def update(file, list_date, as_json) -> None:
    """Check FILE (trade.gov JSON or CSV, or regbot's JSON lines) and switch to it atomically.

    A malformed or empty file is refused (exit 1) and the active list stays as it was.
    """
    from bot.screening.formats import ListFormatError
    from bot.screening.store import ScreeningListError, active_list, update_list

    try:
        old = active_list()[0]
    except ScreeningListError:
        old = None
    try:
        info = update_list(file, list_date=list_date)
    except ListFormatError as exc:
        kept = f"; the active list is unchanged ({old.origin}, {old.list_date})" if old else ""
        _fail(f"{exc}{kept}")
    except OSError as exc:
        _fail(f"cannot store the list: {exc}")
    if as_json:
        click.echo(json.dumps(info.to_dict(), ensure_ascii=False))
        return
    click.echo(f"Screening list updated: {info.entries:,} entries on {len(info.counts)} lists, "
               f"list date {info.list_date} ({info.date_basis}).")
    if old is not None and info.list_date < old.list_date:
        click.echo(f"warning: this list ({info.list_date}) is older than the one it replaces "
                   f"({old.list_date})", err=True)


@screening.command("info")
@click.option("--json", "as_json", is_flag=True)
def info(as_json) -> None:
    """The active list: date, source, sha256 of its input, counts per list, shipped or update."""
    from bot.screening.store import ScreeningListError, active_list

    try:
        current = active_list()[0]
    except ScreeningListError as exc:
        _fail(str(exc), EXIT_INDEX)
    if as_json:
        click.echo(json.dumps(current.to_dict(), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Consolidated Screening List of {current.list_date}[/bold] "
                  f"({'shipped snapshot' if current.origin == 'shipped' else 'update'})")
    console.print(f"source: {current.source}\nsha256: {current.sha256}\npath: {current.path}")
    if current.loaded_at:
        console.print(f"loaded: {current.loaded_at}")
    table = Table()
    table.add_column("list")
    table.add_column("entries", justify="right")
    for name, n in current.counts.items():
        table.add_row(name, f"{n:,}")
    table.add_row("[bold]total[/bold]", f"[bold]{current.entries:,}[/bold]")
    console.print(table)
