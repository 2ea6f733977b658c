"""Run a gold set through an answerer and score it.

An answerer is anything with `.answer(question, *, as_of, front_end, log) -> Answer`:
`bot.answer.Answerer` for real configurations, `BaselineAnswerer` for the no-op baseline that the
floors must beat.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any, Protocol

from bot.eval import metrics as m
from bot.eval.gold import GoldItem, GoldSet
from bot.records import Answer, Facts, Passage, Verdict

DEFAULT_DEPTH = 10  # ranks the recall@k curve reaches (answers show only settings.search_k passages)


class AnswererLike(Protocol):
    def answer(self, question: str, *, as_of: date | None = ..., front_end: str = ...,
               log: bool | None = ...) -> Answer: ...


class DeepRetrieval:
    """Wraps a real `bot.answer.Answerer` so eval can rank deeper than the answer shows.

    The answer is untouched; `ranked(question, k)` repeats the answer's own search with a larger k.
    Search ranks are prefix-stable (index.search fuses a fixed candidate pool), so its first
    `search_k` passages are the answer's passages and the rest extend the recall@k curve.
    """

    def __init__(self, answerer):
        self.answerer = answerer

    def answer(self, question: str, **kwargs) -> Answer:
        return self.answerer.answer(question, **kwargs)

    def ranked(self, question: str, k: int) -> list[Passage]:
        from bot.answer import clean_question

        a = self.answerer
        return list(a.index.search(clean_question(question), k=k, mode=a.settings.retrieval_mode))


class BaselineAnswerer:
    """The no-op baseline: always `depends`, no facts, no passages, no citations."""

    def answer(self, question: str, *, as_of: date | None = None, front_end: str = "eval",
               log: bool | None = None) -> Answer:
        facts = Facts(as_of=as_of or date.today())
        return Answer(question=question, as_of=facts.as_of, facts=facts,
                      verdict=Verdict(status="depends"), text="It depends.")


@dataclass(frozen=True)
class ItemResult:
    """One gold item and what the answerer gave (answer None when it raised)."""

    item: GoldItem
    answer: Answer | None
    latency_ms: float
    error: str | None = None
    ranked: tuple[Passage, ...] = ()  # the answer's passages, then deeper ranks (DeepRetrieval)

    @property
    def status(self) -> str:
        return self.answer.verdict.status if self.answer else "error"

    @property
    def abstained(self) -> bool:
        return bool(self.answer) and (self.answer.abstained or self.status == "cannot_determine")


@dataclass
class ConfigResult:
    """Every item's result and the scores for one configuration."""

    name: str
    results: list[ItemResult]
    summary: dict[str, float | None] = field(default_factory=dict)
    facts: dict[str, tuple[int, int]] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)
    recall_curve: dict[int, float | None] = field(default_factory=dict)
    per_tag: dict[str, dict[str, float | None]] = field(default_factory=dict)
    item_scores: dict[str, dict[str, Any]] = field(default_factory=dict)


def ranking(answer: Answer, deeper: list[Passage], depth: int) -> tuple[Passage, ...]:
    """The answer's own passages first (what the reader saw), then unseen deeper ones, to `depth`."""
    seen = {p.chunk.key for p in answer.passages}
    extra = [p for p in deeper if p.chunk.key not in seen]
    return (*answer.passages, *extra)[:max(depth, len(answer.passages))]


def run_items(items: tuple[GoldItem, ...], answerer: AnswererLike, *, log: bool = False,
              progress: Callable[[int, int], None] | None = None,
              depth: int = DEFAULT_DEPTH) -> list[ItemResult]:
    """Answer every gold question, timing each; an exception becomes an error result.

    Latency is the answer() call alone; an answerer with `ranked(question, k)` is then asked for
    `depth` ranked passages (untimed) for the retrieval metrics.
    """
    out = []
    deep = getattr(answerer, "ranked", None)
    for n, item in enumerate(items, start=1):
        start = perf_counter()
        ranked: tuple[Passage, ...] = ()
        try:
            answer, error = answerer.answer(item.question, as_of=item.as_of, front_end="eval",
                                            log=log), None
            latency = (perf_counter() - start) * 1000
            ranked = ranking(answer, deep(item.question, depth) if deep else [], depth)
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the evaluation
            answer, error = None, f"{type(exc).__name__}: {exc}"
            latency = (perf_counter() - start) * 1000
        out.append(ItemResult(item, answer, latency, error, ranked))
        if progress:
            progress(n, len(items))
    return out


