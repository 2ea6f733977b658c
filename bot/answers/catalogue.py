"""The indexed documents with their metadata, and verified quotes of their sentences.

Shared by timeline answers (a rule's date) and document answers (what a rule or an article
says). A sentence is quoted only after it is re-verified against its source file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.evidence import passage_citation, quote_is_verbatim, sentence_spans
from bot.provenance import present
from ingest.trust import reader_flags
from bot.records import Chunk, Citation, DocMeta

PRIMARY = ("final_rule", "interim_final_rule", "rule", "notice", "proposed_rule")
SECONDARY = ("news", "commentary")
TYPE_WORDS = {"final_rule": "final rule", "interim_final_rule": "interim final rule",
              "rule": "rule", "notice": "notice", "proposed_rule": "proposed rule",
              "regulation_text": "regulation text", "news": "news article",
              "commentary": "commentary"}
# Lines that say nothing about the rule: contacts, boilerplate, banners.
_BOILERPLATE = re.compile(r"^\s*(?:\[|<!--|For questions|For further information|Authority:|"
                          r"BILLING CODE|\[ FR Doc)|@|\bcontact\b", re.IGNORECASE)


@dataclass(frozen=True)
class Doc:
    source: str
    path: str
    meta: DocMeta

    @property
    def dated(self) -> date | None:
        raw = self.meta.effective or self.meta.published
        return date.fromisoformat(raw[:10]) if raw else None

    @property
    def published(self) -> date | None:
        return date.fromisoformat(self.meta.published[:10]) if self.meta.published else None

    @property
    def primary(self) -> bool:
        return (self.meta.document_type or "") in PRIMARY

    def short_citation(self) -> str | None:
        """'FR Doc. 2026-02262 (RIN ...)' -> 'FR Doc. 2026-02262'."""
        return self.meta.citation.split(" (")[0] if self.meta.citation else None

    def reference(self) -> str:
        """'the BIS final rule “Export Administration Regulations: …” (FR Doc. 2026-02262)'."""
        kind = TYPE_WORDS.get(self.meta.document_type or "", "document")
        who = self.meta.agency or _publisher(self.meta)
        cite = f" ({self.short_citation()})" if self.short_citation() else ""
        return f"the {who + ' ' if who else ''}{kind} “{self.meta.title}”{cite}"


def _publisher(meta: DocMeta) -> str:
    name = re.split(r"[/,(;]", meta.publisher or "")[0].strip()
    return re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)


def catalogue(answerer) -> list[Doc]:
    """Every indexed document, cached on the answerer until the index changes."""
    chunks = getattr(answerer.index, "chunks", None)
    if chunks is None or not hasattr(chunks, "document_meta"):
        return []
    generation = getattr(chunks, "generation", None)
    cached = getattr(answerer, "_kinds_catalogue", None)
    if cached is None or cached[0] != generation:
        cached = (generation, [Doc(s, p, m) for s, p, m in chunks.document_meta()])
        answerer._kinds_catalogue = cached
    return cached[1]


def sentence_citation(chunk: Chunk, start: int, end: int) -> Citation | None:
    """A verified citation of chunk.text[start:end] (chunk-local offsets)."""
    text = chunk.text[start:end]
    span = (chunk.span[0] + start, chunk.span[0] + end)
    if not text.strip() or reader_flags(chunk.text) or not quote_is_verbatim(chunk.path, span, text):
        return None  # text that addresses its reader is never quoted (bot.provenance)
    meta = chunk.meta
    return present(Citation(key=chunk.key, source=chunk.source, locator=chunk.locator,
                            citation=passage_citation(chunk), quote=text, url=meta.source_url,
                            span=span, title=meta.title, visibility=meta.visibility), chunk)


def sentences(chunks: list[Chunk]) -> list[tuple[Chunk, int, int, str]]:
    """(chunk, start, end, text) of every sentence of a document, in reading order,
    without boilerplate (contacts, banners, billing codes)."""
    out = []
    for chunk in chunks:
        for start, end in sentence_spans(chunk.text):
            text = chunk.text[start:end]
            if len(text) >= 25 and not _BOILERPLATE.search(text):
                out.append((chunk, start, end, text))
    return out
