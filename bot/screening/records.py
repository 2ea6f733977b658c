"""Typed records of party screening: what crosses the screening package's boundary.

Party (one list entry) -> Match (which of its names matched, and how) -> Hit (party + match
+ band) -> ScreeningResult (the query, the list it was screened against, the hits best first).
`Effect` says what a hit on a list means in the regulation; `Mention` is a span of a
question worth screening. All frozen; `to_dict()` gives the JSON contract of `regbot screen`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Band = Literal["exact", "strong", "near"]
HOW = ("exact", "token-order", "name-part", "transliteration", "fuzzy", "partial")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


class _Record:
    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class Party(_Record):
    """One entry of the Consolidated Screening List, with the fields regbot uses."""

    name: str
    list: str  # the list's full name, e.g. "Entity List (EL) - Bureau of Industry and Security"
    alt_names: tuple[str, ...] = ()
    type: str | None = None  # Entity / Individual / Vessel / Aircraft, or None
    countries: tuple[str, ...] = ()  # ISO-2 codes of the entry's addresses
    entity_number: str | None = None
    license_requirement: str | None = None  # Entity List: Supp. No. 4 to part 744 column
    license_policy: str | None = None
    federal_register_notice: str | None = None
    programs: str | None = None  # OFAC program tags, "; "-separated
    source_list_url: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.alt_names)

    @property
    def list_code(self) -> str:
        from bot.screening.effects import list_code

        return list_code(self.list)


@dataclass(frozen=True)
class Match(_Record):
    """Which of a party's names matched the query, and how."""

    name: str  # the listed name or alias, as the agency wrote it
    how: str  # one of HOW
    score: float  # 0-100, after the country booster
    alias: bool  # True when `name` is an alternative name
    country_boost: bool = False  # the query's country is one of the entry's countries

    def describe(self) -> str:
        what = "alias" if self.alias else "name"
        detail = "" if self.how in ("exact", "token-order") else f" {self.score:.0f}"
        boost = ", country matches" if self.country_boost else ""
        return f"{self.how}{detail} on {what} {self.name!r}{boost}"


@dataclass(frozen=True)
class Hit(_Record):
    party: Party
    match: Match
    band: Band  # exact: same name after normalisation; strong: at/above the threshold;
    #            near: in the band below it ("confirm the buyer is not <entry>")

    def to_json(self) -> dict[str, Any]:
        """The `hits[]` object of `regbot screen --json` (field names are a contract)."""
        p = self.party
        return {
            "name": p.name, "alt_names": list(p.alt_names), "list": p.list, "type": p.type,
            "countries": list(p.countries), "entity_number": p.entity_number,
            "license_requirement": p.license_requirement, "license_policy": p.license_policy,
            "federal_register_notice": p.federal_register_notice,
            "score": round(self.match.score, 1), "matched": self.match.describe(),
            "band": self.band, "list_code": p.list_code, "programs": p.programs,
            "match": {"name": self.match.name, "how": self.match.how,
                      "alias": self.match.alias, "country_boost": self.match.country_boost},
        }


@dataclass(frozen=True)
class ListInfo(_Record):
    """Which list a screen used: its date, source, input hash, counts, and where it lives."""

    list_date: str  # YYYY-MM-DD
    source: str
    sha256: str  # of the input file the snapshot was made from
    entries: int
    counts: dict[str, int]  # list name -> entries
    origin: str  # "shipped" (the package's snapshot) or "update" (regbot screening update)
    path: str = ""
    loaded_at: str | None = None  # when an update was switched in (UTC ISO)
    date_basis: str = ""  # how list_date was known (e.g. "the file's sources_used")


@dataclass(frozen=True)
class ScreeningResult(_Record):
    query: str
    country: str | None
    hits: tuple[Hit, ...]  # best first
    list_date: str
    threshold: float
    near_threshold: float

    @property
    def flagged(self) -> tuple[Hit, ...]:
        """Hits at or above the threshold (exact or strong)."""
        return tuple(h for h in self.hits if h.band != "near")

    @property
    def near(self) -> tuple[Hit, ...]:
        return tuple(h for h in self.hits if h.band == "near")


@dataclass(frozen=True)
class Reference(_Record):
    """A citation with the verbatim passage it rests on (`source` is a path under ../shared,
    `#row` naming a row of a JSON file's `rows`), or quote None where no shared text holds one."""

    citation: str
    source: str | None
    quote: str | None


@dataclass(frozen=True)
class Effect(_Record):
    """What a hit on a list means in the regulation, for the verdict step."""

    list_code: str  # EL, SDN, DPL, MEU, UVL, DTC, SSI, ISN, PLC, CMIC, NS-MBS, CAP
    status: str  # prohibited | license_required | depends
    summary: str  # one line, in our words
    references: tuple[Reference, ...]
    scope: str | None = None  # e.g. "items in Supp. No. 2 to part 744" (MEU)
    license_requirement: str | None = None  # the entry's own column, verbatim (Entity List)
    license_policy: str | None = None
    no_license_exceptions: bool = False


@dataclass(frozen=True)
class Mention(_Record):
    """A span of free text worth screening (`text == question[span[0]:span[1]]`)."""

    text: str
    span: tuple[int, int]
    cue: str  # why it was picked: "quoted", "named", "preposition", "capitalised"
