"""The typed record retrieval returns: a Passage (a Chunk with its scores)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.records import Chunk, Record


@dataclass(frozen=True)
class Passage(Record):
    """A chunk returned by retrieval, with its fused score."""

    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None  # cosine with the query, when the dense side saw it

    def search_json(self) -> dict[str, Any]:
        """The `regbot search --json` contract for one hit."""
        c = self.chunk
        return {
            "key": c.key,
            "source": c.source,
            "locator": c.locator,
            "citation": c.meta.citation,
            "title": c.meta.title,
            "published": c.meta.published,
            "effective": c.meta.effective,
            "score": round(self.score, 6),
            "text": c.text,
            "span": [c.span[0], c.span[1]],
        }
