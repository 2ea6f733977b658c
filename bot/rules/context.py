"""`Context`: the facts of one branch, the reader for its date, and values derived from them.

Layers read everything through a context: the branch's destination, classification and end
use, and rule values through `ctx.reader` (dated and traced). Derived values several layers
share (the item's kind, the destination's § 126.1 listing, its part 746 embargo) are
computed here once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from bot.rules.loader import RuleValue
from bot.rules.reader import Reader
from bot.rules.schema import EMBARGO, FOOD_MEDICINE_ITEM, GROUP_E, ITAR_126_1, MIEU_COUNTRIES

_600_SERIES = re.compile(r"^\d[A-E]6\d\d")  # "600 series" ECCNs, e.g. 9A610 (§ 772.1)
_9X515 = re.compile(r"^\d[A-E]515")  # spacecraft and related items, e.g. 9A515


def item_kind(classification: str | None) -> str | None:
    """usml | 600 | 9x515 | ear99 | eccn, or None when the classification is not stated."""
    if classification is None:
        return None
    if classification.startswith("USML"):
        return "usml"
    if classification == "EAR99":
        return "ear99"
    if _600_SERIES.match(classification):
        return "600"
    if _9X515.match(classification):
        return "9x515"
    return "eccn"


@dataclass(frozen=True)
class Context:
    """One branch: destination, classification and end use on the reader's date."""

    reader: Reader
    destination: str  # ISO 3166-1 alpha-2
    name: str  # the destination as the reasons name it, e.g. "Cambodia"
    classification: str | None
    end_use: str | None
    end_user: str | None = None
    parties: tuple[str, ...] = ()  # names to screen (the parties layer)
    item: str | None = None  # the item words, e.g. "food" (the catalogue entry they name)
    activity: str | None = None  # the end use the question states, whoever the end user is

    @property
    def as_of(self) -> date:
        return self.reader.as_of

    @cached_property
    def kind(self) -> str | None:
        return item_kind(self.classification)

    @property
    def eccn(self) -> str | None:
        """The ECCN without its paragraph ("9A991.a" -> "9A991")."""
        return self.classification.split(".")[0] if self.classification else None

    @property
    def food_or_medicine(self) -> bool:
        """EAR99 food or medicine: the catalogue entry the item words name is the one the
        § 746.4(a) / § 746.9(a) exception names (medical devices are a different entry)."""
        entry = self.reader.rulebook.item(self.item) if self.item else None
        return self.kind == "ear99" and entry is not None and entry.id == FOOD_MEDICINE_ITEM

    @property
    def subject_to_ear(self) -> bool:
        """Not a USML item (an unclassified item may still be one, or may not)."""
        return self.kind != "usml"

    def itar_listing(self) -> RuleValue | None:
        """The destination's § 126.1 value on the date (None: the rulebook cannot say)."""
        return self.reader.value(ITAR_126_1.of(self.destination))

    def embargo(self) -> RuleValue | None:
        """The destination's part 746 embargo on the date, if it has one."""
        return self.reader.value(EMBARGO.of(self.destination))

    def military_intelligence_reach(self) -> tuple[bool | None, bool | None]:
        """(named in § 744.22(a), in Country Group E): does § 744.22 reach the destination?"""
        return (self.reader.membership(MIEU_COUNTRIES.id, self.destination),
                self.reader.membership(GROUP_E.id, self.destination))

    @property
    def military(self) -> bool:
        """A military end use for § 744.21: stated, or a military-intelligence end use in a
        destination § 744.22 does not reach (then § 744.21 is what applies)."""
        if self.end_use == "military":
            return True
        if self.end_use != "military-intelligence":
            return False
        listed, in_e = self.military_intelligence_reach()
        return listed is False and in_e is False
