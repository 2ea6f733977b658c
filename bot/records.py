"""The typed records that cross module boundaries — and nothing else does.

Pipeline shape:  Document -> Chunk -> Passage   (ingest.records, index.records; re-exported)
                 Facts -> Verdict               (rules)
                 Answer(question, facts, verdict, citations, text)

All records are frozen dataclasses; `to_dict()` gives the JSON form used by
the CLI's --json output (field names there are contracts other tools use).
Packages depend in one direction, ingest <- index <- bot: the ingest and index records live
in those packages, and bot re-exports them here for its own convenience.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from index.records import Passage
from ingest.records import Chunk, DocMeta, Document, Record, jsonable


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
        return _RANK[self]

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
        return max((s if isinstance(s, cls) else cls(s) for s in statuses), key=_RANK.__getitem__)


_RANK: dict[Status, int] = {s: len(Status) - 1 - i for i, s in enumerate(Status)}
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


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Period(Record):
    """The dates a question is about: `start`..`end`, both inclusive; `start` None = open
    ("before X": any time up to `end`). `phrase` is the words that set it (None: not stated).

    `iso` is the ISO 8601 interval ("2022-02-24/2026-12-01", "../2022-02-23"), the form a
    branch condition takes; `Period.parse` reads it (or one ISO day) back."""

    start: date | None
    end: date
    phrase: str | None = None

    @classmethod
    def day(cls, day: date, phrase: str | None = None) -> "Period":
        return cls(day, day, phrase)

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2022-02-24/2026-12-01', '../2022-02-23' or '2025-11-06' -> a Period (ValueError)."""
        first, _, second = text.strip().partition("/")
        start = None if first == ".." else date.fromisoformat(first)
        end = date.fromisoformat(second) if second else start
        if end is None or (start is not None and start > end):
            raise ValueError(f"not a period: {text!r}")
        return cls(start, end)

    @property
    def iso(self) -> str:
        if self.start == self.end:
            return self.end.isoformat()
        return f"{self.start.isoformat() if self.start else '..'}/{self.end.isoformat()}"

    def __str__(self) -> str:  # a fact's text form (Slack state, overrides): the ISO interval
        return self.iso

    @property
    def single_day(self) -> bool:
        return self.start == self.end

    def label(self, today: date | None = None) -> str:
        """'on 2025-11-06', 'before 2022-02-24', 'from 2022-02-24' (to `today`),
        'from 2022-02-24 to 2022-03-02'."""
        if self.single_day:
            return f"on {self.end.isoformat()}"
        if self.start is None:
            return f"before {(self.end + timedelta(days=1)).isoformat()}"
        if today is not None and self.end == today:
            return f"from {self.start.isoformat()}"
        return f"from {self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class Facts(Record):
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
    # who the end user is (bot.rules.end_users): military | military-intelligence | civil |
    # unknown (an organisation whose kind its name does not tell); None = no end user named
    end_user_kind: str | None = None
    parties: tuple[str, ...] = ()  # names to screen (buyer, end user, consignee...)
    # the dates the question is about (bot.rules.dates); None = the day `as_of` alone. With a
    # period, `as_of` is its last day up to today: what lies after `as_of` is the future.
    period: Period | None = None

    def __post_init__(self) -> None:
        if isinstance(self.period, str):  # a branch condition: {"period": "2022-02-24/..."}
            object.__setattr__(self, "period", Period.parse(self.period))

    def contract_dict(self) -> dict[str, Any]:
        """The `facts` object of the JSON answer contract."""
        return {
            "destination": self.destination,
            "item": self.item,
            "classification": self.classification,
            "end_use": self.end_use,
            "end_user": self.end_user,
            "end_user_kind": self.end_user_kind,
            "parties": list(self.parties),
            "period": self.period_dict(),
        }

    def period_dict(self) -> dict[str, Any]:
        """{"start", "end", "phrase"}: the stated period, else the day `as_of`."""
        period = self.period or Period.day(self.as_of, self.date_phrase)
        return {"start": period.start.isoformat() if period.start else None,
                "end": period.end.isoformat(), "phrase": period.phrase}


@dataclass(frozen=True)
class TraceEntry(Record):
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
class Branch(Record):
    """One way the missing facts could fall, and the verdict on that branch."""

    conditions: dict[str, str]  # serialised as "if"
    status: Status
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))

    def to_dict(self) -> dict[str, Any]:
        return {
            "if": dict(self.conditions),
            "status": self.status,
            "rule_ids": list(self.rule_ids),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class PartyHit(Record):
    """One screening hit a verdict rests on: which name matched which list entry, and what
    the hit means (`status`, from the list's effect; a near match is always `depends`)."""

    query: str  # the name as the question (or --end-user) gave it
    name: str  # the listed name, as the agency wrote it
    list: str  # the list's full name
    list_code: str  # EL, SDN, DPL, MEU, UVL, DTC, ...
    band: str  # exact | strong | near
    score: float
    matched: str  # which name or alias matched, and how
    status: Status
    citation: str  # the regulation the effect rests on
    countries: tuple[str, ...] = ()
    entity_number: str | None = None
    license_requirement: str | None = None  # the entry's columns, verbatim (Entity List, MEU)
    license_policy: str | None = None
    federal_register_notice: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))


@dataclass(frozen=True)
class Screening(Record):
    """Which parties a verdict screened, against which list, and what was found.

    `parties` empty: no party was named, so nobody was screened (the answer says so)."""

    parties: tuple[str, ...] = ()
    list_date: str | None = None  # the Consolidated Screening List's date (YYYY-MM-DD)
    list_source: str | None = None
    hits: tuple[PartyHit, ...] = ()
    problem: str | None = None  # the list could not be read: nothing was screened

    @property
    def screened(self) -> bool:
        return bool(self.parties) and self.problem is None

    @property
    def flagged(self) -> tuple[PartyHit, ...]:
        return tuple(h for h in self.hits if h.band != "near")

    @property
    def near(self) -> tuple[PartyHit, ...]:
        return tuple(h for h in self.hits if h.band == "near")


@dataclass(frozen=True)
class Verdict(Record):
    status: Status
    reasons: tuple[str, ...] = ()
    branches: tuple[Branch, ...] = ()
    missing_facts: tuple[str, ...] = ()
    clarifying_questions: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    trace: tuple[TraceEntry, ...] = ()
    unverified: tuple[str, ...] = ()  # rule ids resting on UNCONFIRMED facts
    screening: Screening | None = None  # None: the engine decided before screening (precheck)

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reasons": list(self.reasons),
            "branches": [b.to_dict() for b in self.branches],
            "missing_facts": list(self.missing_facts),
            "clarifying_questions": list(self.clarifying_questions),
            "rule_ids": list(self.rule_ids),
            "trace": [jsonable(t) for t in self.trace],
            "unverified": list(self.unverified),
            "screening": jsonable(self.screening) if self.screening is not None else None,
        }


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Citation(Record):
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
    # bot.provenance: the quoted document's trust level (ingest.trust); what a non-primary one
    # is ("news — The Phnom Penh Post", shown in place of a citation); how it addresses its reader
    trust: str = "unknown"
    label: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer(Record):
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
    kind: str = "determination"  # bot.kinds.Kind: determination | fact | timeline | document | ...


__all__ = [
    "END_USES", "STATUSES", "Answer", "Branch", "Chunk", "Citation", "DocMeta", "Document",
    "Facts", "Passage", "PartyHit", "Period", "Record", "Screening", "Status", "TraceEntry", "Verdict",
    "jsonable",
]
