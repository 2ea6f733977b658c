"""A verdict over a period: one verdict per stretch of days on which no rule it reads changes.

The engine evaluates the first day of the period; the reader says on which later days inside
it a rule it read changes value (`Reader.change_dates`); each such day is evaluated too, until
no new day turns up. Neighbouring stretches with the same answer merge. One stretch -> that
verdict, with a note on the period; several -> `depends`, one branch per stretch (and per
branch of the stretch's own verdict), each labelled with its dates. Whatever lies after
`Facts.as_of` (today) is answered on today's rules, with a warning that rules may change.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Callable, Protocol

from bot.records import Branch, Facts, Period, Status, TraceEntry, Verdict
from bot.rules.dates import window


class _Changes(Protocol):
    def change_dates(self, start: date, end: date) -> tuple[date, ...]: ...


DayRun = Callable[[date], tuple[Verdict, "_Changes | None"]]


@dataclass(frozen=True)
class Stretch:
    """Days `period` on which the verdict is `verdict`."""

    period: Period
    verdict: Verdict


def _signature(verdict: Verdict) -> tuple:
    """What must agree for two stretches to be one: the status and each branch's status."""
    return verdict.status, tuple(sorted((tuple(sorted(b.conditions.items())), b.status)
                                        for b in verdict.branches))


def stretches(run: DayRun, first: date, last: date, open_start: bool = False) -> list[Stretch]:
    """The verdict on each stretch of [first, last] (a new stretch wherever a rule read changes);
    `open_start`: the first stretch has no lower bound ("before X")."""
    verdicts: dict[date, Verdict] = {}
    pending = [last, first]  # `last` too: a stretch's verdict is that of its latest day read
    while pending:
        day = pending.pop()
        if day in verdicts:
            continue
        verdict, reader = run(day)
        verdicts[day] = verdict
        if reader is not None:
            pending += [d for d in reader.change_dates(first, last) if d not in verdicts]
    days = sorted(verdicts)
    ends = [d - timedelta(days=1) for d in days[1:]] + [last]
    merged: list[tuple[date, date, Verdict]] = []
    for start, end in zip(days, ends):
        if merged and _signature(merged[-1][2]) == _signature(verdicts[start]):
            merged[-1] = (merged[-1][0], end, verdicts[start])  # the later day's verdict
        else:
            merged.append((start, end, verdicts[start]))
    return [Stretch(Period(None if open_start and i == 0 else s, e), v)
            for i, (s, e, v) in enumerate(merged)]


def _span(period: Period, first: date, last: date) -> str:
    start = "" if period.start is None else f"from {first.isoformat()} "
    return f"{start}{'to' if start else 'up to'} {last.isoformat()}" if first != last \
        else f"on {last.isoformat()}"


def future_warning(period: Period, as_of: date) -> str:
    return (f"Part of the period asked about ('{period.phrase or period.iso}', up to "
            f"{period.end.isoformat()}) is in the future: it is answered on the rules in force "
            f"on {as_of.isoformat()}. Rules may change before then; check again nearer the "
            f"date.")


def _citations(rule_ids: tuple[str, ...], trace: tuple[TraceEntry, ...]) -> str:
    by_id = {t.rule_id: t.citation for t in trace}
    return "; ".join(dict.fromkeys(by_id[r] for r in rule_ids if r in by_id))


def _when(period: Period) -> str:
    """'before 2022-02-24', 'from 2022-02-24 to 2026-12-01', 'on 2025-11-06'."""
    return period.label()


def _branches(part: Stretch) -> list[tuple[Branch, str]]:
    """The stretch's branches, each with the stretch's dates added, and its reason line."""
    inner = part.verdict.branches or (Branch({}, part.verdict.status, part.verdict.rule_ids,
                                             part.verdict.reasons),)
    out = []
    for b in inner:
        cond = {"period": part.period.iso, **b.conditions}
        words = "".join(f" and {k.replace('_', ' ')} is {v}" for k, v in b.conditions.items())
        cites = _citations(b.rule_ids, part.verdict.trace)
        line = (f"If shipped {_when(part.period)}{words}: {b.status.label.lower()}"
                + (f" ({cites})." if cites else " (outside what the rulebook covers)."))
        out.append((replace(b, conditions=cond), line))
    return out


def _unverified(ids: list[str], trace: tuple[TraceEntry, ...]) -> str:
    by_id = {t.rule_id: t.citation for t in trace}
    cites = "; ".join(f"{r} ({by_id[r]})" for r in ids)
    return (f"Unconfirmed: this verdict rests on rule values the corpus does not confirm — "
            f"{cites}. Check them against the primary text before relying on it.")


def _dated(facts: Facts, parts: list[Stretch], question: str) -> Verdict:
    """`depends` on the date: one branch per stretch (and per branch inside one)."""
    pairs = [pair for part in parts for pair in _branches(part)]
    changes = ", ".join(p.period.start.isoformat() for p in parts[1:])
    reasons = [f"The answer depends on the date: a rule it rests on changes inside the period "
               f"asked about ('{facts.period.phrase or facts.period.iso}'), on {changes}.",
               *(line for _, line in pairs)]
    trace = tuple({(t.rule_id, t.valid_from): t for p in parts for t in p.verdict.trace}.values())
    rule_ids = tuple(dict.fromkeys(r for p in parts for r in p.verdict.rule_ids))
    unverified = list(dict.fromkeys(r for p in parts for r in p.verdict.unverified))
    if unverified:
        reasons.append(_unverified(unverified, trace))
    missing = ["period", *dict.fromkeys(m for p in parts for m in p.verdict.missing_facts)]
    asked = [question.format(changes=changes),
             *dict.fromkeys(q for p in parts for q in p.verdict.clarifying_questions)]
    return Verdict(status=Status.DEPENDS, reasons=tuple(reasons),
                   branches=tuple(b for b, _ in pairs), missing_facts=tuple(dict.fromkeys(missing)),
                   clarifying_questions=tuple(dict.fromkeys(asked)), rule_ids=rule_ids,
                   trace=trace, unverified=tuple(unverified), screening=parts[-1].verdict.screening)


def over_period(facts: Facts, run: DayRun, question: str) -> Verdict:
    """The verdict for `facts` over `facts.period`; `run(day)` evaluates one day (and gives the
    reader that says where the rules it read change). `question`: the clarifying question
    when the date matters, with `{changes}` for the dates the rules change on."""
    period = facts.period
    first, last, future = window(period, facts.as_of)
    parts = stretches(run, first, last, open_start=period.start is None)
    if len(parts) > 1:
        verdict = _dated(facts, parts, question)
    else:
        verdict = parts[0].verdict
        if first != last:
            note = (f"The same answer holds over the whole period asked about ('"
                    f"{period.phrase or period.iso}': {_span(period, first, last)}): the rules "
                    f"were checked on every date inside it on which one of them changes.")
            verdict = replace(verdict, reasons=(*verdict.reasons[:1], note, *verdict.reasons[1:]))
    if future:
        verdict = replace(verdict, reasons=(*verdict.reasons, future_warning(period, facts.as_of)))
    return verdict
