"""What every kind's answerer gets (`Ask`) and gives back (`Reply`), and the text they share.

A reply is a short list of lines, the bottom line first; each line carries the citations it
rests on, so the text numbers them `[n]` in order of first use and quotes nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.kinds import Route
from bot.records import Citation, Facts, TraceEntry

MAX_LINES = 12  # a salesperson reads it in five seconds; everything else is in the JSON


@dataclass(frozen=True)
class Ask:
    """One question for a kind's answerer."""

    question: str
    facts: Facts  # with the earlier turn's facts carried forward
    today: date  # the day the question is asked on (facts.as_of may be a date it names)
    route: Route
    rulebook: Any
    answerer: Any  # bot.answer.Answerer: chunks_by_source, index, settings


@dataclass(frozen=True)
class Line:
    text: str
    cites: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A kind's answer: lines (bottom line first), and the rule values it read."""

    lines: tuple[Line, ...]
    trace: tuple[TraceEntry, ...] = ()
    unverified: tuple[str, ...] = ()  # rule ids of values marked verified: false
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def day_words(day: date | str | None) -> str:
    """2026-02-03 -> 'February 3, 2026' (the way a reader says a date)."""
    if day is None:
        return "an unstated date"
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day:%B} {day.day}, {day.year}"


def _same(a: Citation, b: Citation) -> bool:
    return a.key == b.key and a.quote == b.quote


def number_citations(lines: tuple[Line, ...]) -> tuple[str, tuple[Citation, ...]]:
    """The answer text with `[n]` markers, and the citations in the order they are first used."""
    cited: list[Citation] = []
    out: list[str] = []
    for line in lines[:MAX_LINES]:
        marks = []
        for cite in line.cites:
            n = next((i for i, c in enumerate(cited, 1) if _same(c, cite)), None)
            if n is None:
                cited.append(cite)
                n = len(cited)
            if f"[{n}]" not in marks:
                marks.append(f"[{n}]")
        out.append(line.text + (" " + "".join(marks) if marks else ""))
    return "\n".join(out), tuple(cited)


def trace_entry(rule_id: str, value, as_of: date) -> TraceEntry:
    """A rule value read by a fact or timeline answer, for the trace (rule -> citation -> quote)."""
    return TraceEntry(rule_id=rule_id, as_of=as_of, value=value.value, citation=value.citation,
                      source=value.source, quote=value.quote, verified=value.verified,
                      valid_from=value.valid_from, valid_until=value.valid_until)
