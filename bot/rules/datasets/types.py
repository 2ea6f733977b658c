"""The records of the EAR's own tables, as compiled into the shipped snapshot.

Everything here is a frozen dataclass that crosses module boundaries: the build writes them
as JSON (`to_json`), the loader reads them back (`from_json`), and the § 738.4 procedure
(`procedure.py`) reads nothing else. Verbatim cells (`left`, `right`, `text`) are kept
exactly as the eCFR prints them, so every finding can quote its row.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

# ---------------------------------------------------------------------------- references


@dataclass(frozen=True)
class Reference:
    """A citation with the verbatim words that support it (checked against `source`)."""
    citation: str          # "15 CFR 746.1(b)(2)"
    source: str            # path under ../shared: "corpus/2026-02-10_ecfr_15cfr746.1_....md"
    quote: str             # verbatim span of `source`
    verified: bool = True  # False: the quote corroborates but is not the rule's own text
    note: str = ""


# ---------------------------------------------------------------------- destinations


@dataclass(frozen=True)
class Directive:
    """A destination whose licensing requirements are read from another row."""
    to: str                # ISO code of the row to read ("CN" for Hong Kong)
    reference: Reference


@dataclass(frozen=True)
class Destination:
    """One destination of the Commerce Country Chart (15 CFR part 738, Supp. No. 1).

    kind: "row" (marks in the 16 columns), "see_other_part" (Cuba, Iran, Korea North,
    Syria: one spanning cell instead of marks) or "directed" (no row of its own; Hong Kong).
    """
    code: str                         # ISO 3166-1 alpha-2
    name: str                         # as the chart writes it ("Korea, South")
    kind: str
    x: tuple[str, ...] = ()           # columns with an X, in chart order
    footnotes: tuple[int, ...] = ()
    see_other_part: str = ""          # the spanning cell, verbatim
    directive: Directive | None = None


@dataclass(frozen=True)
class NotInChart:
    """A place the chart has no row for and no provision directs to another row."""
    code: str | None
    name: str
    reason: str


# -------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Scope:
    """What part of an ECCN a License Requirements row covers (its left-hand cell).

    kind: "entire" | "entire_except" | "paragraphs" | "condition".
    Paragraphs are relative to the ECCN and normalised: "b.2", "z.1.a", "y".
    A "condition" needs facts the classification does not give; when `bounded`, the row
    covers nothing outside `paragraphs` (e.g. "MT applies to 3A001.a.1.a when ...").
    """
    kind: str
    paragraphs: tuple[str, ...] = ()
    excepted: tuple[str, ...] = ()
    condition: str = ""
    bounded: bool = False


@dataclass(frozen=True)
class Target:
    """An ECCN (or part of one) a footnote names: "0A501 (except for 0A501.y)"."""
    eccn: str
    scope: Scope


# --------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class Where:
    """A destination sentence as an expression over Country Groups and named destinations.

    Required to d  <=>  d not in except_destinations and (d in destinations or
                         ((everywhere or d in any group) and d in no except_group)).
    `unresolved` names a set the tables do not hold (e.g. CWC non-States Parties): a
    destination not excepted is then "check", never "not required".
    """
    everywhere: bool = False
    destinations: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    except_destinations: tuple[str, ...] = ()
    except_groups: tuple[str, ...] = ()
    unresolved: str = ""


@dataclass(frozen=True)
class Requirement:
    """The right-hand cell of a License Requirements row, parsed.

    kind: "columns" ("NS Column 2"), "destinations" (a sentence -> `where`),
    "pointer" ("See § 746.1(b) for UN controls": check `see`), "not_applicable" ("N/A"),
    "no_column" (the cell restates the scope and names no column).
    `resolution`: a curated rule that settles a pointer from cited text ("un", "ru_by").
    """
    kind: str
    columns: tuple[str, ...] = ()
    where: Where | None = None
    see: tuple[str, ...] = ()
    resolution: str = ""


@dataclass(frozen=True)
class ControlRow:
    """One row of an ECCN's License Requirements table, verbatim and parsed."""
    number: int                      # 1-based position in the table
    reasons: tuple[str, ...]         # "NS"; ("NP", "AT") for a merged row
    left: str                        # verbatim "NS applies to entire entry"
    right: str                       # verbatim "NS Column 2."
    scope: Scope
    requirement: Requirement


