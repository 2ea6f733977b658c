"""Evaluation metrics: pure functions over expected vs. given values (no I/O, no model as judge).

Conventions: a metric with nothing to measure returns None (shown as "n/a"), never a flattering 1.0 —
except citation validity, which is vacuously 1.0 when no quote was shown (nothing invalid was shown).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.eval.gold import SourceRef, normalise_ws
from bot.records import STATUSES, Citation, Passage

NLR = "no_license_required"

# Direction of each summary metric, for --fail-under: "min" fails below the bound, "max" above it.
METRIC_DIRECTIONS: dict[str, str] = {
    "false_no_license_required": "max", "verdict_accuracy": "min", "facts_accuracy": "min",
    "recall@1": "min", "recall@3": "min", "recall@5": "min", "recall@10": "min", "mrr": "min", "ndcg@5": "min",
    "citation_precision": "min", "citation_recall": "min", "citation_validity": "min",
    "abstention_precision": "min", "abstention_recall": "min",
    "latency_p50_ms": "max", "latency_p95_ms": "max", "errors": "max",
    "kind_accuracy": "min", "fact_accuracy": "min", "fact_accuracy_fact": "min",
    "fact_accuracy_timeline": "min", "fact_accuracy_document": "min",
}


def canonical_metric(name: str) -> str:
    """`recall_at_5` and `recall@5` name the same metric."""
    return name.strip().lower().replace("_at_", "@")


# --------------------------------------------------------------------------- verdicts


def verdict_accuracy(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Share of (expected, given) status pairs that agree."""
    return sum(e == g for e, g in pairs) / len(pairs) if pairs else None


def false_no_license_required(pairs: Iterable[tuple[str, str]]) -> int:
    """Answers of `no_license_required` where anything else was expected: the dangerous error."""
    return sum(g == NLR and e != NLR for e, g in pairs)


