"""`regbot search QUERY [-k N] [--json] [--mode hybrid|dense|bm25] [filters]` and
`regbot search --batch FILE --json` (one query per line -> one JSON list per line,
model and index loaded once; a blank line gives `[]`).

Exit codes: 0 ok (also when nothing matched); 2 usage errors, including an empty
query; 3 index missing, corrupt or built with another model.
Never imports torch or sentence-transformers: queries are embedded with onnxruntime.
"""
from __future__ import annotations

import json
import sys
from datetime import date

import click

from bot.cli import EXIT_INDEX, EXIT_USAGE, fail

SNIPPET = 240


def _iso_date(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"must be a date YYYY-MM-DD, not {value!r}") from None


def _snippet(text: str, limit: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_passages(passages, console) -> None:
    """A readable ranked list: rank, score, locator, citation, title, snippet."""
    from rich.text import Text

    if not passages:
        console.print("no matching passages", style="dim")
        return
    for p in passages:
        c = p.chunk
        head = Text(f"{p.rank:>2}. ", style="bold")
        head.append(c.locator, style="bold cyan")
        head.append(f"  score {p.score:.4f}", style="dim")
        console.print(head)
        cite = " · ".join(x for x in (c.meta.citation, c.meta.title, c.meta.published) if x)
        if cite:
            console.print(Text(f"    {cite}", style="green"))
        console.print(Text(f"    {_snippet(c.text)}"))
        console.print()


def _fail(message: str, code: int) -> None:
    fail(message, code)


@click.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=click.IntRange(min=1), default=None,
              help="Number of passages (default: settings.search_k).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of passages.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default=None,
              help="Retrieval mode (default: settings.retrieval_mode, normally hybrid).")
@click.option("--type", "document_type", default=None, help="Only this document type.")
@click.option("--agency", default=None, help="Only this agency (e.g. BIS, DDTC).")
@click.option("--published-from", callback=_iso_date, help="YYYY-MM-DD (inclusive).")
@click.option("--published-to", callback=_iso_date, help="YYYY-MM-DD (inclusive).")
@click.option("--effective-from", callback=_iso_date, help="YYYY-MM-DD (inclusive).")
@click.option("--effective-to", callback=_iso_date, help="YYYY-MM-DD (inclusive).")
@click.option("--batch", type=click.File("r", encoding="utf-8"), default=None,
              help="File (or -) with one query per line; prints one result per line.")
def search(query: str | None, k: int | None, as_json: bool, mode: str | None,
           document_type: str | None, agency: str | None, published_from: str | None,
           published_to: str | None, effective_from: str | None, effective_to: str | None,
           batch) -> None:
    """Search the index: dense + BM25 fused by reciprocal rank."""
    from bot.settings import get_settings
    from index.embedding import EmbeddingError
    from index.errors import RegbotIndexError
    from index.search import SearchError, SearchFilters
    from index.store import open_index

    if batch is not None and query is not None:
        _fail("give either QUERY or --batch FILE, not both", EXIT_USAGE)
    if batch is None and (query is None or not query.strip()):
        _fail("empty query: give some words to search for, e.g. regbot search \"7A994\"",
              EXIT_USAGE)
    try:
        filters = SearchFilters(document_type, agency, published_from, published_to,
                                effective_from, effective_to)
    except SearchError as exc:
        _fail(str(exc), EXIT_USAGE)
    queries = [query] if batch is None else _read_batch(batch)
    try:
        index = open_index(get_settings())
        _check_filter_values(index, document_type=document_type, agency=agency)
        for text in queries:
            passages = index.search(text, k=k, filters=filters, mode=mode) if text.strip() else []
            _emit(text, passages, as_json, batch is not None)
    except SearchError as exc:
        _fail(str(exc), EXIT_USAGE)
    except (RegbotIndexError, EmbeddingError) as exc:
        _fail(str(exc), EXIT_INDEX)


def _check_filter_values(index, **wanted: str | None) -> None:
    """A --type/--agency value no document has is a usage error that lists the known
    values (a typo would otherwise look like "no matching passages")."""
    for name, value in wanted.items():
        if value is None:
            continue
        known = index.chunks.meta_values(name)
        if value not in known:
            flag = "--type" if name == "document_type" else f"--{name}"
            _fail(f"no document in the index has {flag} {value!r}; known: "
                  f"{', '.join(known) or 'none'}", EXIT_USAGE)


def _read_batch(batch) -> list[str]:
    """All queries of a --batch file, read before any output (bad bytes: exit 2, no traceback)."""
    try:
        return [line.rstrip("\r\n") for line in batch]
    except UnicodeDecodeError as exc:
        _fail(f"--batch file {batch.name!r} is not UTF-8 text (bad byte at offset {exc.start})",
              EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot read --batch file {batch.name!r}: {exc.strerror or exc}", EXIT_USAGE)
    return []


def _emit(query: str, passages, as_json: bool, batch: bool) -> None:
    if as_json:
        click.echo(json.dumps([p.search_json() for p in passages], ensure_ascii=False))
        return
    from rich.console import Console

    console = Console()
    if batch:
        console.print(f"[bold]» {query}[/bold]", highlight=False)
    render_passages(passages, console)
