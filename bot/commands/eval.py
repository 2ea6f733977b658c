"""`regbot eval GOLD... [--report DIR] [--json] [--fail-under [CONFIG:]METRIC=VALUE ...] [--config NAME ...]
[--split dev|test]`.

Runs every gold question through the answers core once per configuration and scores the answers
(see docs/evaluation.md), dev and test side by side when the gold set is split. Floors apply to the
held-out `test` part when the run has one, else to every item run. Configurations: `hybrid`, `dense`,
`bm25` (retrieval mode) and `baseline` (always "depends", nothing retrieved: the floor every real
configuration must beat).
Exit codes: 0 all floors met; 1 a floor failed; 2 usage (bad option, bad gold file, a report folder that
cannot be written); 3 index missing.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from bot.cli import EXIT_INDEX, EXIT_NOTHING, EXIT_USAGE

CONFIGS = ("hybrid", "dense", "bm25", "baseline")
SPLITS = ("dev", "test")  # bot.eval.gold.SPLITS (not imported here: keeps `regbot --help` fast)


def parse_floor(text: str) -> tuple[str | None, str, float]:
    """`[CONFIG:]METRIC=VALUE` -> (config or None for all, metric, value); click.BadParameter otherwise."""
    from bot.eval.metrics import METRIC_DIRECTIONS, canonical_metric

    name, sep, value = text.partition("=")
    config, _, name = name.rpartition(":")
    metric = canonical_metric(name)
    if not sep or metric not in METRIC_DIRECTIONS:
        raise click.BadParameter(f"{text!r}: expected [CONFIG:]METRIC=VALUE with METRIC one of "
                                 f"{', '.join(METRIC_DIRECTIONS)}", param_hint="--fail-under")
    if config and config not in CONFIGS:
        raise click.BadParameter(f"{text!r}: unknown configuration {config!r}; known: "
                                 f"{', '.join(CONFIGS)}", param_hint="--fail-under")
    try:
        bound = float(value)
    except ValueError:
        raise click.BadParameter(f"{text!r}: {value!r} is not a number", param_hint="--fail-under") from None
    if not math.isfinite(bound):
        raise click.BadParameter(f"{text!r}: the bound must be a finite number", param_hint="--fail-under")
    return config or None, metric, bound


def select_split(gold_set, split: str | None):
    """The gold set, or only its `split` part (GoldError when that part is empty)."""
    from bot.eval.gold import GoldError, GoldSet

    if split is None:
        return gold_set
    items = tuple(i for i in gold_set.items if i.split == split)
    if not items:
        raise GoldError(f"--split {split}: no gold item is in the {split} part")
    return GoldSet(items=items, corpus_dirs=gold_set.corpus_dirs)


def _floors_option(ctx, param, values):
    return [parse_floor(v) for v in values]


def _answerers(names: list[str]) -> tuple[dict, object | None]:
    """One answerer per configuration, sharing one index and rulebook; exits 3 without an index."""
    from bot.eval.runner import BaselineAnswerer, DeepRetrieval

    answerers: dict[str, object] = {}
    shared: dict[str, object] = {}
    for name in names:
        if name == "baseline":
            answerers[name] = BaselineAnswerer()
            continue
        if not shared:
            shared.update(_open_core())
        from bot.answer import Answerer

        settings = shared["settings"].model_copy(update={"retrieval_mode": name})
        answerers[name] = DeepRetrieval(Answerer(settings, rulebook=shared["rulebook"], index=shared["index"]))
    return answerers, shared.get("index")


def _open_core() -> dict[str, object]:
    from bot.answer import Answerer
    from bot.settings import get_settings
    from index.errors import RegbotIndexError

    settings = get_settings()
    try:
        first = Answerer(settings)
    except RegbotIndexError as exc:
        message = str(exc)
        if "regbot ingest" not in message:
            message += "; run `regbot ingest PATH` to build the index"
        click.echo(f"error: {message}", err=True)
        sys.exit(EXIT_INDEX)
    return {"settings": settings, "rulebook": first.rulebook, "index": first.index}


def _source_lookup(index) -> object | None:
    """file name -> the path the index read it from (for re-reading quotes)."""
    if index is None or not hasattr(index, "chunks_by_source"):
        return None

    def lookup(source: str) -> str | None:
        chunks = list(index.chunks_by_source(source))
        return chunks[0].path if chunks else None

    return lookup


def _progress():
    """A progress printer on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def tick(name: str, n: int, total: int) -> None:
        click.echo(f"\r{name}: {n}/{total}", err=True, nl=n == total)

    return tick


