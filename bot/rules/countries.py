"""Country names -> ISO 3166-1 alpha-2, from the table in `countries.yaml`.

Matches names, aliases, demonyms and capitals as whole words (longest first), then
misspellings with difflib under a strict threshold. Upper-case aliases ("US", "DPRK")
match case-sensitively so the pronoun "us" is not the United States.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TABLE = Path(__file__).with_name("countries.yaml")
FUZZY_CUTOFF = 0.85  # "cambodai" ~ "cambodia" is 0.875; "grenade" ~ "grenada" is blocked below
FUZZY_MIN_LEN = 6
# Ordinary words that sit close to a country name; never fuzzy-matched.
NOT_COUNTRIES = frozenset({
    "grenade", "grenades", "portland", "maltese", "canadian", "chinese", "romans", "roman",
    "indiana", "georgia", "jordan", "panama", "turkey", "guinea", "niger", "chad", "china",
    "malian", "islands", "ireland", "iceland", "armenian", "algebra", "serbian", "siberia",
    "italics", "cuban", "indian", "balkan", "baltic", "sweden", "swedes", "denmark",
    "france", "french", "germany", "german", "military", "militia", "police", "polish",
    "police's", "navigation", "avionics", "aviation", "national", "nations", "nation",
    "nationals", "american", "americas", "mexican", "russian", "austrian", "australian",
    "bermudas", "caymans",
})


@dataclass(frozen=True)
class CountryMatch:
    code: str
    name: str  # display name
    text: str  # the words in the question
    start: int
    end: int


@lru_cache(maxsize=1)
def country_table() -> dict[str, tuple[str, ...]]:
    """ISO code -> (display name, aliases...)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where built
    data = yaml.load(TABLE.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    return {str(code): tuple(str(n) for n in names) for code, names in data.items()}


def country_name(code: str) -> str | None:
    names = country_table().get(code.upper())
    return names[0] if names else None


def _norm(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    lookup: dict[str, str] = {}
    exact_case: list[str] = []
    any_case: list[str] = []
    for code, names in country_table().items():
        for name in names:
            name = _norm(name)
            if name.replace(".", "").isupper() and len(name) <= 5:
                exact_case.append(name)
                lookup[name] = code
            else:
                any_case.append(name)
                lookup[name.lower()] = code

    def alternation(names: list[str]) -> str:
        names = sorted(set(names), key=len, reverse=True)
        return r"(?<![\w])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])"

    return (re.compile(alternation(any_case), re.IGNORECASE), re.compile(alternation(exact_case)),
            lookup)


def find_countries(text: str) -> list[CountryMatch]:
    """Every exact country mention, in order of position, without overlaps."""
    text = _norm(text)
    any_case, exact_case, lookup = _patterns()
    found: list[CountryMatch] = []
    taken: list[tuple[int, int]] = []
    for pattern, key in ((any_case, str.lower), (exact_case, str)):
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            code = lookup[key(m.group(1))]
            taken.append((m.start(), m.end()))
            found.append(CountryMatch(code, country_table()[code][0], m.group(1), m.start(),
                                      m.end()))
    return sorted(found, key=lambda c: c.start)


@lru_cache(maxsize=1)
def _fuzzy_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for code, names in country_table().items():
        for name in names:
            if " " not in name and len(name) >= FUZZY_MIN_LEN - 1 and not name.isupper():
                keys[_norm(name).lower()] = code
    return keys


def fuzzy_country(word: str) -> CountryMatch | None:
    """A misspelt single-word country name ("Cambodai"), or None. Strict on purpose."""
    token = word.lower()
    if len(token) < FUZZY_MIN_LEN or token in NOT_COUNTRIES or not token.isalpha():
        return None
    keys = _fuzzy_keys()
    best = difflib.get_close_matches(token, list(keys), n=1, cutoff=FUZZY_CUTOFF)
    if not best:
        return None
    code = keys[best[0]]
    return CountryMatch(code, country_table()[code][0], word, -1, -1)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Lower-cased name -> code, for the names `find_countries` matches in any case."""
    names: dict[str, str] = {}
    for code, aliases in country_table().items():
        for name in aliases:
            name = _norm(name)
            if not (name.replace(".", "").isupper() and len(name) <= 5):
                names[name.lower()] = code
    return names


def _whole_name(raw: str) -> str | None:
    """The code of a text that is one whole name, as typed in any case ("japan"), or None.
    `find_countries` would match it over the whole text too (the longest names are tried
    first), but compiling its patterns costs a cold `regbot check` ~0.1 s. ASCII only: the
    patterns' case folding and `str.lower` agree there."""
    return _names().get(raw.lower()) if raw.isascii() else None


def resolve_country(text: str) -> CountryMatch | None:
    """A destination typed by a user: ISO code, name, alias or a close misspelling."""
    raw = _norm(text.strip())
    if len(raw) == 2 and raw.isalpha() and raw.upper() in country_table():
        code = raw.upper()
        return CountryMatch(code, country_table()[code][0], raw, 0, len(raw))
    if (code := _whole_name(raw)) is not None:  # what the match below finds, without it
        return CountryMatch(code, country_table()[code][0], raw, 0, len(raw))
    whole = [m for m in find_countries(raw) if m.start == 0 and m.end == len(raw)]
    if whole:
        return whole[0]
    return fuzzy_country(raw) if " " not in raw else None
