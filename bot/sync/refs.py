"""CFR references: what a rule value rests on, and what a Federal Register document amends.

A `CfrRef` is a title and part, and optionally one section (744.21) or one supplement
(Supp. No. 1). Values rest on the references their citation names ("15 CFR part 740, Supp.
No. 1", "22 CFR 126.1(a)"), plus the provision their rule family reads (`FAMILY_BASIS`, so a
value cited only to a Federal Register rule still records where in the CFR it lives).
Pure functions; no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.rules import schema
from bot.rules.review import TABLES


@dataclass(frozen=True, order=True)
class CfrRef:
    """'15 CFR 744.21', '15 CFR part 740, Supp. No. 1' or '15 CFR part 746'."""

    title: int
    part: int
    section: str | None = None  # "744.21" (no paragraph)
    supplement: int | None = None

    def __str__(self) -> str:
        if self.section:
            return f"{self.title} CFR {self.section}"
        if self.supplement is not None:
            return f"{self.title} CFR part {self.part}, Supp. No. {self.supplement}"
        return f"{self.title} CFR part {self.part}"

    def overlaps(self, other: "CfrRef") -> bool:
        """Does an amendment of `self` touch `other` (or the reverse)? A whole part touches
        everything in it; a section and a supplement never touch."""
        if (self.title, self.part) != (other.title, other.part):
            return False
        whole = (self.section is None and self.supplement is None) or \
            (other.section is None and other.supplement is None)
        if whole:
            return True
        if self.section or other.section:
            return self.section == other.section
        return self.supplement == other.supplement


def parse_ref(text: str) -> CfrRef | None:
    """'15 CFR 744.21' / '15 CFR part 740, Supp. No. 1' / '22 CFR 126.1' -> a CfrRef."""
    refs = cited_refs(text)
    return refs[0] if refs else None


_TITLE = r"(?P<title>15|22)\s*CFR\s*"
_SUPP_AFTER = re.compile(_TITLE + r"(?:part\s*)?(?P<part>\d{3})\s*,?\s*Supp(?:lement)?\.?\s*(?:No\.?\s*)?"
                         r"(?P<supp>\d+)", re.I)
_SUPP_BEFORE = re.compile(r"\bSupp(?:lement)?\.?\s*(?:No\.?\s*)?(?P<supp>\d+)\s*(?:to|of)\s*"
                          r"(?:15\s*CFR\s*)?part\s*(?P<part>\d{3})", re.I)
_SECTION = re.compile(_TITLE + r"(?:§+\s*)?(?P<section>\d{3}\.\d+)", re.I)
_PART = re.compile(_TITLE + r"parts?\s*(?P<part>\d{3})(?!\s*[-–])", re.I)
_FR_DOC = re.compile(r"FR\s+Doc\.?\s*(?:No\.?\s*)?((?:C\d-)?\d{4}-\d{4,6})", re.I)


def cited_refs(citation: str) -> tuple[CfrRef, ...]:
    """Every CFR reference a citation string names, in order, without repeats."""
    found: list[tuple[int, CfrRef]] = []
    for m in _SUPP_AFTER.finditer(citation):
        found.append((m.start(), CfrRef(int(m["title"]), int(m["part"]), supplement=int(m["supp"]))))
    for m in _SUPP_BEFORE.finditer(citation):
        found.append((m.start(), CfrRef(15, int(m["part"]), supplement=int(m["supp"]))))
    for m in _SECTION.finditer(citation):
        found.append((m.start(), CfrRef(int(m["title"]), int(m["section"].split(".")[0]),
                                        section=m["section"])))
    if not found:
        for m in _PART.finditer(citation):
            found.append((m.start(), CfrRef(int(m["title"]), int(m["part"]))))
    return tuple(dict.fromkeys(ref for _, ref in sorted(found, key=lambda x: x[0])))


def cited_documents(*texts: str | None) -> frozenset[str]:
    """FR document numbers ('2026-02262') a value's citation or note names."""
    return frozenset(m for t in texts if t for m in _FR_DOC.findall(t))


def _s(title: int, section: str) -> CfrRef:
    return CfrRef(title, int(section.split(".")[0]), section=section)


# Where each rule family lives in the CFR (what the engine reads it as), by rule-id prefix.
FAMILY_BASIS: dict[str, tuple[CfrRef, ...]] = {
    schema.ITAR_126_1.id: (_s(22, "126.1"),),
    schema.ITAR_LICENCE.id: (_s(22, "123.1"),),
    schema.EMBARGO.id: (CfrRef(15, 746),),
    schema.SANCTIONS_746_8.id: (_s(15, "746.8"),),
    schema.MEU_GROUP1.id: (_s(15, "744.21"),),
    schema.MEU_GROUP2.id: (_s(15, "744.21"),),
    schema.MEU_SUPP2.id: (CfrRef(15, 744, supplement=2),),
    schema.MEU_REVIEW.id: (_s(15, "744.21"),),
    schema.MIEU_COUNTRIES.id: (_s(15, "744.22"),),
    schema.MIEU_REVIEW.id: (_s(15, "744.22"),),
    schema.GROUP_E.id: (CfrRef(15, 740, supplement=1),),
    schema.D5_NOTE.id: (CfrRef(15, 740, supplement=1),),
    schema.D5_TABLE.id: (CfrRef(15, 740, supplement=1),),
    schema.D1_TABLE.id: (CfrRef(15, 740, supplement=1),),
    schema.SERIES_600_D5.id: (_s(15, "742.4"),),
    schema.SERIES_600_LICENCE.id: (_s(15, "742.4"), CfrRef(15, 774, supplement=1)),
    schema.AT_ONLY_ECCNS.id: (CfrRef(15, 774, supplement=1),),
    schema.AT_COLUMN.id: (CfrRef(15, 738, supplement=1),),
    schema.EAR99_NO_LICENCE.id: (_s(15, "734.3"),),
}
# What a compiled EAR tables snapshot rests on (bot/rules/datasets: chart, groups, CCL).
TABLES_BASIS: tuple[CfrRef, ...] = (CfrRef(15, 738, supplement=1), CfrRef(15, 740, supplement=1),
                                    CfrRef(15, 774, supplement=1))


def family_basis(rule_id: str) -> tuple[CfrRef, ...]:
    if rule_id == TABLES:
        return TABLES_BASIS
    parsed = schema.parse(rule_id)
    return FAMILY_BASIS.get(parsed[0].id, ()) if parsed else ()


def rests_on(rule_id: str, citation: str) -> tuple[CfrRef, ...]:
    """The CFR references a value of `rule_id` cited as `citation` rests on."""
    return tuple(dict.fromkeys((*cited_refs(citation), *family_basis(rule_id))))
