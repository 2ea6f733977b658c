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
from functools import lru_cache

from bot.rules import table_values as tv
from bot.rules.datasets import determine, load_tables
from bot.rules.loader import RuleValue
from bot.rules.reader import Reader
from bot.rules.schema import (D5_NOTE, EMBARGO, FOOD_MEDICINE_ITEM, GROUP_E, ITAR_126_1,
                              MIEU_COUNTRIES)

_600_SERIES = re.compile(r"^\d[A-E]6\d\d")  # "600 series" ECCNs, e.g. 9A610 (§ 772.1)
_9X515 = re.compile(r"^\d[A-E]515")  # spacecraft and related items, e.g. 9A515


class cached_property:  # noqa: N801 - functools' name, without its lock
    """Computed on first access and kept in the instance (a frozen dataclass too): what
    `functools.cached_property` does, without the lock Python 3.11 takes on every access
    until the value is stored (a context lives for one branch in one thread). An exception
    is not kept: the next access computes again."""

    def __init__(self, func):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


@lru_cache(maxsize=16)
def _day(iso: str) -> date:
    return date.fromisoformat(iso)


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
    asked: str | None = None  # the destination as asked ("HK"), when another row is read
    item: str | None = None  # the item words, e.g. "food" (the catalogue entry they name)
    activity: str | None = None  # the end use the question states, whoever the end user is

    # ------------------------------------------------------------ the EAR's tables (issue 9)

    @cached_property
    def tables(self):
        return load_tables(as_of=self.as_of)  # the snapshot in force then (regbot rules build)

    @cached_property
    def charted(self) -> bool:
        """The date is on or after the snapshot's: the shipped tables hold then."""
        return self.as_of >= _day(self.tables.ecfr_date)

    @cached_property
    def determination(self):
        """§ 738.4 for this classification and destination (`bot.rules.datasets`), None for
        no classification; a classification the CCL does not hold raises ClassificationError."""
        if self.classification is None or self.kind == "usml":
            return None
        return determine(self.classification, self.destination, self.tables)

    def in_group(self, group: str) -> bool | None:
        """Is the destination in Country Group `group` (e.g. "D:5") of the shipped table?
        None before the snapshot's date: nothing records what the table held then."""
        if not self.charted:
            return None
        return self.destination in self.tables.groups.get(group, frozenset())

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

    def arms_embargo(self) -> tuple[bool | None, list[str], list[RuleValue]]:
        """Is the destination under the § 126.1 policy of denial on the date? (listed, the
        rule ids it rests on, their values). The rulebook's dated value where it holds a rule
        for the destination (Cambodia's history); else Country Group D:5 of the shipped table,
        the proxy the Note to D:5 allows (the State list controls D:5), from its date on;
        before it, None: nothing records it."""
        rid = ITAR_126_1.of(self.destination)
        if self.reader.rulebook.rule(rid) is not None:
            listing = self.itar_listing()
            return (None if listing is None else listing.value == "listed"), [rid], [listing]
        d5 = self.in_group("D:5")
        if d5 is None:
            return None, [rid], []
        key = tv.groups_row(self.reader, self.tables, self.destination)
        note = self.reader.value(D5_NOTE.id)
        return d5, [key, D5_NOTE.id] if note else [key], [self.reader.entry(key), note]

    def embargo(self) -> RuleValue | None:
        """The destination's part 746 embargo on the date, if it has one."""
        return self._embargo

    @cached_property
    def _embargo(self) -> RuleValue | None:  # read (and traced) once: three layers ask
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
