"""City names -> the country they are in, for questions that name a city, not a country.

"a distributor in Siem Reap" -> Cambodia; "a customer in Shanghai" -> China. The table
(`data/cities.json`, built by `bot.rules.datasets.build_cities` from GeoNames) holds only
cities of 100,000+ inhabitants whose name is not shared by another sizeable city, so "Hyderabad"
or "Victoria" find nothing and the question asks for the country. A city counts only right
after "to", "into", "in", "for", "at" or "based in", capitalised as a name: an ordinary word
such as "mobile" or "split" is never read as a place. Country names are matched first
(bot.rules.countries); this is the fallback when a question names none.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from bot.rules.countries import CountryMatch, country_name

TABLE = Path(__file__).with_name("data") / "cities.json"
_NAME = r"((?:[A-Z][\w'\-.]*)(?:\s+[A-Z][\w'\-.]*){0,3})"
_AFTER = re.compile(r"\b(?:to|into|in|for|at|near|based in)\s+(?:the\s+)?" + _NAME)
_ANY = re.compile(r"\b(?:to|into|in|for|at|near|based in|from|of)\s+(?:the\s+)?" + _NAME)


@lru_cache(maxsize=1)
def city_table() -> dict[str, str]:
    """City name -> ISO code (loaded once, only when a question names no country)."""
    return json.loads(TABLE.read_text(encoding="utf-8"))["cities"]


def find_city(text: str, skip: list[tuple[int, int]] = ()) -> CountryMatch | None:
    """The first city named after a place preposition, longest name first ("Ho Chi Minh
    City" before "Ho"), as a match for its country; None if no known city is named.
    `skip` holds spans other facts already took (item words, the end user)."""
    found = _cities(text, skip, _AFTER)
    return found[0] if found else None


def city_spans(text: str) -> list[tuple[int, int]]:
    """Every city named on its own after a preposition ("from Austin", "in Siem Reap"): places,
    not party names. A name that goes on ("Shanghai Micro Electronics") is not a city here:
    it stays a party to screen."""
    return [(c.start, c.end) for c in _cities(text, [], _ANY, whole=True)]


def _cities(text: str, skip: list[tuple[int, int]], pattern: re.Pattern,
            whole: bool = False) -> list[CountryMatch]:
    table = city_table()
    out = []
    for m in pattern.finditer(text):
        start = m.start(1)
        if any(s <= start < e for s, e in skip):
            continue
        words = m.group(1).split()
        for n in (range(len(words), 0, -1) if not whole else (len(words),)):
            name = " ".join(words[:n]).rstrip(".,;:?!'")
            code = table.get(name)
            if code and (country := country_name(code)):
                out.append(CountryMatch(code, country, name, start, start + len(name)))
                break
    return out
