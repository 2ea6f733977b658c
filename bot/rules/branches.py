"""Missing facts -> branch plans, and which missing facts would change the answer.

A catalogue item word without a classification branches on each classification the
catalogue lists for it; an EAR item without an end use branches on civil and military.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.records import Facts
from bot.rules.facts import end_use_for
from bot.rules.loader import Rulebook
from bot.rules.types import Outcome

MILITARY_USERS = ("military", "military-intelligence")


@dataclass(frozen=True)
class Plan:
    """One branch: the facts it assumes (`conditions`) and the values it runs with."""

    conditions: dict[str, str]
    classification: str | None
    end_use: str | None


def stated_end_use(facts: Facts) -> str | None:
    """The end use the facts state; a military end user outranks a civil end use."""
    from_user = end_use_for(facts.end_user)
    if from_user in MILITARY_USERS and facts.end_use in (None, "civil", "humanitarian-demining"):
        return from_user
    return facts.end_use or from_user


def _classifications(facts: Facts, rulebook: Rulebook) -> list[str | None]:
    if facts.classification is None and facts.item:
        entry = rulebook.item(facts.item)
        if entry is not None:
            return list(dict.fromkeys(c.classification for c in entry.candidates))
    return [facts.classification]


def plan(facts: Facts, rulebook: Rulebook) -> tuple[list[Plan], list[str]]:
    """The branches to evaluate, and the facts branched on."""
    classes = _classifications(facts, rulebook)
    branched = facts.classification is None and classes != [None]
    missing = ["classification"] if branched else []
    end_use = stated_end_use(facts)
    plans = []
    for cls in classes:
        uses: list[str | None] = [end_use]
        if end_use is None and cls is not None and not cls.startswith("USML"):
            uses = ["civil", "military"]
        for use in uses:
            cond = {"classification": cls} if branched else {}
            if end_use is None and use is not None:
                cond["end_use"] = use
            plans.append(Plan(cond, cls, use))
    if end_use is None and any("end_use" in p.conditions for p in plans):
        missing.append("end_use")
    return plans, missing


def matters(fact: str, runs: list[tuple[dict, Outcome]]) -> bool:
    """Do two branches that differ in `fact` (and agree on the other facts both state) give
    different statuses? If not, asking for `fact` would not settle anything."""
    for (a, out_a), (b, out_b) in itertools.combinations(runs, 2):
        if fact in a and fact in b and a[fact] != b[fact] and out_a.status != out_b.status \
                and all(a[k] == b[k] for k in a.keys() & b.keys() if k != fact):
            return True
    return False
