"""Missing facts -> branch plans, and which missing facts would change the answer.

A catalogue item word without a classification branches on each classification the
catalogue lists for it, other item words on the CCL candidates `item_words` finds; an EAR item without an end use branches on civil and military.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.records import Facts
from bot.rules import item_words
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
    """The end use the facts state; a military end user outranks any other stated use
    (§ 744.21(g)), and a military-intelligence one outranks a military one."""
    from_user = facts.end_user_kind if facts.end_user_kind in MILITARY_USERS \
        else end_use_for(facts.end_user)
    if from_user in MILITARY_USERS and facts.end_use not in MILITARY_USERS:
        return from_user
    if from_user in MILITARY_USERS:
        return next(u for u in MILITARY_USERS[::-1] if u in (from_user, facts.end_use))
    if facts.end_use is None and facts.end_user_kind == "civil":
        return "civil"
    return facts.end_use or from_user


def unknown_end_user(facts: Facts, end_use: str | None) -> bool:
    """An organisation is named whose kind its name does not tell, and nothing stated makes
    the end use military: whether it is a military end user is a fact to ask, never "civil"."""
    return facts.end_user_kind == "unknown" and end_use not in MILITARY_USERS and \
        end_use_for(facts.end_user) not in (*MILITARY_USERS, "civil")


def _classifications(facts: Facts, rulebook: Rulebook) -> list[str | None]:
    if facts.classification is None and facts.item:
        entry = rulebook.item(facts.item)
        if entry is not None:
            return list(dict.fromkeys(c.classification for c in entry.candidates))
        found = item_words.search(facts.item, facts.as_of, rulebook)
        if found is not None and found.classifications:  # the CCL's candidates
            return list(found.classifications)
    return [facts.classification]


def plan(facts: Facts, rulebook: Rulebook) -> tuple[list[Plan], list[str]]:
    """The branches to evaluate, and the facts branched on."""
    classes = _classifications(facts, rulebook)
    branched = facts.classification is None and classes != [None]
    missing = ["classification"] if branched else []
    end_use = stated_end_use(facts)
    unknown = unknown_end_user(facts, end_use)
    plans = []
    for cls in classes:
        uses: list[tuple[str | None, dict[str, str]]] = [(end_use, {})]
        if cls is not None and not cls.startswith("USML"):
            if unknown:  # ask who the organisation is, not (only) what it will do
                uses = [(end_use or "civil", {"end_user_kind": "civil"}),
                        ("military", {"end_user_kind": "military"})]
            elif end_use is None:
                uses = [("civil", {"end_use": "civil"}), ("military", {"end_use": "military"})]
        for use, fact in uses:
            cond = {"classification": cls} if branched else {}
            plans.append(Plan({**cond, **fact}, cls, use))
    for fact in ("end_use", "end_user_kind"):
        if any(fact in p.conditions for p in plans):
            missing.append(fact)
    return plans, missing


def matters(fact: str, runs: list[tuple[dict, Outcome]]) -> bool:
    """Do two branches that differ in `fact` (and agree on the other facts both state) give
    different statuses? If not, asking for `fact` would not settle anything."""
    for (a, out_a), (b, out_b) in itertools.combinations(runs, 2):
        if fact in a and fact in b and a[fact] != b[fact] and out_a.status != out_b.status \
                and all(a[k] == b[k] for k in a.keys() & b.keys() if k != fact):
            return True
    return False
