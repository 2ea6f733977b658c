"""The typed record retrieval returns: a Passage (a Chunk with its scores)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.records import Chunk, Record
from ingest.trust import PRIMARY, reader_flags, shown_locator, trust_label


@dataclass(frozen=True)
class Passage(Record):
    """A chunk returned by retrieval, with its fused score."""

    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None  # cosine with the query, when the dense side saw it

    @property
    def flags(self) -> tuple[str, ...]:
        """How the passage addresses its reader (ingest.trust.reader_flags); () when it does not."""
        return reader_flags(self.chunk.text)

    @property
    def label(self) -> str | None:
        """What a non-primary passage is, e.g. 'news — The Phnom Penh Post'; None for primary."""
        meta = self.chunk.meta
        return trust_label(meta.trust, meta.document_type, meta.publisher, self.chunk.source)

    def search_json(self) -> dict[str, Any]:
        """The `regbot search --json` contract for one hit. Only primary text carries its
        citation; any other passage carries `label` instead (docs/ingest.md "Trust levels")."""
        c = self.chunk
        return {
            "key": c.key,
            "source": c.source,
            "locator": shown_locator(c.locator, c.source, c.meta.trust),
            "citation": c.meta.citation if c.meta.trust == PRIMARY else None,
            "trust": c.meta.trust,
            "label": self.label,
            "flags": list(self.flags),
            "title": c.meta.title,
            "published": c.meta.published,
            "effective": c.meta.effective,
            "score": round(self.score, 6),
            "text": c.text,
            "span": [c.span[0], c.span[1]],
        }
