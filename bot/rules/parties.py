"""The Consolidated Screening List as a dataset of the rules core: read through the Reader.

The engine stays a pure function of facts + data: the data here is the active screening list
(`PartyLists`; by default the package's snapshot or the latest `regbot screening update`), and
every screen a layer asks for goes through `screen(reader, name, country)`, which caches it on
the reader (one screen per name per verdict, whatever the branches) and records each hit in the
reader's trace (`csl:<list>:<entry>`, and `csl.list` whose citation names the list's date), so
a verdict names the list and the date it rests on. The matcher (~3 s to build) is only built when a party
is named: `regbot check` without one never touches it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from bot.records import Facts, PartyHit, Screening, Status, Verdict
from bot.rules.loader import RuleValue

if TYPE_CHECKING:  # pragma: no cover
    from bot.rules.reader import Reader
    from bot.screening import Effect, Hit, ListInfo, ScreeningResult

LIST_RULE = "csl.list"  # the trace key of the list itself (date, source, entries)
LIST_CITATION = "Consolidated Screening List (trade.gov)"
NEAR_PER_NAME = 3  # near matches kept per name (the best ones; each is a question to settle)
_ISO2 = re.compile(r"^[A-Z]{2}$")


class PartyLists(Protocol):
    """What the engine needs from a screening list."""

    def info(self) -> "ListInfo": ...

    def screen(self, name: str, country: str | None) -> "ScreeningResult": ...


class ActiveLists:
    """The active list (bot.screening): its info is cheap; the matcher is built on first use."""

    def info(self) -> "ListInfo":
        from bot.screening import active_list_info

        return active_list_info()

    def screen(self, name: str, country: str | None) -> "ScreeningResult":
        from bot.screening import screen

        return screen(name, country)


ACTIVE = ActiveLists()


@dataclass(frozen=True)
class Screened:
    """One name screened for one verdict: its hits with their effects, or why it could not be."""

    name: str
    hits: tuple[tuple["Hit", "Effect", str], ...] = ()  # (hit, effect, trace key)
    list_date: str | None = None
    problem: str | None = None


class PartyReads:
    """What one reader screened: the list it reads, name -> Screened (one screen per name per
    verdict, shared by every branch), and the status each hit gave (the worst over branches)."""

    def __init__(self, lists: PartyLists | None = None):
        self.lists = lists or ACTIVE
        self.screened: dict[str, Screened] = {}
        self.statuses: dict[str, Status] = {}


def entry_key(hit: "Hit") -> str:
    """The trace key of a list entry: 'csl:EL:Beijing Academy of Artificial Intelligence'."""
    party = hit.party
    ident = party.entity_number or party.name
    return f"csl:{party.list_code}:{ident}"


def _reference(effect: "Effect") -> tuple[str, str | None, str | None]:
    """(citation, corpus file, quote) for the trace: the first reference whose source is a
    corpus file (what an answer can quote from the index), else the first citation alone."""
    refs = effect.references
    for ref in refs:
        if ref.source and ref.source.startswith("corpus/") and "#" not in ref.source:
            return ref.citation, ref.source.removeprefix("corpus/"), ref.quote
    return (refs[0].citation if refs else LIST_CITATION), None, None


def _trace_hit(reader: "Reader", hit: "Hit", effect: "Effect", query: str) -> str:
    """The entry as a traced value. The list says an entry is listed on its date, not since
    when: `valid_from` stays None (the list's date is on `csl.list` and in the citation)."""
    key = entry_key(hit)
    citation, source, quote = _reference(effect)
    value = {"query": query, **hit.to_json(), "effect": effect.status}
    reader.traced(key, RuleValue(value=value, valid_from=None, valid_until=None,
                                 citation=citation, source=source, quote=quote, verified=True))
    return key


def _trace_list(reader: "Reader", info: "ListInfo") -> None:
    value = {"list_date": info.list_date, "source": info.source, "entries": info.entries,
             "origin": info.origin}
    reader.traced(LIST_RULE, RuleValue(
        value=value, valid_from=None, valid_until=None,
        citation=f"{LIST_CITATION}, list of {info.list_date}", source=None, quote=None,
        verified=True))


def _relevant(result: "ScreeningResult") -> list["Hit"]:
    """Every flagged hit, and the best near ones."""
    return [*result.flagged, *result.near[:NEAR_PER_NAME]]


def screen(reader: "Reader", name: str, country: str | None) -> Screened:
    """Screen `name` (the destination, an ISO-2 code, boosts) on the reader's list, traced."""
    reads: PartyReads = reader.parties
    if name in reads.screened:
        return reads.screened[name]
    from bot.screening import ScreeningInputError, ScreeningListError, effect_of

    lists = reads.lists
    try:
        info = lists.info()
        result = lists.screen(name, country if country and _ISO2.match(country) else None)
    except ScreeningListError as exc:
        screened = Screened(name, problem=f"the screening list cannot be read ({exc})")
    except ScreeningInputError as exc:
        screened = Screened(name, problem=f"{name!r} cannot be screened ({exc})")
    else:
        _trace_list(reader, info)
        hits = []
        for hit in _relevant(result):
            effect = effect_of(hit)
            hits.append((hit, effect, _trace_hit(reader, hit, effect, name)))
        screened = Screened(name, tuple(hits), result.list_date)
    reads.screened[name] = screened
    return screened


def _party_hit(query: str, hit: "Hit", effect: "Effect", status: Status) -> PartyHit:
    party = hit.party
    citation, _, _ = _reference(effect)
    return PartyHit(
        query=query, name=party.name, list=party.list, list_code=party.list_code, band=hit.band,
        score=round(hit.match.score, 1), matched=hit.match.describe(), status=status,
        citation=citation, countries=party.countries, entity_number=party.entity_number,
        license_requirement=party.license_requirement, license_policy=party.license_policy,
        federal_register_notice=party.federal_register_notice)


def list_date(reader: "Reader") -> str | None:
    """The date of the list this reader screened against (None before any screen)."""
    listed = reader.entry(LIST_RULE)
    return listed.value.get("list_date") if listed is not None else None


def decided(reader: "Reader", key: str, status: Status) -> None:
    """Remember the status a layer gave the hit `key` (the worst over the branches)."""
    statuses = reader.parties.statuses
    statuses[key] = Status.worst([status, statuses.get(key, status)])


def screening_record(reader: "Reader | None", parties: tuple[str, ...]) -> Screening:
    """The verdict's screening record: the names, the list and its date, and every hit with
    the status it gave the verdict (the effect's own where no layer decided it)."""
    if not parties:
        return Screening()
    reads = reader.parties if reader is not None else PartyReads()
    screened = [reads.screened[n] for n in parties if n in reads.screened]
    problem = next((s.problem for s in screened if s.problem), None)
    if len(screened) < len(parties) and problem is None:
        problem = "not every party was screened (the verdict was decided before screening)"
    listed = reader.entry(LIST_RULE) if reader is not None else None
    hits = tuple(_party_hit(s.name, hit, effect, reads.statuses.get(key, Status(effect.status)))
                 for s in screened for hit, effect, key in s.hits)
    return Screening(
        parties=tuple(parties), list_date=next((s.list_date for s in screened if s.list_date),
                                               None),
        list_source=listed.value.get("source") if listed else None, hits=hits, problem=problem)


def parties_only(closed: Verdict, facts: Facts, rulebook, lists: PartyLists | None) -> Verdict:
    """A question the rules cannot place (no destination, an unknown one) still names its
    parties: a listed one decides what it can decide without a destination ("a licence for
    all items subject to the EAR", a denial order, OFAC blocking); otherwise the closed verdict
    stands, with what the screen found beside it."""
    if not facts.parties or facts.out_of_scope:
        return closed
    from bot.rules.branches import stated_end_use
    from bot.rules.context import Context
    from bot.rules.layers import parties as layer
    from bot.rules.reader import Reader

    reader = Reader(rulebook, facts.as_of, lists)

    def findings(names: tuple[str, ...]) -> list:
        ctx = Context(reader, facts.destination or "", "an unstated destination",
                      facts.classification, stated_end_use(facts), facts.end_user, parties=names)
        return [f for f in layer.check(ctx) if f.reason] if names else []

    # a name read as an unknown country may be a place or a party ("to Atlantis": also a
    # listed vessel's alias): what the screen found is said, but it decides nothing
    ambiguous = tuple(n for n in facts.parties if n == facts.unknown_country)
    found = findings(tuple(n for n in facts.parties if n not in ambiguous))
    said = findings(ambiguous)
    screening = screening_record(reader, facts.parties)
    worst = Status.worst([f.status for f in found]) if found else None
    if worst in (Status.PROHIBITED, Status.LICENSE_REQUIRED):
        deciding = [f for f in found if f.status == worst]
        rule_ids = tuple(dict.fromkeys(r for f in deciding for r in f.rule_ids))
        return Verdict(status=worst, reasons=(*(f.reason for f in deciding), *closed.reasons,
                                              *(f.reason for f in said)),
                       missing_facts=closed.missing_facts,
                       clarifying_questions=closed.clarifying_questions, rule_ids=rule_ids,
                       trace=reader.trace(), screening=screening)
    return replace(closed, reasons=(*closed.reasons, *(f.reason for f in found + said)),
                   trace=reader.trace(), screening=screening)


__all__ = ["ACTIVE", "ActiveLists", "LIST_RULE", "PartyLists", "PartyReads", "Screened", "decided",
           "entry_key", "list_date", "screen", "screening_record"]
