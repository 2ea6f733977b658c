"""The typed records ingest produces (Document -> Chunk), and the base of every record.

Dependency order of the packages: ingest <- index <- bot. These records live here, at the
bottom, so index and bot can import them and ingest imports neither. All records are
frozen dataclasses; `to_dict()` gives the JSON form (field names there are contracts).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any


def jsonable(value: Any) -> Any:
    """Dataclasses, dates, dicts and sequences as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class Record:
    """Base of every record: `to_dict()` is its JSON form."""

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)


@dataclass(frozen=True)
class DocMeta(Record):
    """Document-level metadata, from the `X.meta.json` sidecar or inferred."""

    title: str
    publisher: str | None = None  # e.g. "Bureau of Industry and Security"
    agency: str | None = None  # short form: "BIS", "DDTC", "OFAC", ...
    document_type: str | None = None  # e.g. "rule", "cfr", "notice", "news", "commentary"
    published: str | None = None  # ISO date YYYY-MM-DD
    effective: str | None = None  # ISO date YYYY-MM-DD
    citation: str | None = None  # e.g. "90 FR 50489", "15 CFR 744.21"
    source_url: str | None = None
    completeness: str | None = None  # "full", "excerpt", "partial", ...
    visibility: str = "shareable"  # "shareable" | "internal" (Slack channels cite only shareable)
    # ingest.trust: primary | official | commentary | unknown (a missing value is never primary)
    trust: str = "unknown"


@dataclass(frozen=True)
class Document(Record):
    """One source file, read into text. Chunk spans index into `text`.

    For Markdown and plain text `text` is the file's own decoded text, so a span
    is a span of the file. For converted formats (HTML, XML, PDF, JSON) `text` is
    the deterministic extraction of the file; re-reading the file reproduces it.
    """

    doc_id: str  # stable: hash of the resolved path
    path: str  # absolute path of the source file
    source: str  # file name (what citations show)
    format: str  # "markdown" | "text" | "html" | "xml" | "pdf" | "json" | "jsonl"
    text: str
    sha256: str  # of the file bytes
    meta: DocMeta


@dataclass(frozen=True)
class Chunk(Record):
    """A structure-aware piece of one document; never crosses a section boundary."""

    key: str  # stable content hash, e.g. "c3f9a1b2c4d5e6f7"
    doc_id: str
    source: str  # file name
    path: str
    text: str  # == document.text[span[0]:span[1]]
    span: tuple[int, int]
    locator: str  # e.g. "15 CFR 744.21(a)(1)" or "2026-02_x.txt ¶3"
    section: str | None  # e.g. "§ 744.21"
    heading: str  # heading path, e.g. "PART 744 > § 744.21 Restrictions on ..."
    meta: DocMeta
    ordinal: int = 0  # position within the document
