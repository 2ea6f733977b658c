"""The right-hand cell of a License Requirements row -> `Requirement`.

About 75 distinct cells print as one of five kinds (15 CFR 738.4(a)(2)):
- columns: "NS Column 2." / "NP Column 1 AT Column 1" / "Column 1." (reason from the left
  cell) / "RS Column 1, See § 742.6(a)(3) ..." (a column plus a pointer);
- destinations: a sentence naming who needs a licence ("To or within any destination
  worldwide", "... Country Groups D:1, D:4, and D:5 ... excluding ... A:5 or A:6",
  "China, Russia, or Venezuela", "ALL destinations, except Canada") -> a `Where`;
- pointer: "See § 746.1(b) for UN controls", "Refer to § 742.15 of the EAR";
- not_applicable: "N/A.";
- no_column: the cell restates the scope and names no column (1D018 as printed).
A cell that fits none raises `CellError`: the build fails rather than drop a row.
"""
from __future__ import annotations

import re
from typing import Callable

from bot.rules.datasets.types import Requirement, Where

Names = Callable[[str], list[str]]  # text -> ISO codes of the destinations it names

_COLUMN = re.compile(r"(?:\b([A-Z]{2})\s+)?Column\s+([123])\b")
_SEE = re.compile(r"(?:§§?\s*\d{3}\.\d+(?:\([A-Za-z0-9]+\))*(?:\s+and\s+(?:\([A-Za-z0-9]+\))+)?"
                  r"(?:\s+and\s+\d{3}\.\d+(?:\([A-Za-z0-9]+\))*)?|\bpart\s+7\d\d\b)")
_GROUP_TABLE = re.compile(r"\s*of supplement no\. 1 to part 740 of the EAR", re.IGNORECASE)
_GROUP = r"(?:[A-E]:\d|B\b)"
_GROUPS = re.compile(rf"Country Groups?\s+({_GROUP}(?:,?\s+(?:and\s+|or\s+)?{_GROUP})*)")
_EXCLUDING = re.compile(rf"excluding any destination also specified in Country Groups?\s+"
                        rf"({_GROUP}(?:,?\s+(?:and\s+|or\s+)?{_GROUP})*)")
_EVERYWHERE = re.compile(r"any destination worldwide|^Worldwide control|\bALL destinations\b|"
                         r"\ball destinations\b")
_EXCEPT = re.compile(r"\bexcept(?:\s+for)?\s+((?:[A-Z][\w'.-]*)(?:(?:,\s*|\s+and\s+|\s+)"
                     r"[A-Z][\w'.-]*)*)")
_UNRESOLVED = re.compile(r"CWC non-States Parties \([^)]*\)")
_LICENSE_SENTENCE = re.compile(r"^(?:A license is required|To or within|Worldwide control)|"
                               r"\bA license is required\b")
_NOT_DESIGNED = re.compile(r"(?:Accordingly, a column specific|The Commerce Country Chart is "
                           r"not designed).*$", re.DOTALL)


class CellError(ValueError):
    """A right-hand cell that none of the known shapes reads."""


def citations(text: str) -> tuple[str, ...]:
    """"See §§ 742.6 and 746.3 of the EAR" -> ("§§ 742.6 and 746.3",); the Country Group
    table a sentence names is not a pointer."""
    text = _GROUP_TABLE.sub("", text)
    return tuple(dict.fromkeys(" ".join(m.group(0).split()) for m in _SEE.finditer(text)))


def parse_right(right: str, reasons: tuple[str, ...], columns: tuple[str, ...],
                names: Names) -> Requirement:
    """A right-hand cell -> Requirement. `columns`: the chart's 16 column names."""
    text = " ".join(right.split())
    body = re.sub(r"^[A-Z]{2} applies to entire entry\s+(?=[A-Z]{2} Column)", "", text)
    if re.fullmatch(r"N/A\.?", body):
        return Requirement("not_applicable")
    if cols := _columns(body, reasons, columns):
        return Requirement("columns", cols, see=citations(body))
    if _EVERYWHERE.search(body) or _LICENSE_SENTENCE.search(body) or _GROUPS.search(body) \
            or re.match(r"^[A-Z][a-z]+(?:, [A-Z][a-z]+)*,? or [A-Z][a-z]+ \(see ", body):
        return Requirement("destinations", where=_where(body, names), see=citations(body))
    if re.match(r"^(?:See|Refer to)\s+§", body):
        return Requirement("pointer", see=citations(body),
                           resolution=_resolution(body, reasons))
    if re.match(r"^[A-Z]{2} applies to\b", body) and "Column" not in body:
        return Requirement("no_column", see=citations(body))
    raise CellError(f"cannot read the right-hand cell {right!r}")


def _columns(body: str, reasons: tuple[str, ...], columns: tuple[str, ...]
             ) -> tuple[str, ...] | None:
    """"NS Column 2." -> ("NS 2",); None when the cell is not (only) columns."""
    found = list(_COLUMN.finditer(body))
    if not found:
        return None
    rest = _COLUMN.sub("", body)
    rest = re.sub(r"^[\s.,]*(?:See\s+§.*?(?:license requirements|of the EAR)\.?)?[\s.]*$",
                  "", rest)
    if rest.strip():
        return None
    cols = []
    for m in found:
        reason = m.group(1) or (reasons[0] if len(reasons) == 1 else None)
        name = f"{reason} {m.group(2)}"
        if reason is None or name not in columns:
            raise CellError(f"column {name!r} of {body!r} is not a Country Chart column")
        cols.append(name)
    return tuple(cols)


def _groups(text: str) -> list[str]:
    return re.findall(_GROUP, text)


def _where(body: str, names: Names) -> Where:
    """A destination sentence -> Where; raises CellError if it names nobody."""
    text = _NOT_DESIGNED.sub("", body)
    text = re.sub(r"\((?:see|See) [^)]*\)", "", text)
    text = re.sub(r"\bSee\s+§.*$", "", text)
    excluded = _EXCLUDING.search(text)
    except_groups = _groups(excluded.group(1)) if excluded else []
    if excluded:
        text = text[:excluded.start()] + text[excluded.end():]
    unresolved = _UNRESOLVED.search(text)
    if unresolved:
        text = text.replace(unresolved.group(0), "")
    exc = _EXCEPT.search(text)
    except_names = names(exc.group(1)) if exc else []
    if exc:
        text = text[:exc.start()] + text[exc.end():]
    groups = [g for m in _GROUPS.finditer(text) for g in _groups(m.group(1))]
    named = names(_GROUPS.sub("", text))
    where = Where(bool(_EVERYWHERE.search(body)), tuple(dict.fromkeys(named)), tuple(groups),
                  tuple(except_names), tuple(except_groups),
                  unresolved.group(0) if unresolved else "")
    if not (where.everywhere or where.destinations or where.groups or where.unresolved):
        raise CellError(f"a destination sentence that names no destination: {body!r}")
    if exc and not except_names:
        raise CellError(f"cannot read the exception in {body!r}")
    return where


def _resolution(body: str, reasons: tuple[str, ...]) -> str:
    """Pointers the tables can settle from cited text (`references.yaml`):
    "un": § 746.1(b)(2) lists the countries under UN arms embargoes;
    "ru_by": § 746.8 is the sanctions against Russia and Belarus (chart footnote 6)."""
    if "UN controls" in body or reasons == ("UN",):
        return "un"
    if "§ 746.8" in body:
        return "ru_by"
    return ""
