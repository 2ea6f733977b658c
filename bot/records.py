"""The typed records that cross module boundaries — and nothing else does.

Pipeline shape:  Document -> Chunk -> Passage   (ingest, index)
                 Facts -> Verdict               (rules)
                 Answer(question, facts, verdict, citations, text)

All records are frozen dataclasses; `to_dict()` gives the JSON form used by
the CLI's --json output (field names there are contracts other tools use).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A verdict's status, declared from the most severe to the least.

    The values are the JSON contract; a member compares (and hashes) equal to its string,
    so code written against the strings keeps working. Every renderer takes its words for
    a status from `label` (a headline) or `short_label` (a Slack header), nowhere else.
    """

    PROHIBITED = "prohibited"
    LICENSE_REQUIRED = "license_required"
    CANNOT_DETERMINE = "cannot_determine"
    DEPENDS = "depends"
    NO_LICENSE_REQUIRED = "no_license_required"

    @property
    def rank(self) -> int:
        """Severity: higher is further from a go-ahead (no_license_required is 0)."""
        return len(_SEVERITY) - 1 - _SEVERITY.index(self)

    @property
    def label(self) -> str:
        """'Licence required' — the headline word for this status."""
        return _LABELS[self][0]

    @property
    def short_label(self) -> str:
        """'Depends' — where space is short (a Slack header)."""
        return _LABELS[self][1]

    @classmethod
    def worst(cls, statuses) -> "Status":
        """The most severe of `statuses` (at least one)."""
        return max((cls(s) for s in statuses), key=lambda s: s.rank)


_SEVERITY: tuple[Status, ...] = tuple(Status)
_LABELS: dict[Status, tuple[str, str]] = {
    Status.PROHIBITED: ("Prohibited", "Prohibited"),
    Status.LICENSE_REQUIRED: ("Licence required", "Licence required"),
    Status.CANNOT_DETERMINE: ("Cannot determine", "Cannot determine"),
    Status.DEPENDS: ("It depends", "Depends"),
    Status.NO_LICENSE_REQUIRED: ("No licence required", "No licence required"),
}
# The contract order (eval's confusion matrix and reports list statuses in this order).
STATUSES: tuple[Status, ...] = (
    Status.PROHIBITED, Status.LICENSE_REQUIRED, Status.NO_LICENSE_REQUIRED, Status.DEPENDS,
    Status.CANNOT_DETERMINE,
)
# The end uses `Facts.end_use` can hold (and a rule value may list as exceptions).
END_USES: tuple[str, ...] = ("civil", "military", "military-intelligence", "humanitarian-demining")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class _Record:
    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


# --------------------------------------------------------------------------- ingest / index


@dataclass(frozen=True)
class DocMeta(_Record):
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


@dataclass(frozen=True)
class Document(_Record):
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
class Chunk(_Record):
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


@dataclass(frozen=True)
class Passage(_Record):
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


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Facts(_Record):
    """What a question states. None = not stated (a missing fact, never a guess)."""

    as_of: date
    destination: str | None = None  # ISO 3166-1 alpha-2, e.g. "KH"
    destination_name: str | None = None  # e.g. "Cambodia"
    item: str | None = None  # the item words, e.g. "avionics"
    classification: str | None = None  # "7A994", "9A610.x", "EAR99", "USML XI"
    end_use: str | None = None  # one of END_USES
    end_user: str | None = None  # text, e.g. "army", "airline"
    unknown_country: str | None = None  # a place named that we do not know
    date_phrase: str | None = None  # the words that set as_of, if any
    out_of_scope: str | None = None  # why the question is outside US export controls, if it is
    other_destinations: tuple[str, ...] = ()  # ISO codes also named as destinations ("to KH and VN")

    def contract_dict(self) -> dict[str, Any]:
        """The `facts` object of the JSON answer contract."""
        return {
            "destination": self.destination,
            "item": self.item,
            "classification": self.classification,
            "end_use": self.end_use,
            "end_user": self.end_user,
        }


@dataclass(frozen=True)
class TraceEntry(_Record):
    """One rule value the engine read: rule id -> citation -> corpus passage."""

    rule_id: str
    as_of: date
    value: Any
    citation: str
    source: str | None  # corpus file name, when one exists
    quote: str | None
    verified: bool = True
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class Branch(_Record):
    """One way the missing facts could fall, and the verdict on that branch."""

    conditions: dict[str, str]  # serialised as "if"
    status: Status
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    def to_dict(self) -> dict[str, Any]:
        return {
            "if": dict(self.conditions),
            "status": self.status,
            "rule_ids": list(self.rule_ids),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Verdict(_Record):
    status: Status
    reasons: tuple[str, ...] = ()
    branches: tuple[Branch, ...] = ()
    missing_facts: tuple[str, ...] = ()
    clarifying_questions: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    trace: tuple[TraceEntry, ...] = ()
    unverified: tuple[str, ...] = ()  # rule ids resting on UNCONFIRMED facts

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reasons": list(self.reasons),
            "branches": [b.to_dict() for b in self.branches],
            "missing_facts": list(self.missing_facts),
            "clarifying_questions": list(self.clarifying_questions),
            "rule_ids": list(self.rule_ids),
            "trace": [_jsonable(t) for t in self.trace],
            "unverified": list(self.unverified),
        }


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Citation(_Record):
    """A quoted passage; `quote` has been checked verbatim against `source`."""

    key: str  # chunk key
    source: str  # file name of the source document
    locator: str
    citation: str | None
    quote: str
    rule_ids: tuple[str, ...] = ()
    url: str | None = None
    span: tuple[int, int] | None = None
    title: str | None = None
    visibility: str = "shareable"


@dataclass(frozen=True)
class Answer(_Record):
    question: str
    as_of: date
    facts: Facts
    verdict: Verdict
    citations: tuple[Citation, ...] = ()
    text: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    abstained: bool = False
    notes: tuple[str, ...] = ()  # e.g. "language model unavailable; deterministic text used"
    model: str | None = None  # the LLM that phrased `text`, if any
    passages: tuple[Passage, ...] = ()  # ranked retrieved passages (for eval and /sources)
    log_id: int | None = None  # decision-log row id, when the answer was logged
