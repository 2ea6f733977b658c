"""Render the rows a finding rests on, readably and verifiably (issue 9 point 7).

    Cambodia: CB 1 X · CB 2 X · NP 1 X · NS 1 X · NS 2 X · MT 1 X · RS 1 X · RS 2 X · CC 1 X · CC 2 X
    3A001 — NS applies to entire entry — NS Column 2.

A chart row is rendered from the destination's own marks, in the chart's column order, and
never flattened with another row: a directed destination (Hong Kong, Liechtenstein) is
shown as itself, then the row it reads, named. `verify_*` re-parse a rendering and check
it against the snapshot, so a front end can prove it shows the table as shipped.
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.rules.datasets.load import Tables
from bot.rules.datasets.results import Determination, RowResult
from bot.rules.datasets.types import ControlRow, Destination

SEP = " · "


@lru_cache(maxsize=1024)
def render_chart_row(dest: Destination, tables: Tables) -> str:
    """One destination's chart row: its X marks in column order, or its spanning cell
    (rendered once per row and snapshot)."""
    if dest.kind == "see_other_part":
        return f"{dest.name}: {dest.see_other_part}"
    if dest.kind == "directed":
        return f"{dest.name}: no row of its own"
    marks = [f"{c} X" for c in tables.columns if c in dest.x]
    return f"{dest.name}: " + (SEP.join(marks) if marks else "no X in any column")


def render_row_footnotes(dest: Destination, tables: Tables) -> list[str]:
    """The row's footnotes, verbatim: "Germany, footnote 3: See § 742.6(a)(3) ..."."""
    return [f"{dest.name}, footnote {n}: {tables.footnotes[n].text}" for n in dest.footnotes]


def render_direction(dest: Destination, tables: Tables) -> str | None:
    """Why another row is read: "Hong Kong reads China's row (85 FR 83788 ...)"."""
    if dest.directive is None:
        return None
    ref = dest.directive.reference
    flag = "" if ref.verified else " [unconfirmed: " + ref.note + "]"
    row = tables.destinations[dest.directive.to].name
    return f"{dest.name} reads {row}'s row ({ref.citation}){flag}"


@lru_cache(maxsize=8192)
def render_control_row(eccn: str, row: ControlRow) -> str:
    """An ECCN's License Requirements row, both cells verbatim (rendered once per row)."""
    return f"{eccn} — {_flat(row.left)} — {_flat(row.right)}"


def render_result(result: RowResult) -> str:
    """A row's finding: the ECCN row, the chart cells read, and the outcome."""
    cells = "; ".join(c.render() for c in result.cells)
    parts = [render_control_row(result.eccn, result.row)]
    if cells:
        parts.append(cells)
    if result.groups:
        parts.append("Country Group " + ", ".join(result.groups))
    parts.append(f"{result.outcome.replace('_', ' ')}: {result.note}")
    return " | ".join(parts)


def evidence_lines(det: Determination, tables: Tables) -> list[str]:
    """Everything a determination rests on, one line each, for a reason or a report."""
    if det.row is None:
        return [det.note]
    lines = []
    if isinstance(det.destination, Destination) and det.destination is not det.row:
        lines.append(render_chart_row(det.destination, tables))
        lines.append(render_direction(det.destination, tables) or "")
    lines.append(render_chart_row(det.row, tables))
    lines += render_row_footnotes(det.row, tables)
    lines += [render_result(r) for r in det.rows if r.applies]
    return [line for line in lines if line]


def _flat(text: str) -> str:
    return " ".join(text.split())


_ROW = re.compile(r"^(?P<name>.+?): (?P<rest>.*)$")


def verify_chart_row(text: str, tables: Tables) -> bool:
    """Does `text` render exactly one destination's row as the snapshot holds it?"""
    m = _ROW.match(text)
    if not m:
        return False
    matches = [d for d in tables.destinations.values() if d.name == m.group("name")]
    return len(matches) == 1 and render_chart_row(matches[0], tables) == text


def verify_control_row(text: str, tables: Tables) -> bool:
    """Does `text` render one License Requirements row of the snapshot, verbatim?"""
    eccn = text.split(" — ", 1)[0]
    entry = tables.entries.get(eccn)
    return entry is not None and any(render_control_row(eccn, r) == text for r in entry.rows)