@dataclass(frozen=True)
class LicenseException:
    """A licence exception as the ECCN prints it; never applied, only listed."""
    code: str               # "LVS"
    printed: str            # verbatim "$1500" / "N/A" / "Yes for ..."
    available: str          # "no" (N/A), "yes", "partly" (Yes for / Yes, except ...), "see"
    section: str = ""       # "§ 740.3"


@dataclass(frozen=True)
class Item:
    """A line of the List of Items Controlled (categories 1, 3, 4, 5 only)."""
    paragraph: str          # "" for running text
    depth: int
    text: str


@dataclass(frozen=True)
class CclEntry:
    """One ECCN of the Commerce Control List (15 CFR part 774, Supp. No. 1)."""
    eccn: str
    heading: str
    reason_for_control: str | None
    reasons: tuple[str, ...]
    rows: tuple[ControlRow, ...]
    license_exceptions: tuple[LicenseException, ...] = ()
    flags: tuple[str, ...] = ()     # "600_series", "9x515", "y", "z", "ei", "0x5zz", ...
    related_controls: str | None = None
    sta_special_conditions: str | None = None


# ------------------------------------------------------------------------ footnotes


@dataclass(frozen=True)
class Footnote:
    """A Country Chart footnote, verbatim, with what it does as data.

    effect: "check" (a further requirement to verify), "requires" (a licence is required
    for the `targets`, reason `column`), "directs" (read another row: footnote 5).
    applies_to: "targets" (only the ECCNs named), "ccl" (any CCL item), "all" (EAR99 too).
    """
    number: int
    text: str
    kind: str
    effect: str
    applies_to: str
    targets: tuple[Target, ...] = ()
    column: str = ""
    see: tuple[str, ...] = ()
    question: str = ""       # what the engine must ask/check, in our words
    quote: str = ""          # the words of `text` the classification rests on


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Provenance:
    source: str
    ecfr_date: str
    builder_version: str
    inputs: tuple[tuple[str, str], ...]       # (path, sha256)
    counts: tuple[tuple[str, int], ...]
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------------ JSON I/O


def to_json(obj: Any) -> Any:
    """A dataclass tree as plain JSON values (tuples -> lists)."""
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: to_json(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


def _tuple(values: Any, make=None) -> tuple:
    return tuple(make(v) if make else (tuple(v) if isinstance(v, list) else v)
                 for v in values or ())


def reference_from(d: dict) -> Reference:
    return Reference(**d)


def scope_from(d: dict) -> Scope:
    return Scope(d["kind"], tuple(d["paragraphs"]), tuple(d["excepted"]), d["condition"],
                 d["bounded"])


def destination_from(d: dict) -> Destination:
    directive = d.get("directive")
    return Destination(
        d["code"], d["name"], d["kind"], tuple(d["x"]), tuple(d["footnotes"]),
        d["see_other_part"],
        Directive(directive["to"], reference_from(directive["reference"])) if directive
        else None)


def _where_from(d: dict | None) -> Where | None:
    if d is None:
        return None
    return Where(d["everywhere"], tuple(d["destinations"]), tuple(d["groups"]),
                 tuple(d["except_destinations"]), tuple(d["except_groups"]), d["unresolved"])


def entry_from(d: dict) -> CclEntry:
    rows = tuple(
        ControlRow(r["number"], tuple(r["reasons"]), r["left"], r["right"],
                   scope_from(r["scope"]),
                   Requirement(r["requirement"]["kind"], tuple(r["requirement"]["columns"]),
                               _where_from(r["requirement"]["where"]),
                               tuple(r["requirement"]["see"]),
                               r["requirement"]["resolution"]))
        for r in d["rows"])
    return CclEntry(
        d["eccn"], d["heading"], d["reason_for_control"], tuple(d["reasons"]), rows,
        _tuple(d["license_exceptions"], lambda e: LicenseException(**e)),
        tuple(d["flags"]), d["related_controls"], d["sta_special_conditions"])


def items_from(d: list) -> tuple[Item, ...]:
    return tuple(Item(**i) for i in d)


def footnote_from(d: dict) -> Footnote:
    return Footnote(
        d["number"], d["text"], d["kind"], d["effect"], d["applies_to"],
        _tuple(d["targets"], lambda t: Target(t["eccn"], scope_from(t["scope"]))),
        d["column"], tuple(d["see"]), d["question"], d["quote"])


def provenance_from(d: dict) -> Provenance:
    return Provenance(d["source"], d["ecfr_date"], d["builder_version"],
                      tuple(sorted(d["inputs"].items())), tuple(sorted(d["counts"].items())),
                      tuple(d["notes"]))