def _ensure_writable(report_dir: Path) -> None:
    """Create the report folder and prove it writable; exit 2 with the reason otherwise."""
    import tempfile

    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=report_dir):
            pass
    except OSError as exc:
        click.echo(f"error: cannot write the report to {report_dir}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.command("eval")
@click.argument("gold", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write report.md, results.json and PNG plots into DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print the full results as JSON.")
@click.option("--fail-under", "floors", multiple=True, callback=_floors_option, metavar="[CONFIG:]METRIC=VALUE",
              help="Exit 1 unless METRIC reaches VALUE in every configuration (or only CONFIG); "
                   "for counts and latencies such as false_no_license_required VALUE is a ceiling. "
                   "Repeatable.")
@click.option("--config", "configs", multiple=True, type=click.Choice(CONFIGS),
              help="Configuration(s) to compare side by side (default: the configured retrieval mode).")
@click.option("--corpus", "corpus_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder(s) holding the source files, for re-reading quotes.")
@click.option("--no-log", "no_log", is_flag=True, help="Do not record the answers in the decision log.")
@click.option("--depth", type=click.IntRange(1, 50), default=10, show_default=True,
              help="Score recall@k/MRR/nDCG to this many passages shown (answers show search_k).")
@click.option("--split", "only_split", type=click.Choice(SPLITS),
              help="Run only this part of the gold set (tune on dev without running test).")
def eval_command(gold: tuple[Path, ...], report_dir: Path | None, as_json: bool,
                 floors: list[tuple[str | None, str, float]], configs: tuple[str, ...],
                 corpus_dirs: tuple[Path, ...], no_log: bool, depth: int, only_split: str | None) -> None:
    """Score regbot against gold Q&A files (YAML, or JSONL via the adapter) or folders of them."""
    from bot.eval.gold import GoldError, load_gold
    from bot.eval.metrics import check_floor
    from bot.eval.report import render_terminal, report_json, write_report
    from bot.eval.runner import evaluate

    try:
        gold_set = select_split(load_gold(list(gold), corpus_dirs=tuple(corpus_dirs)), only_split)
    except GoldError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if not configs:
        from bot.settings import get_settings

        configs = (get_settings().retrieval_mode,)
    missing = sorted({c for c, _, _ in floors if c and c not in configs})
    if missing:
        raise click.UsageError(f"--fail-under names configuration(s) not run: {', '.join(missing)}")
    if report_dir is not None:
        _ensure_writable(report_dir)  # before the run, not after it
    answerers, index = _answerers(list(dict.fromkeys(configs)))
    results = evaluate(gold_set, answerers, log=False if no_log else None,
                       lookup=_source_lookup(index), progress=_progress(), depth=depth)
    gate = "test" if "test" in gold_set.splits else "all"  # floors hold on the held-out part
    checks = [check_floor(cr.name, metric, bound, cr.part(gate).summary.get(metric), gate)
              for cr in results for config, metric, bound in floors if config in (None, cr.name)]
    paths = [str(p) for p in gold]
    if as_json:
        click.echo(json.dumps(report_json(results, checks, paths), indent=2, default=str))
    else:
        render_terminal(results, checks)
    if report_dir is not None:
        try:
            click.echo(f"report: {write_report(results, checks, paths, report_dir)}", err=True)
        except OSError as exc:
            click.echo(f"error: cannot write the report to {report_dir}: {exc.strerror or exc}", err=True)
            sys.exit(EXIT_USAGE)
    if not all(c.passed for c in checks):
        for c in checks:
            if not c.passed:
                click.echo(c.describe(), err=True)
        sys.exit(EXIT_NOTHING)
