"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank (k = settings.rrf_k).

Filters (document type, agency, published/effective date ranges) go into the dense
`where` clause and post-filter the lexical side, so both rank only allowed chunks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from index.records import Passage
from ingest.records import Chunk
from index.lexical import has_identifier, identifier_only

if TYPE_CHECKING:  # pragma: no cover
    from index.store import Index

MODES = ("hybrid", "dense", "bm25")
CANDIDATES = 50  # per side, before fusion
# A query that names an exact identifier (7A994, 744.21(g), D:5) trusts BM25 three times
# as much: the embedding model sees such tokens as near-noise.
IDENTIFIER_LEXICAL_WEIGHT = 3.0
# A query that is only a citation or code (`§ 744.21(g)`, `ECCN 7A994`) is a look-up: the
# dense side, guessing from noise, only breaks ties (it put 744.21(h) above (g)).
CITATION_DENSE_WEIGHT = 0.1
# Primary law (rules, regulation text) outranks commentary and news of equal fused
# relevance: answers must rest on the regulation itself. A 5 % nudge only reorders
# near-ties (RRF scores one rank apart differ by ~1.5-3 %).
PRIMARY_TYPES = frozenset({"final_rule", "interim_final_rule", "rule", "regulation_text", "cfr"})
PRIMARY_BOOST = 1.05


class SearchError(ValueError):
    """A bad search request (empty query, unknown mode, bad k)."""


@dataclass(frozen=True)
class SearchFilters:
    """Optional restrictions; dates are ISO strings YYYY-MM-DD, ranges inclusive."""

    document_type: str | None = None
    agency: str | None = None
    published_from: str | None = None
    published_to: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None

    def __post_init__(self) -> None:
        for name in ("published_from", "published_to", "effective_from", "effective_to"):
            value = getattr(self, name)
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise SearchError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None
        for field in ("published", "effective"):
            low, high = getattr(self, f"{field}_from"), getattr(self, f"{field}_to")
            if low and high and low > high:
                raise SearchError(f"{field}_from {low} is after {field}_to {high}: "
                                  "nothing could match")

    def is_empty(self) -> bool:
        return all(v is None for v in vars(self).values())


def _ord(value: str) -> int:
    return int(value.replace("-", ""))


def chroma_where(filters: SearchFilters | None) -> dict[str, Any] | None:
    """The Chroma `where` clause for `filters` (None when unfiltered)."""
    if filters is None:
        return None
    terms: list[dict[str, Any]] = []
    if filters.document_type:
        terms.append({"document_type": filters.document_type})
    if filters.agency:
        terms.append({"agency": filters.agency})
    for field in ("published", "effective"):
        low, high = getattr(filters, f"{field}_from"), getattr(filters, f"{field}_to")
        if low:
            terms.append({field: {"$gte": _ord(low)}})
        if high:
            terms.append({field: {"$lte": _ord(high)}})
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


def matches(chunk: Chunk, filters: SearchFilters | None) -> bool:
    """The lexical-side twin of `chroma_where` (a chunk without a date fails a date filter)."""
    if filters is None:
        return True
    meta = chunk.meta
    if filters.document_type and meta.document_type != filters.document_type:
        return False
    if filters.agency and meta.agency != filters.agency:
        return False
    for field in ("published", "effective"):
        value = getattr(meta, field)
        low, high = getattr(filters, f"{field}_from"), getattr(filters, f"{field}_to")
        if (low or high) and not value:
            return False
        if low and value[:10] < low:
            return False
        if high and value[:10] > high:
            return False
    return True


def rrf_fuse(rankings: list[list[str]], k: int,
             weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d))."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fusion_weights(query: str) -> list[float]:
    """[dense, lexical] RRF weights for `query` (see the constants above)."""
    if not has_identifier(query):
        return [1.0, 1.0]
    dense = CITATION_DENSE_WEIGHT if identifier_only(query) else 1.0
    return [dense, IDENTIFIER_LEXICAL_WEIGHT]


def apply_prior(ranked: list[tuple[str, float]], chunks: dict[str, Chunk]) -> list[tuple[str, float]]:
    """Nudge primary-law chunks up by PRIMARY_BOOST and re-sort (hybrid mode only)."""
    boosted = [(key, score * (PRIMARY_BOOST if key in chunks and
                              chunks[key].meta.document_type in PRIMARY_TYPES else 1.0))
               for key, score in ranked]
    return sorted(boosted, key=lambda item: (-item[1], item[0]))


def _allowed_keys(index: "Index", filters: SearchFilters | None) -> set[str] | None:
    """Keys the lexical side may return (SQL over the chunk store; None = all)."""
    if filters is None or filters.is_empty():
        return None
    equals = {name: getattr(filters, name) for name in ("document_type", "agency")
              if getattr(filters, name)}
    ranges = {name: (getattr(filters, f"{name}_from"), getattr(filters, f"{name}_to"))
              for name in ("published", "effective")
              if getattr(filters, f"{name}_from") or getattr(filters, f"{name}_to")}
    return index.chunks.keys_where(equals, ranges)


def search(index: "Index", query: str, *, k: int | None = None,
           filters: SearchFilters | None = None, mode: str | None = None) -> list[Passage]:
    """The top-k passages for `query` (scores: RRF for hybrid, cosine for dense, BM25 for bm25)."""
    settings = index.settings
    mode = mode or settings.retrieval_mode
    k = settings.search_k if k is None else k
    _check_request(query, mode, k)
    pool = max(CANDIDATES, k)
    dense: list[tuple[str, float]] = []
    lexical: list[tuple[str, float]] = []
    if mode in ("hybrid", "dense"):
        vector = index.embedder.embed([query])[0]
        dense = index.dense_query(vector, pool, chroma_where(filters))
    if mode in ("hybrid", "bm25"):
        lexical = index.lexical.top(query, pool, _allowed_keys(index, filters))
    ranked = dense or lexical
    if mode == "hybrid":
        weights = fusion_weights(query)
        ranked = rrf_fuse([[key for key, _ in dense], [key for key, _ in lexical]],
                          settings.rrf_k, weights)
    # the chunk store is the source of truth: vectors it does not know are dropped
    chunks = {c.key: c for c in index.get_chunks(key for key, _ in ranked)}
    if mode == "hybrid":
        ranked = apply_prior(ranked, chunks)
    return _passages(ranked, chunks, dense, lexical, filters, k)


def _check_request(query: str, mode: str, k: int) -> None:
    if not query or not query.strip():
        raise SearchError("empty query: give some words to search for")
    if mode not in MODES:
        raise SearchError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if k < 1:
        raise SearchError(f"k must be at least 1, got {k}")


def _passages(ranked: list[tuple[str, float]], chunks: dict[str, Chunk],
              dense: list[tuple[str, float]], lexical: list[tuple[str, float]],
              filters: SearchFilters | None, k: int) -> list[Passage]:
    """The first k ranked keys the chunk store knows and the filters allow, as Passages."""
    dense_rank = {key: i for i, (key, _) in enumerate(dense, start=1)}
    dense_score = dict(dense)
    lexical_rank = {key: i for i, (key, _) in enumerate(lexical, start=1)}
    passages: list[Passage] = []
    for key, score in ranked:
        if key in chunks and matches(chunks[key], filters):  # guards stale vector metadata
            passages.append(Passage(chunk=chunks[key], score=score, rank=len(passages) + 1,
                                    dense_rank=dense_rank.get(key),
                                    lexical_rank=lexical_rank.get(key),
                                    dense_score=dense_score.get(key)))
            if len(passages) == k:
                break
    return passages
