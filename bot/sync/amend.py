"""What a Federal Register document amends, read from its amendatory instructions.

A rule ends with numbered instructions ("2. In supplement 1 to part 740 amend the table
Country Group D by revising the entry for Cambodia ..."; "4. Amend § 742.4 by revising ...").
Each names a section or supplement, and sometimes the table entries it touches (destinations).
A part named only in the header ("parts 734, 740 and 744 are amended as follows") counts as a
whole-part amendment unless a later instruction names something more precise in that part.
The API's own `cfr_references` (parts) are the fallback when no instruction can be read.
Pure functions; no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.rules.countries import find_countries
from bot.sync.refs import CfrRef

_INSTRUCTION = re.compile(
    r"^\s*(?:\d+[a-z]?\.\s+)?(?:Amend|Revise|Add|Remove|Redesignate|In\s+(?:supplement|§|part)\b|"
    r"Supplement|Section|§)\b|\b(?:is|are)\s+(?:hereby\s+)?amended\b", re.I)
_SUPP = re.compile(r"\bsupplement\s+(?:no\.?\s*)?(\d+)\s+to\s+part\s+(\d{3})", re.I)
_SECTION = re.compile(r"(?:§§?|\bsections?)\s*((?:\d{3}\.\d+[a-z]?(?:\([^)]*\))*"
                      r"(?:\s*(?:,|and|through)\s*)?)+)", re.I)
_SECTION_NUMBER = re.compile(r"\b(\d{3}\.\d+)")
_PARTS = re.compile(r"(?<!CFR )\bparts?\s+((?:\d{3}(?:\s*,\s*(?:and\s+)?|\s+and\s+)?)+)", re.I)
_RANGE = re.compile(r"\bparts?\s+\d{3}\s*(?:-|–|through)\s*\d{3}", re.I)
MAX_INSTRUCTION = 700  # characters: longer paragraphs are preamble, not instructions
EAR_PARTS, ITAR_PARTS = range(730, 775), range(120, 131)


@dataclass(frozen=True)
class Amendment:
    """One CFR provision a document amends, the table entries named, the instruction."""

    target: CfrRef
    entries: frozenset[str] = frozenset()  # ISO codes of destinations the instruction names
    instruction: str = ""


def _title_for(part: int, default: int) -> int | None:
    """15 for an EAR part, 22 for an ITAR part, None for any other (not ours)."""
    if part in EAR_PARTS:
        return 15
    if part in ITAR_PARTS:
        return 22
    return None


def _targets(text: str, default_title: int) -> tuple[list[CfrRef], list[CfrRef]]:
    """(precise targets, whole parts) an instruction names."""
    precise: list[CfrRef] = []
    for m in _SUPP.finditer(text):
        part = int(m[2])
        title = _title_for(part, default_title)
        if title:
            precise.append(CfrRef(title, part, supplement=int(m[1])))
    for m in _SECTION.finditer(text):
        for number in _SECTION_NUMBER.findall(m[1]):
            part = int(number.split(".")[0])
            title = _title_for(part, default_title)
            if title:
                precise.append(CfrRef(title, part, section=number))
    stripped = _RANGE.sub(" ", text)
    parts = [CfrRef(t, int(p)) for m in _PARTS.finditer(stripped)
             for p in re.findall(r"\d{3}", m[1]) if (t := _title_for(int(p), default_title))]
    return precise, parts


def _entries(text: str) -> frozenset[str]:
    return frozenset(m.code for m in find_countries(text) if m.code != "US")


def amendments(paragraphs: list[str], default_title: int = 15,
               cfr_parts: tuple[CfrRef, ...] = ()) -> tuple[Amendment, ...]:
    """The amendments a document's paragraphs state (see the module docstring)."""
    found: list[Amendment] = []
    whole: list[tuple[CfrRef, str]] = []
    for para in paragraphs:
        if len(para) > MAX_INSTRUCTION or not _INSTRUCTION.search(para):
            continue
        precise, parts = _targets(para, default_title)
        entries = _entries(para)
        found.extend(Amendment(ref, entries, para.strip()) for ref in precise)
        if not precise:
            whole.extend((ref, para.strip()) for ref in parts)
    covered = {(a.target.title, a.target.part) for a in found}
    found.extend(Amendment(ref, frozenset(), text) for ref, text in whole
                 if (ref.title, ref.part) not in covered)
    if not found:
        found = [Amendment(ref, frozenset(), "cfr_references of the Federal Register API")
                 for ref in cfr_parts]
    unique: dict[tuple, Amendment] = {}
    for a in found:
        key = (a.target, a.entries)
        unique.setdefault(key, a)
    return tuple(unique.values())
