"""Run a gold set through an answerer and score it, over the whole set and per split (dev, test).

An answerer is anything with `.answer(question, *, as_of, front_end, log) -> Answer`:
`bot.answer.Answerer` for real configurations, `BaselineAnswerer` for the no-op baseline that the
floors must beat.

Strict by design: an answer abstains only when it claims no verdict (`cannot_determine`) and quotes
nothing; retrieval is scored on the passages a reader is shown (those the answer quotes: above the
relevance threshold, after the per-file cap), not on the raw ranking.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any, Protocol

from bot.eval import metrics as m
from bot.eval.gold import SPLITS, GoldItem, GoldSet
from bot.records import Answer, Facts, Passage, Verdict

DEFAULT_DEPTH = 10  # ranks the recall@k curve reaches (answers show only settings.search_k passages)


class AnswererLike(Protocol):
    def answer(self, question: str, *, as_of: date | None = ..., front_end: str = ...,
               log: bool | None = ...) -> Answer: ...


def shown_passages(answer: Answer) -> tuple[Passage, ...]:
    """The retrieved passages a reader is shown: those the answer quotes, in rank order.

    A passage below the relevance threshold, dropped by the per-file cap, about other countries,
    or in an answer that abstains is not quoted, so it is not shown.
    """
    quoted = {c.key for c in answer.citations}
    return tuple(p for p in answer.passages if p.chunk.key in quoted)


class DeepRetrieval:
    """Wraps a real `bot.answer.Answerer` so eval can rank deeper than the answer shows.

    The answer is untouched; `ranked(question, k, as_of)` asks the same question of an answerer that
    shows k passages (same index, rulebook and settings otherwise) and returns what it shows. Its first
    passages are the answer's own (the pool, the cap, the threshold and the quoting are all in rank
    order), so ranks past `search_k` say what a larger `search_k` would show.
    """

    def __init__(self, answerer):
        self.answerer = answerer
        self._deep: dict[int, Any] = {}

    def answer(self, question: str, **kwargs) -> Answer:
        return self.answerer.answer(question, **kwargs)

    def ranked(self, question: str, k: int, as_of: date | None = None) -> list[Passage]:
        a = self.answerer
        if k not in self._deep:
            settings = a.settings.model_copy(update={"search_k": k, "llm_model": None})
            self._deep[k] = type(a)(settings, rulebook=a.rulebook, index=a.index)
        return list(shown_passages(self._deep[k].answer(question, as_of=as_of, front_end="eval", log=False)))


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
    ranked: tuple[Passage, ...] = ()  # the passages shown, then deeper shown ones (DeepRetrieval)

    @property
    def status(self) -> str:
        return self.answer.verdict.status if self.answer else "error"

    @property
    def kind(self) -> str:
        return getattr(self.answer, "kind", "determination") if self.answer else "error"

    @property
    def facts_missing(self) -> list[str]:
        """The required facts (issue 12 `must_contain`) the answer text does not state."""
        if not self.item.must_contain:
            return []
        text = self.answer.text if self.answer else ""
        found = m.facts_found(self.item.must_contain, text)
        return [" | ".join(options) for options, ok in zip(self.item.must_contain, found) if not ok]

    @property
    def wrong(self) -> bool:
        """The verdict is not the gold status, a must-abstain item did not abstain, the answer
        is of another kind, or it misses a fact it must state."""
        verdict_wrong = self.item.asks_verdict and self.status != self.item.status
        return (verdict_wrong or (self.item.must_abstain and not self.abstained)
                or self.kind != self.item.kind or bool(self.facts_missing))

    @property
    def abstained(self) -> bool:
        """Abstained for real: no verdict claimed and nothing quoted as support."""
        return (self.answer is not None and self.status == "cannot_determine"
                and not self.answer.citations
                and self.kind not in ("fact", "timeline", "document"))  # those answer, uncited or not


@dataclass
class Scores:
    """The metrics over one set of results (the whole gold set, or one split)."""

    summary: dict[str, float | None] = field(default_factory=dict)
    facts: dict[str, tuple[int, int]] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)
    recall_curve: dict[int, float | None] = field(default_factory=dict)
    per_tag: dict[str, dict[str, float | None]] = field(default_factory=dict)


@dataclass
class ConfigResult:
    """Every item's result and the scores for one configuration: overall and per split."""

    name: str
    results: list[ItemResult]
    item_scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    overall: Scores = field(default_factory=Scores)
    splits: dict[str, Scores] = field(default_factory=dict)  # "dev", "test" when the gold set has them

    @property
    def summary(self) -> dict[str, float | None]:
        return self.overall.summary

    @property
    def facts(self) -> dict[str, tuple[int, int]]:
        return self.overall.facts

    @property
    def confusion(self) -> list[list[int]]:
        return self.overall.confusion

    @property
    def recall_curve(self) -> dict[int, float | None]:
        return self.overall.recall_curve

    @property
    def per_tag(self) -> dict[str, dict[str, float | None]]:
        return self.overall.per_tag

    def part(self, split: str | None) -> Scores:
        """The scores of one split; None or "all" for the whole set."""
        return self.overall if split in (None, "all") else self.splits[split]


def ranking(answer: Answer, deeper: list[Passage], depth: int) -> tuple[Passage, ...]:
    """The passages the answer showed first, then deeper shown ones it did not show, to `depth`."""
    shown = shown_passages(answer)
    seen = {p.chunk.key for p in shown}
    extra = [p for p in deeper if p.chunk.key not in seen]
    return (*shown, *extra)[:max(depth, len(shown))]


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
            ranked = ranking(answer, deep(item.question, depth, item.as_of) if deep else [], depth)
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