# --------------------------------------------------------------------------- source files


class SourceReader:
    """Re-reads source files by file name (for citation validity), caching within one run."""

    def __init__(self, corpus_dirs: tuple[Path, ...] = (), lookup: Callable[[str], str | None] | None = None):
        self.corpus_dirs = corpus_dirs
        self.lookup = lookup  # file name -> path, e.g. from the index's chunk store
        self._cache: dict[str, str | None] = {}

    def remember(self, results: list[ItemResult]) -> None:
        """Learn file paths from the retrieved chunks (they carry absolute paths)."""
        self._paths = {p.chunk.source: p.chunk.path for r in results if r.answer
                       for p in r.answer.passages}

    def __call__(self, source: str) -> str | None:
        if source not in self._cache:
            self._cache[source] = self._read(source)
        return self._cache[source]

    def _read(self, source: str) -> str | None:
        # the file the index read first, then the gold set's corpus folders
        candidates = [Path(p) for p in (getattr(self, "_paths", {}).get(source),
                                        self.lookup(source) if self.lookup else None) if p]
        candidates += [d / source for d in self.corpus_dirs]
        for path in candidates:
            if path.is_file():
                return read_text(path)
        return None


def read_text(path: Path) -> str | None:
    """The text citations index into: the file itself, or the ingest reader's extraction."""
    if path.suffix.lower() in (".md", ".txt", ".markdown", ".text"):
        return path.read_text(encoding="utf-8", errors="replace")
    try:
        from ingest.readers import read_document

        return read_document(path).text
    except Exception:  # noqa: BLE001 - unreadable means the quote cannot be verified
        return None


# --------------------------------------------------------------------------- scoring


def score_item(r: ItemResult, reader: Callable[[str], str | None],
               ks: tuple[int, ...] = tuple(range(1, DEFAULT_DEPTH + 1))) -> dict[str, Any]:
    """Per-item scores; retrieval and citation scores only where sources are expected."""
    refs = r.item.sources
    passages = [m.passage_triple(p) for p in r.ranked] if r.answer else []
    citations = list(r.answer.citations) if r.answer else []
    rel = m.relevance(refs, passages)
    scores: dict[str, Any] = {
        "verdict_ok": r.status == r.item.status,
        "valid_quotes": sum(m.quote_is_valid(c, reader) for c in citations),
        "n_citations": len(citations),
    }
    if refs:
        precision, recall = m.citation_precision_recall(refs, [m.citation_triple(c) for c in citations])
        scores.update({f"recall@{k}": m.recall_at_k(rel, len(refs), k) for k in ks})
        scores.update(mrr=m.reciprocal_rank(rel), ndcg5=m.ndcg_at_k(rel, len(refs), 5),
                      citation_precision=precision, citation_recall=recall)
    return scores


def score_config(name: str, results: list[ItemResult], reader: SourceReader,
                 depth: int = DEFAULT_DEPTH) -> ConfigResult:
    """All metrics for one configuration's results."""
    reader.remember(results)
    cr = ConfigResult(name, results)
    ks = tuple(range(1, max(depth, 5) + 1))
    cr.item_scores = {r.item.id: score_item(r, reader, ks) for r in results}
    cr.summary = summarise(results, cr.item_scores)
    pairs = [(r.item.status, r.status) for r in results]
    cr.confusion = m.confusion_matrix(pairs)
    cr.facts = m.facts_accuracy((r.item.facts, _given_facts(r)) for r in results if r.item.facts)
    reached = max([len(r.ranked) for r in results] + [1])
    cr.recall_curve = {k: m.mean(s[f"recall@{k}"] for s in cr.item_scores.values() if f"recall@{k}" in s)
                       for k in ks if k <= reached}  # past the retrieval depth it is flat
    tags = sorted({t for r in results for t in r.item.tags})
    cr.per_tag = {t: summarise([r for r in results if t in r.item.tags], cr.item_scores, brief=True)
                  for t in tags}
    return cr