def confusion_matrix(pairs: Iterable[tuple[str, str]],
                     labels: Sequence[str] = STATUSES) -> list[list[int]]:
    """matrix[i][j] = items expected labels[i] and answered labels[j]; unknown labels are dropped."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, given in pairs:
        if expected in index and given in index:
            matrix[index[expected]][index[given]] += 1
    return matrix


# --------------------------------------------------------------------------- facts


def facts_accuracy(pairs: Iterable[tuple[dict, dict]]) -> dict[str, tuple[int, int]]:
    """Per fact field: (correct, total) over the fields each gold item states.

    Strings compare case- and whitespace-insensitively; other values (dates, None) exactly.
    """
    out: dict[str, list[int]] = {}
    for expected, given in pairs:
        for field, want in expected.items():
            got = given.get(field)
            ok = _norm(want) == _norm(got)
            counts = out.setdefault(field, [0, 0])
            counts[0] += ok
            counts[1] += 1
    return {field: (c, t) for field, (c, t) in sorted(out.items())}


def _norm(value):
    return normalise_ws(value).lower() if isinstance(value, str) else value


# --------------------------------------------------------------------------- sources


def source_matches(ref: SourceRef, source: str, locator: str, text: str,
                   citation: str | None = None) -> bool:
    """Does a passage or citation (file name, locator, text, citation) satisfy every field
    `ref` gives?"""
    if ref.file and ref.file != source:
        return False
    if ref.citation and not normalise_ws(citation or "").lower().startswith(
            normalise_ws(ref.citation).lower()):
        return False
    if ref.locator and not normalise_ws(locator).lower().startswith(normalise_ws(ref.locator).lower()):
        return False
    if ref.quote and normalise_ws(ref.quote).lower() not in normalise_ws(text).lower():
        return False
    return True


def passage_triple(p: Passage) -> tuple[str, str, str, str | None]:
    return p.chunk.source, p.chunk.locator, p.chunk.text, getattr(p.chunk.meta, "citation", None)


def citation_triple(c: Citation) -> tuple[str, str, str, str | None]:
    return c.source, c.locator, c.quote, c.citation


def relevance(refs: Sequence[SourceRef], ranked: Sequence[tuple]) -> list[int | None]:
    """For each ranked hit, the index of the first expected source it newly satisfies, else None.

    Each expected source is credited once (at its best rank), so duplicates earn nothing.
    """
    credited: set[int] = set()
    out: list[int | None] = []
    for hit in ranked:
        match = next((i for i, ref in enumerate(refs)
                      if i not in credited and source_matches(ref, *hit)), None)
        if match is not None:
            credited.add(match)
        out.append(match)
    return out


def recall_at_k(rel: Sequence[int | None], n_expected: int, k: int) -> float:
    """Share of the expected sources found in the top k."""
    return sum(r is not None for r in rel[:k]) / n_expected if n_expected else 0.0


def reciprocal_rank(rel: Sequence[int | None]) -> float:
    """1 / rank of the first hit that matches an expected source (0 if none)."""
    return next((1.0 / (i + 1) for i, r in enumerate(rel) if r is not None), 0.0)


def ndcg_at_k(rel: Sequence[int | None], n_expected: int, k: int) -> float:
    """Binary-gain nDCG@k; the ideal ranking puts all expected sources first."""
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:k]) if r is not None)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_expected, k)))
    return dcg / ideal if ideal else 0.0


def citation_precision_recall(refs: Sequence[SourceRef],
                              cited: Sequence[tuple]) -> tuple[float | None, float]:
    """(share of citations that match some expected source, share of expected sources cited)."""
    precision = (sum(any(source_matches(r, *c) for r in refs) for c in cited) / len(cited)
                 if cited else None)
    recall = (sum(any(source_matches(r, *c) for c in cited) for r in refs) / len(refs)
              if refs else 0.0)
    return precision, recall


def quote_is_valid(citation: Citation, read_source: Callable[[str], str | None]) -> bool:
    """The quote occurs verbatim in its source file (re-read), and its span, if any, points at it.
    A row of the EAR tables or an entry of the screening list is re-rendered from its dataset."""
    from bot.answers.cite import is_dataset_citation, verify_dataset_citation

    if is_dataset_citation(citation.key):
        return verify_dataset_citation(citation.key, citation.quote)
    text = read_source(citation.source)
    if text is None or not citation.quote or citation.quote not in text:
        return False
    if citation.span is not None and citation.source.endswith((".md", ".txt", ".markdown", ".text")):
        start, end = citation.span
        return text[start:end] == citation.quote
    return True


# --------------------------------------------------------------------------- facts an answer states


_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "})


def _fact_text(text: str) -> str:
    return normalise_ws(text.translate(_QUOTE_MARKS)).lower()


def facts_found(must_contain: Sequence[Sequence[str]], text: str) -> list[bool]:
    """For each required fact (alternatives), whether the text states one of them
    (exact substring, case-, space- and quote-mark-insensitive)."""
    hay = _fact_text(text)
    return [any(_fact_text(option) in hay for option in options) for options in must_contain]


# --------------------------------------------------------------------------- abstention, latency


def abstention_precision_recall(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """pairs = (must_abstain, did_abstain) -> (precision, recall).

    `did_abstain` is meant strictly (see runner.ItemResult.abstained): no verdict and nothing quoted.
    """
    tp = sum(m and d for m, d in pairs)
    predicted = sum(d for _, d in pairs)
    actual = sum(m for m, _ in pairs)
    return (tp / predicted if predicted else None, tp / actual if actual else None)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy), None for no values."""
    import numpy as np

    return float(np.percentile(values, q)) if len(values) else None


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


# --------------------------------------------------------------------------- floors


@dataclass(frozen=True)
class FloorCheck:
    config: str
    metric: str
    bound: float
    value: float | None
    passed: bool
    split: str = "all"  # the part of the gold set the floor was checked on

    def describe(self) -> str:
        op = "<=" if METRIC_DIRECTIONS.get(self.metric) == "max" else ">="
        shown = "n/a" if self.value is None else f"{self.value:.4g}"
        verdict = "ok" if self.passed else "FAILED"
        where = self.config if self.split == "all" else f"{self.config}/{self.split}"
        return f"[{where}] {self.metric} = {shown} (needs {op} {self.bound:g}): {verdict}"


def check_floor(config: str, metric: str, bound: float, value: float | None,
                split: str = "all") -> FloorCheck:
    """A missing value (n/a) fails: a floor on something unmeasured guards nothing."""
    if value is None:
        return FloorCheck(config, metric, bound, value, False, split)
    passed = value <= bound if METRIC_DIRECTIONS.get(metric) == "max" else value >= bound
    return FloorCheck(config, metric, bound, value, passed, split)