def shown_citations(answer) -> list:
    """The quotes an answer shows first: a determination's brief (bot.brief, at most three);
    every citation of the other kinds (their text numbers each one it rests on)."""
    if answer.kind != "determination":
        return list(answer.citations)
    from bot.brief import brief

    return list(brief(answer).quotes)


def score_item(r: ItemResult, reader: Callable[[str], str | None],
               ks: tuple[int, ...] = tuple(range(1, DEFAULT_DEPTH + 1))) -> dict[str, Any]:
    """Per-item scores; retrieval and citation scores only where sources are expected."""
    refs = r.item.sources
    passages = [m.passage_triple(p) for p in r.ranked] if r.answer else []
    citations = list(r.answer.citations) if r.answer else []
    rel = m.relevance(refs, passages)
    scores: dict[str, Any] = {
        "verdict_ok": r.status == r.item.status,
        "kind_ok": r.kind == r.item.kind,
        "valid_quotes": sum(m.quote_is_valid(c, reader) for c in citations),
        "n_citations": len(citations),
    }
    if r.item.must_contain:
        scores["facts_ok"] = not r.facts_missing
    if refs:  # precision over the quotes an answer shows; recall over every citation (JSON)
        shown_cites = shown_citations(r.answer) if r.answer else []
        shown = [m.citation_triple(c) for c in shown_cites]
        precision, _ = m.citation_precision_recall(r.item.support_refs, shown)
        by_sources, _ = m.citation_precision_recall(refs, shown)  # the measure before `support`
        every, recall = m.citation_precision_recall(refs, [m.citation_triple(c) for c in citations])
        scores.update(citation_precision=precision, citation_recall=recall,
                      citation_precision_sources=by_sources,
                      citation_precision_all=every, n_shown=len(shown),
                      valid_shown=sum(m.quote_is_valid(c, reader) for c in shown_cites))
    if refs and r.item.kind == "determination":  # the other kinds retrieve nothing: they cite records
        scores.update({f"recall@{k}": m.recall_at_k(rel, len(refs), k) for k in ks})
        scores.update(mrr=m.reciprocal_rank(rel), ndcg5=m.ndcg_at_k(rel, len(refs), 5))
    return scores


def score_config(name: str, results: list[ItemResult], reader: SourceReader,
                 depth: int = DEFAULT_DEPTH) -> ConfigResult:
    """All metrics for one configuration's results, overall and for each split."""
    reader.remember(results)
    ks = tuple(range(1, max(depth, 5) + 1))
    item_scores = {r.item.id: score_item(r, reader, ks) for r in results}
    splits = [s for s in SPLITS if any(r.item.split == s for r in results)]
    return ConfigResult(name, results, item_scores, score_results(results, item_scores, ks),
                        {s: score_results([r for r in results if r.item.split == s], item_scores, ks)
                         for s in splits})


def score_results(results: list[ItemResult], item_scores: dict[str, dict[str, Any]],
                  ks: tuple[int, ...]) -> Scores:
    """Summary, confusion matrix, facts, recall curve and per-tag scores of `results`."""
    scored = [item_scores[r.item.id] for r in results]
    reached = max([len(r.ranked) for r in results] + [1])
    tags = sorted({t for r in results for t in r.item.tags})
    return Scores(
        summary=summarise(results, item_scores),
        confusion=m.confusion_matrix([(r.item.status, r.status) for r in results if r.item.asks_verdict]),
        facts=m.facts_accuracy((r.item.facts, _given_facts(r)) for r in results if r.item.facts),
        recall_curve={k: m.mean(s[f"recall@{k}"] for s in scored if f"recall@{k}" in s)
                      for k in ks if k <= reached},  # past the retrieval depth it is flat
        per_tag={t: summarise([r for r in results if t in r.item.tags], item_scores, brief=True)
                 for t in tags})


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
        # over every item: a fact question answered "no licence required" is false too
        "false_no_license_required": m.false_no_license_required(pairs),
        "n": len(results),
        "verdict_accuracy": m.verdict_accuracy([p for r, p in zip(results, pairs) if r.item.asks_verdict]),
        "fact_accuracy": m.mean(float(s["facts_ok"]) for s in scored if "facts_ok" in s),
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
        "citation_precision": m.mean(s["citation_precision"] for s in scored
                                     if s.get("citation_precision") is not None),
        "citation_precision_all": m.mean(s["citation_precision_all"] for s in scored
                                         if s.get("citation_precision_all") is not None),
        "citation_precision_sources": m.mean(s["citation_precision_sources"] for s in scored
                                             if s.get("citation_precision_sources") is not None),
        "quotes_shown": sum(s.get("n_shown", 0) for s in scored),
        "shown_quote_validity": (sum(s.get("valid_shown", 0) for s in scored)
                                 / max(1, sum(s.get("n_shown", 0) for s in scored))),
        "citation_recall": m.mean(s["citation_recall"] for s in scored if "citation_recall" in s),
        "citation_validity": sum(s["valid_quotes"] for s in scored) / n_cit if n_cit else 1.0,
        "citations": n_cit,
        "abstention_precision": a_prec,
        "abstention_recall": a_rec,
        "abstentions": sum(r.abstained for r in results),
        "latency_p50_ms": m.percentile(latencies, 50),
        "latency_p95_ms": m.percentile(latencies, 95),
        "errors": sum(r.error is not None for r in results),
        "kind_accuracy": m.mean(float(s["kind_ok"]) for s in scored),
    })
    for kind in ("fact", "timeline", "document"):  # issue 12: fact accuracy per kind
        out[f"fact_accuracy_{kind}"] = m.mean(float(item_scores[r.item.id]["facts_ok"]) for r in results
                                              if r.item.kind == kind and "facts_ok" in item_scores[r.item.id])
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
