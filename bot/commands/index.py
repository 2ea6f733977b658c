"""`regbot index check|repair|compact`: is the index whole, make it whole, give space back.

Exit codes: `check` 0 clean, 1 problems found (the message says how to repair), 3 index
missing or corrupt; `repair` and `compact` 0 done, 1 nothing done (another writer holds the
home and `--no-wait` was given; compaction of a Chroma server), 3 index missing or corrupt.
Each holds the home's write lock, so an ingest in progress is waited for, not misread.
"""
from __future__ import annotations

import json
import sys

import click

from bot.cli import EXIT_INDEX, EXIT_NOTHING

_NO_WAIT = click.option("--no-wait", "no_wait", is_flag=True,
                        help="Fail at once if another process is writing the index.")


def say_waiting(holder) -> None:
    """The message a process prints while another one holds the home's write lock."""
    who = holder.describe() if holder is not None else "another process"
    click.echo(f"waiting: the index is being written by {who}", err=True)


def _locked(no_wait: bool):
    from contextlib import nullcontext

    from bot.settings import get_settings
    from index.lock import write_lock

    home = get_settings().home
    if not home.is_dir():  # nothing to lock; opening the index says it is missing (exit 3)
        return nullcontext()
    return write_lock(home, wait=not no_wait, on_wait=say_waiting)


def _run(no_wait: bool, work):
    """Run `work(settings)` under the write lock, mapping index errors to exit codes."""
    from bot.settings import get_settings
    from index.errors import RegbotIndexError
    from index.lock import IndexBusyError

    settings = get_settings()
    try:
        with _locked(no_wait):
            return work(settings)
    except IndexBusyError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_NOTHING)
    except RegbotIndexError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INDEX)


@click.group()
def index() -> None:
    """Check, repair and compact the index (chunk store, Chroma vectors, BM25)."""


def _check(settings):
    from index.health import check_index
    from index.store import open_index

    idx = open_index(settings)
    try:
        return check_index(idx)
    finally:
        idx.close()


def _print_health(health) -> None:
    counts = (f"{health.records:,} chunk records, {health.vectors:,} vectors, "
              + (f"{health.lexical:,} BM25 rows" if health.lexical is not None else "no BM25 index"))
    if health.ok:
        click.echo(f"ok: index at {health.where}: {counts}; ids agree, every vector readable")
        return
    click.echo(f"PROBLEMS in the index at {health.where}: {counts}")
    for problem in health.problems:
        sample = f" (e.g. {', '.join(problem.sample[:3])})" if problem.sample else ""
        click.echo(f"  {problem.kind}: {problem.count:,} — {problem.detail}{sample}")
    click.echo(f"to repair: {health.to_dict()['repair']}")


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@_NO_WAIT
def check(as_json: bool, no_wait: bool) -> None:
    """Compare chunk ids across the chunk store, Chroma and BM25; read every vector back."""
    health = _run(no_wait, _check)
    if as_json:
        click.echo(json.dumps(health.to_dict()))
    else:
        _print_health(health)
    if not health.ok:
        sys.exit(EXIT_NOTHING)


def _repair(settings):
    from index.health import repair_index
    from index.store import open_index

    idx = open_index(settings)
    try:
        report = repair_index(idx)
        if report.changed:
            idx.publish_generation()
        return report
    finally:
        idx.close()


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@_NO_WAIT
def repair(as_json: bool, no_wait: bool) -> None:
    """Re-embed lost vectors from the chunk store, drop orphaned ones, rebuild a stale BM25."""
    report = _run(no_wait, _repair)
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    elif report.changed:
        click.echo(f"repaired: {report.reembedded:,} vector(s) re-embedded, "
                   f"{report.orphans_removed:,} orphaned vector(s) removed"
                   + (", BM25 rebuilt" if report.lexical_rebuilt else ""))
    else:
        click.echo("nothing to repair: ids agree and every vector is readable")


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@_NO_WAIT
def compact(as_json: bool, no_wait: bool) -> None:
    """Reclaim the space of deleted vectors (stored vectors re-inserted, nothing re-embedded)."""
    from bot.settings import get_settings
    from index.compact import compact_index

    if get_settings().chroma_url:
        click.echo("error: compaction works on an embedded index; a Chroma server manages its "
                   "own storage (run `chroma vacuum` on the server's host)", err=True)
        sys.exit(EXIT_NOTHING)
    report = _run(no_wait, compact_index)
    if as_json:
        click.echo(json.dumps(report.to_dict()))
        return
    mb = 2 ** 20
    click.echo(f"compacted: {report.vectors:,} vectors re-inserted (none re-embedded"
               + (f"; {report.reembedded:,} lost ones re-embedded first" if report.reembedded else "")
               + f"); home {report.before_bytes / mb:.1f} MB -> {report.after_bytes / mb:.1f} MB")
