"""Timelines: what changed for a destination, and when — oldest first, each line cited.

Events come from the dated rule values (a value that starts is a change; the rulebook's first
record of a rule says so) and from the indexed primary documents (final rules, notices) that
name the destination in their title and are dated in the window. News and commentary are not
events: they report changes, they do not make them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.answers.base import Ask, Line, Reply, day_words, trace_entry
from bot.answers.catalogue import Doc, catalogue, sentence_citation, sentences
from bot.answers.cite import rule_citation
from bot.answers.phrases import change_words, family, value_words
from bot.records import Citation
from bot.rules.countries import country_name, find_countries
from bot.rules.dates import MONTHS

LONG_STANDING = date(2000, 1, 1)  # "in force before the rulebook's coverage starts"
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"((?:19|20)\d{2})"
_IN_MONTH = re.compile(rf"\b(?:in|during|throughout|for|of)\s+{_MONTH}\s+{_YEAR}\b", re.I)
_SINCE = re.compile(rf"\b(?:since|after|from)\s+(?:{_MONTH}\s+)?{_YEAR}\b", re.I)
_BETWEEN = re.compile(rf"\bbetween\s+{_YEAR}\s+and\s+{_YEAR}\b", re.I)
_IN_YEAR = re.compile(rf"\b(?:in|during|throughout|for|of)\s+{_YEAR}\b", re.I)
_OFF = re.compile(r"\b(?:remov|lift|leav|left|drop|delist|end|exit|taken off|relax)\w*", re.I)
_ON = re.compile(r"\b(?:add|impos|join|plac|put|enter|design|embargoed|start|becom)\w*", re.I)
FAMILY_CUES: tuple[tuple[re.Pattern, tuple[str, ...]], ...] = (
    (re.compile(r"\bD:5\b", re.I), ("ear.d5.table", "itar.126_1")),
    (re.compile(r"\bD:1\b", re.I), ("ear.d1",)),
    (re.compile(r"126\.1|proscribed|\bITAR\b|arms embargo|State Department", re.I), ("itar.126_1",)),
    (re.compile(r"744\.21|military end", re.I), ("ear.744_21.group1", "ear.744_21.group2")),
    (re.compile(r"744\.22|intelligence", re.I), ("ear.744_22.countries",)),
    (re.compile(r"\bembargo", re.I), ("itar.126_1", "ear.embargo", "ear.d5.table")),
    (re.compile(r"746\.8|sanction", re.I), ("ear.746_8",)),
)
MAX_EVENTS = 8
MAX_CITES_A_LINE = 3


@dataclass(frozen=True)
class Event:
    day: date
    text: str  # what happened, without the date
    on: bool  # put the destination under a control (True) or took it off
    cite: Citation | None
    rule_id: str | None = None
    verified: bool = True


@dataclass(frozen=True)
class Window:
    start: date | None
    end: date
    words: str  # "in 2025", "in November 2025", "since 2024", "" (all on record)


def window(question: str, today: date) -> Window:
    """The period a timeline question asks about (default: everything on record up to today)."""
    if m := _IN_MONTH.search(question):
        month, year = MONTHS[m.group(1).lower()], int(m.group(2))
        end = date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
        return Window(date(year, month, 1), min(date.fromordinal(end), today),
                      f"in {date(year, month, 1):%B %Y}")
    if m := _BETWEEN.search(question):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return Window(date(a, 1, 1), min(date(b, 12, 31), today), f"between {a} and {b}")
    if m := _SINCE.search(question):
        month = MONTHS[m.group(1).lower()] if m.group(1) else 1
        start = date(int(m.group(2)), month, 1)
        return Window(start, today, f"since {start:%B %Y}" if m.group(1) else f"since {start.year}")
    if m := _IN_YEAR.search(question):
        year = int(m.group(1))
        return Window(date(year, 1, 1), min(date(year, 12, 31), today), f"in {year}")
    return Window(None, today, "")


def _families(question: str) -> set[str] | None:
    named = {f for pattern, fams in FAMILY_CUES if pattern.search(question) for f in fams}
    return named or None


def rule_events(ask: Ask, code: str, families: set[str] | None) -> list[Event]:
    """Every change of a rule value about `code`, from the rulebook (oldest first)."""
    events: list[Event] = []
    name = ask.facts.destination_name or country_name(code) or code
    for rule in ask.rulebook.rules.values():
        known = family(rule.id)
        if known is None or (known[1] is not None and known[1] != code) or (
                families and known[0] not in families):
            continue
        before = None
        for value in rule.values:
            state = value_words(rule.id, value.value, code)
            change = change_words(rule.id, value.value, code)
            if state is None or change is None or state == before:
                continue
            first, before = before is None, state
            if value.valid_from <= LONG_STANDING or (first and state.startswith("not ")):
                continue
            text = f"{name} {state} (the rulebook's first record)" if first else f"{name} {change[0]}"
            events.append(Event(value.valid_from, text, change[1],
                                rule_citation(rule.id, value, ask.answerer), rule.id, value.verified))
    return sorted(events, key=lambda e: e.day)


def _names_country(doc: Doc, code: str) -> bool:
    return any(m.code == code for m in find_countries(doc.meta.title or ""))


def _doc_cite(ask: Ask, doc: Doc, name: str) -> Citation | None:
    """The document's sentence that states its effective date, else the first naming the country."""
    found = sentences(ask.answerer.chunks_by_source(doc.source))
    pick = next((s for s in found if re.search(r"\beffective\b", s[3], re.I)), None) or next(
        (s for s in found if name.lower() in s[3].lower()), None)
    return sentence_citation(pick[0], pick[1], pick[2]) if pick else None