def facts_mismatches(r: ItemResult) -> list[str]:
    """`field: expected X, got Y` for each gold fact the answer extracted differently."""
    given = _given_facts(r)
    scores = m.facts_accuracy([(r.item.facts, given)])
    return [f"{name}: expected {r.item.facts[name]!r}, got {given.get(name)!r}"
            for name, (correct, _) in scores.items() if not correct]


def _given_facts(r: ItemResult) -> dict[str, Any]:
    if r.answer is None:
        return {}
    f = r.answer.facts
    return {name: getattr(f, name) for name in f.__dataclass_fields__}


def summarise(results: list[ItemResult], item_scores: dict[str, dict[str, Any]],
              brief: bool = False) -> dict[str, float | None]:
    """The summary metrics (the names --fail-under accepts)."""
    pairs = [(r.item.status, r.status) for r in results]
    scored = [item_scores[r.item.id] for r in results]
    with_refs = [s for s in scored if "mrr" in s]
    out: dict[str, float | None] = {  # the most dangerous error first, in every output
        "false_no_license_required": m.false_no_license_required(pairs),
        "n": len(results),
        "verdict_accuracy": m.verdict_accuracy(pairs),
        "recall@5": m.mean(s["recall@5"] for s in with_refs),
    }
    if with_refs and "recall@10" in with_refs[0]:
        out["recall@10"] = m.mean(s["recall@10"] for s in with_refs)
    if brief:
        return out
    n_cit = sum(s["n_citations"] for s in scored)
    facts = m.facts_accuracy((r.item.facts, _given_facts(r)) for r in results if r.item.facts)
    correct, total = sum(c for c, _ in facts.values()), sum(t for _, t in facts.values())
    a_prec, a_rec = m.abstention_precision_recall([(r.item.must_abstain, r.abstained) for r in results])
    latencies = [r.latency_ms for r in results if r.answer]
    out.update({
        "facts_accuracy": correct / total if total else None,
        "recall@1": m.mean(s["recall@1"] for s in with_refs),
        "recall@3": m.mean(s["recall@3"] for s in with_refs),
        "mrr": m.mean(s["mrr"] for s in with_refs),
        "ndcg@5": m.mean(s["ndcg5"] for s in with_refs),
        "citation_precision": m.mean(s["citation_precision"] for s in with_refs
                                     if s["citation_precision"] is not None),
        "citation_recall": m.mean(s["citation_recall"] for s in with_refs),
        "citation_validity": sum(s["valid_quotes"] for s in scored) / n_cit if n_cit else 1.0,
        "citations": n_cit,
        "abstention_precision": a_prec,
        "abstention_recall": a_rec,
        "latency_p50_ms": m.percentile(latencies, 50),
        "latency_p95_ms": m.percentile(latencies, 95),
        "errors": sum(r.error is not None for r in results),
    })
    return out


def evaluate(gold: GoldSet, answerers: dict[str, AnswererLike], *, log: bool = False,
             lookup: Callable[[str], str | None] | None = None,
             progress: Callable[[str, int, int], None] | None = None,
             depth: int = DEFAULT_DEPTH) -> list[ConfigResult]:
    """Run and score every configuration on the same gold set."""
    out = []
    for name, answerer in answerers.items():
        tick = (lambda n, t, _name=name: progress(_name, n, t)) if progress else None
        results = run_items(gold.items, answerer, log=log, progress=tick, depth=depth)
        out.append(score_config(name, results, SourceReader(gold.corpus_dirs, lookup), depth))
    return out
