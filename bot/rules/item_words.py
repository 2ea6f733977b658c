"""Everyday item words the item catalogue does not hold -> candidate ECCNs from the CCL.

`bot.rules.datasets.search` finds them (curated synonyms, else a text search over every
heading and item line of the shipped snapshot); the engine branches over them, one branch
per candidate, EAR99 too where the search says so, and quotes each candidate's heading
(traced as `ear-table:ccl:<ECCN>:heading`). Candidates are never a classification: all
branches agreeing gives that status, otherwise `depends` asks which one the item is.
"""
from __future__ import annotations

from datetime import date

from bot.rules import table_values as tv


def search(item: str | None, as_of: date, rulebook):
    """The CCL candidates for item words the catalogue does not hold; None when the
    catalogue holds them (its candidates decide) or no words were given."""
    if not item or rulebook.item(item) is not None:
        return None
    from bot.rules.datasets import load_tables
    from bot.rules.datasets.search import find_candidates

    tables = load_tables(as_of=as_of)
    return find_candidates(item, tables)


# Curated phrases that in a question are mostly another word: "can we ship / shipping to ..."
# (stems match: ship, ships, shipped, shipping). `check --item ship` still finds vessels.
NOT_ITEMS_IN_QUESTIONS = frozenset({"ship"})


def in_question(text: str, as_of: date) -> str | None:
    """The curated everyday phrase a question names ("servers", "a Garmin G1000"), or None."""
    from bot.rules.datasets import load_tables
    from bot.rules.datasets.search import synonym_in

    return synonym_in(text, load_tables(as_of=as_of), NOT_ITEMS_IN_QUESTIONS)


def note(found, reader) -> tuple[str, tuple[str, ...]]:
    """The reason that says which candidates were checked, each heading quoted and cited,
    and the traced heading keys it rests on."""
    from bot.rules.datasets import load_tables

    tables = load_tables(as_of=reader.as_of)
    keys = tuple(tv.heading(reader, tables, c.eccn) for c in found.candidates)
    if not found.candidates:
        return (f"No classification was given for '{found.query}', and no Commerce Control "
                f"List heading or item of the eCFR of {tables.ecfr_date} matches those words: "
                f"classify the item (ask the manufacturer for its ECCN).", keys)
    quoted = "; ".join(f"{c.eccn} “{c.heading}” (15 CFR part 774, Supp. No. 1, ECCN {c.eccn})"
                       for c in found.candidates)
    how = "the curated everyday words" if any(c.via == "synonym" for c in found.candidates) \
        else "a word search of the CCL headings and items"
    tail = (" and EAR99 (subject to the EAR but on no CCL entry, 15 CFR 734.3(c))"
            if found.ear99 else "")
    return (f"No classification was given for '{found.query}': it was checked as each "
            f"candidate the Commerce Control List of the eCFR of {tables.ecfr_date} gives for "
            f"those words ({how}) — {quoted}{tail}. These are candidates to classify against, "
            f"not a classification.", keys)
