"""`regbot ingest PATH... [--json] [--prune] [--rebuild] [--no-wait] [--trust LEVEL]`.

`--trust primary|official|commentary|unknown` says what the given folders hold: each
document's trust level is at most that (its sidecar may lower it); without it, sidecars decide
and a file without one is `unknown` (docs/ingest.md "Trust levels").

One writer per home: a second ingest waits for the first (saying who holds the lock:
pid, host, since when), or with `--no-wait` fails at once (exit 1).

Exit codes: 0 when any document was ingested or everything was already up to date;
1 when nothing could be ingested (or the home is busy and `--no-wait` was given);
2 usage errors (e.g. a missing path);
3 index errors (corrupt index, another model, unreachable Chroma server);
130 interrupted (Ctrl-C): committed documents are kept, the next run finishes the job.
"""
from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from bot.cli import EXIT_INDEX, EXIT_INTERRUPTED, EXIT_NOTHING, EXIT_OK
from ingest.trust import TRUST_LEVELS


def _progress_bar(enabled: bool):
    """A rich progress bar on a terminal (stderr), else nothing. It moves per embedded
    slice of chunks (weighted by file size), so one large file still shows progress."""
    if not enabled:
        return nullcontext(None)
    from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("ingest"), BarColumn(), TaskProgressColumn(),
                    TextColumn("files {task.fields[files]}  chunks {task.fields[chunks]}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.description}"),
                    transient=True, console=_stderr_console())


def _describe(event) -> dict:
    """Bar fields for one `IngestProgress` event."""
    verb = {"reading": "reading ", "embedding": "embedding "}.get(event.stage, "")
    return {"completed": event.fraction, "description": verb + Path(event.path).name[:40],
            "files": f"{event.files_done}/{event.files_total}", "chunks": f"{event.chunks_embedded:,}"}


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _print_human(summary: dict) -> None:
    console = _stderr_console()
    console.print(f"documents: {summary['documents']}  chunks added: {summary['chunks_added']}  "
                  f"unchanged: {summary['chunks_unchanged']}  removed: {summary['chunks_removed']}  "
                  f"failed: {len(summary['failed'])}"
                  + (f"  repaired: {summary['chunks_repaired']}" if summary.get("chunks_repaired") else ""),
                  highlight=False)
    for item in summary["failed"]:
        console.print(f"  [red]failed[/red] {item['path']}: {item['error']}", highlight=False,
                      markup=True)


@click.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option("--rebuild", is_flag=True, help="Delete the index first and ingest from scratch.")
@click.option("--no-wait", "no_wait", is_flag=True,
              help="Fail at once if another process is writing this index (default: wait).")
@click.option("--trust", type=click.Choice(TRUST_LEVELS, case_sensitive=False), default=None,
              help="What these paths hold: at most this trust level for every document "
                   "(default: each sidecar's document_type; no sidecar = unknown).")
def ingest(paths: tuple[Path, ...], as_json: bool, prune: bool, rebuild: bool,
           no_wait: bool, trust: str | None) -> None:
    """Read files and folders (Markdown, text, HTML, XML, PDF, JSON/JSONL) into the index."""
    from bot.commands.index import say_waiting
    from bot.settings import get_settings
    from index.embedding import EmbeddingError
    from index.errors import RegbotIndexError
    from index.build import ingest_paths
    from index.lock import IndexBusyError

    settings = get_settings()
    with _progress_bar(sys.stderr.isatty() and not as_json) as bar:
        task = (bar.add_task("", total=1.0, files="0/?", chunks="0")
                if bar is not None else None)

        def progress(event) -> None:
            if bar is not None:
                bar.update(task, **_describe(event))

        try:
            report = ingest_paths(list(paths), settings, prune=prune, rebuild=rebuild,
                                  progress=progress, wait=not no_wait, on_wait=say_waiting,
                                  trust=trust)
        except IndexBusyError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_NOTHING)
        except (RegbotIndexError, EmbeddingError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INDEX)
        except KeyboardInterrupt:
            click.echo("interrupted: documents already committed are kept; run the same "
                       "regbot ingest again to finish", err=True)
            sys.exit(EXIT_INTERRUPTED)
    summary = report.summary_json()
    if as_json:
        click.echo(json.dumps(summary))
    else:
        _print_human(summary)
    if report.documents == 0 and not report.failed:
        click.echo("nothing to ingest: no Markdown, text, HTML, XML, PDF or JSON/JSONL files in "
                   + ", ".join(str(p) for p in paths), err=True)
    sys.exit(EXIT_OK if report.documents > 0 else EXIT_NOTHING)
