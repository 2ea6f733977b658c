"""What the § 738.4 procedure returns: one `RowResult` per License Requirements row, the
footnotes that add requirements, the licence exceptions named, and a one-word summary.

Coverage and outcome are kept apart, so the engine can branch: a row whose scope the
classification does not settle ("unknown") still says what it would require.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.rules.datasets.classification import Classification
from bot.rules.datasets.types import (CclEntry, ControlRow, Destination, Footnote,
                                      LicenseException, NotInChart, Reference)

# RowResult.outcome
REQUIRED, NOT_REQUIRED, CHECK, SEE_OTHER_PART = "required", "not_required", "check", \
    "see_other_part"
# Determination.summary
SUMMARIES = ("required", "depends", "not_required", "see_other_part", "no_table",
             "not_on_ccl", "not_in_chart")


@dataclass(frozen=True)
class ChartCell:
    """One cell of the Commerce Country Chart that a finding read."""
    destination: str      # the row's name as printed ("China" when Hong Kong was asked)
    column: str           # "NS 2"
    marked: bool          # an X in the cell

    def render(self) -> str:
        return f"{self.destination} · {self.column}: {'X' if self.marked else 'no X'}"


@dataclass(frozen=True)
class RowResult:
    """One License Requirements row of the ECCN, evaluated for the destination.

    coverage: "yes" | "no" | "unknown" (does the row's scope cover the item?).
    outcome (if it covers): "required" | "not_required" | "check" | "see_other_part".
    """
    eccn: str
    row: ControlRow
    coverage: str
    coverage_note: str
    outcome: str
    note: str
    cells: tuple[ChartCell, ...] = ()
    groups: tuple[str, ...] = ()             # Country Groups the destination matched
    see: tuple[str, ...] = ()                # what to check ("§ 742.15")
    resolved_by: Reference | None = None     # cited text that settled a pointer
    footnote: int | None = None              # a chart footnote that supplied the X

    @property
    def reason(self) -> str:
        return ", ".join(self.row.reasons)

    @property
    def applies(self) -> bool:
        return self.coverage != "no"


@dataclass(frozen=True)
class FootnoteFinding:
    """A footnote of the destination's row that adds a requirement for this item."""
    footnote: Footnote
    destination: str         # the row carrying it, as printed
    coverage: str            # "yes" | "unknown"
    outcome: str             # "check" | "required"
    note: str


@dataclass(frozen=True)
class ExceptionNote:
    """A licence exception the ECCN names: listed, never applied."""
    exception: LicenseException
    text: str                # "LVS may be available — conditions in § 740.3 (printed: $1500)"


@dataclass(frozen=True)
class Determination:
    """§ 738.4 for one classification and one destination, on the snapshot's date."""
    classification: Classification
    destination: Destination | NotInChart    # as asked
    row: Destination | None                  # the row read (China for Hong Kong)
    entry: CclEntry | None
    rows: tuple[RowResult, ...]
    footnotes: tuple[FootnoteFinding, ...]
    exceptions: tuple[ExceptionNote, ...]
    summary: str
    note: str
    ecfr_date: str

    @property
    def required(self) -> tuple[RowResult, ...]:
        """Rows that require a licence for this item (scope covers it)."""
        return tuple(r for r in self.rows if r.coverage == "yes" and r.outcome == REQUIRED)

    @property
    def open_rows(self) -> tuple[RowResult, ...]:
        """Rows the engine must branch on or check (scope unsettled, or a pointer)."""
        return tuple(r for r in self.rows if r.applies and (
            r.outcome in (CHECK, SEE_OTHER_PART) or
            (r.coverage == "unknown" and r.outcome == REQUIRED)))