def document_events(ask: Ask, code: str, win: Window, taken: set[tuple[date, str]]) -> list[Event]:
    name = ask.facts.destination_name or country_name(code) or code
    events = []
    for doc in catalogue(ask.answerer):
        day = doc.dated
        if not (doc.primary and day and _names_country(doc, code) and day <= win.end
                and (win.start is None or day >= win.start)) or (day, doc.source) in taken:
            continue
        verb = "took effect" if doc.meta.effective else "was published"
        events.append(Event(day, f"{doc.reference()[0].upper()}{doc.reference()[1:]} {verb}",
                            True, _doc_cite(ask, doc, name)))
    return events


def _in(win: Window, day: date) -> bool:
    return day <= win.end and (win.start is None or day >= win.start)


def _lines(events: list[Event]) -> list[Line]:
    """One line per day, oldest first: 'December 9, 2021: A; B.' with that day's citations."""
    days: dict[date, list[Event]] = {}
    for event in events:
        days.setdefault(event.day, []).append(event)
    lines = []
    for day, todays in sorted(days.items()):
        texts = [e.text + ("" if e.verified else " (unconfirmed)") for e in todays]
        cites = tuple(dict.fromkeys(e.cite for e in todays if e.cite))[:MAX_CITES_A_LINE]
        lines.append(Line(f"{day_words(day)}: " + "; ".join(dict.fromkeys(texts)) + ".", cites))
    return lines[-MAX_EVENTS:]


def timeline_reply(ask: Ask) -> Reply | None:
    code = ask.facts.destination
    if not code:
        return None
    name = ask.facts.destination_name or country_name(code) or code
    win = window(ask.question, ask.today)
    rules = [e for e in rule_events(ask, code, _families(ask.question)) if _in(win, e.day)]
    taken = {(e.day, e.cite.source) for e in rules if e.cite}
    docs = document_events(ask, code, win, taken) if _families(ask.question) is None else []
    events = sorted(rules + docs, key=lambda e: e.day)
    trace = tuple(trace_entry(e.rule_id, ask.rulebook.rule(e.rule_id).value_on(e.day), e.day)
                  for e in rules)
    unverified = tuple(dict.fromkeys(e.rule_id for e in rules if not e.verified))
    asked_when = re.match(r"\s*(?:when|since when)\b", ask.question, re.I)
    polarity = (False if _OFF.search(ask.question) else True if _ON.search(ask.question) else None)
    wanted = [e for e in events if polarity is None or e.on == polarity]
    if asked_when and wanted:
        last = wanted[-1]
        head = Line(f"{day_words(last.day)}: {last.text}.", (last.cite,) if last.cite else ())
        rest = [e for e in events if e is not last]
        lines = [head] + ([Line("Before that, oldest first:")] + _lines(rest) if rest else [])
        return Reply(tuple(lines), trace, unverified)
    where = f" {win.words}" if win.words else ""
    if not events:
        return Reply((Line(f"No change for {name}{where} is on record in regbot's rulebook or its "
                           "indexed rules."),), trace, unverified)
    count = len(events)
    head = Line(f"{count} change{'s' if count > 1 else ''} for {name}{where} on record, oldest first:")
    return Reply(tuple([head] + _lines(events)), trace, unverified)
