"""Rows of the EAR's shipped tables as dated, cited values the Reader traces (issue 9 point 7).

Each row a finding rests on is traced under a key that names the dataset and the row
(`ear-table:ccl:3A001:row:2`, `ear-table:chart:VN`, `ear-table:groups:CN`,
`ear-table:footnote:9`), with the row rendered readably as its quote. The keys are those of
`bot.answers.cite`, which re-renders the row from the shipped snapshot and compares it
character for character, so every quote shown is the table as shipped, never flattened
and never another country's row. The values hold from the snapshot's date.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from bot.records import Verdict
from bot.rules.datasets.evidence import render_chart_row, render_control_row
from bot.rules.datasets.results import RowResult
from bot.rules.loader import RuleValue

PREFIX = "ear-table:"
CHART_CITATION = "15 CFR part 738, Supp. No. 1 (Commerce Country Chart)"
GROUPS_CITATION = "15 CFR part 740, Supp. No. 1 (Country Groups)"


def source(tables) -> str:
    return f"EAR tables, eCFR {tables.ecfr_date}"


def _value(tables, value, citation: str, quote: str) -> RuleValue:
    # positionally: value, valid_from, valid_until, citation, source, quote, verified
    return RuleValue(value, _day(tables.ecfr_date), None, citation, _source(tables.ecfr_date),
                     quote, True)


@lru_cache(maxsize=16)
def _source(ecfr_date: str) -> str:
    return f"EAR tables, eCFR {ecfr_date}"


@lru_cache(maxsize=16)
def _day(iso: str) -> date:
    return date.fromisoformat(iso)


# The rows below are the same for every ECCN (a chart row, a groups row, a footnote) or every
# destination (an ECCN's heading, a row's rendering): rendered once per snapshot (`Tables`
# hashes by identity), since a matrix reads each of them hundreds of times.
@lru_cache(maxsize=1024)
def _chart_value(tables, code: str) -> RuleValue:
    row = tables.destinations[code]
    return _value(tables, list(row.x) or row.see_other_part, CHART_CITATION,
                  render_chart_row(row, tables))


@lru_cache(maxsize=1024)
def _groups_value(tables, code: str) -> RuleValue:
    groups = sorted(tables.groups_of.get(code, ()))
    return _value(tables, groups, GROUPS_CITATION, render_group_row(code, tables))


@lru_cache(maxsize=4096)
def _control_quote(tables, eccn: str, number: int) -> tuple[str, str]:
    """(citation, rendered row) of one License Requirements row."""
    row = next(r for r in tables.entries[eccn].rows if r.number == number)
    return f"15 CFR part 774, Supp. No. 1, ECCN {eccn}", render_control_row(eccn, row)


@lru_cache(maxsize=4096)
def _flat(text: str) -> str:
    return " ".join(text.split())


def render_group_row(code: str, tables) -> str:
    """"China: Country Group D:1 · D:3 · D:4 · D:5" (as `bot.answers.cite.group_row`)."""
    from bot.rules.countries import country_name

    groups = [g for g in tables.groups if code in tables.groups[g]]
    dest = tables.destination(code)
    name = dest.name if dest else (country_name(code) or code)
    return f"{name}: " + ("Country Group " + " · ".join(groups) if groups else
                          "in no Country Group")


def chart_row(reader, tables, code: str) -> str:
    """Trace the destination's chart row; its key."""
    key = f"{PREFIX}chart:{code}"
    reader.traced(key, _chart_value(tables, code))
    return key


def groups_row(reader, tables, code: str) -> str:
    key = f"{PREFIX}groups:{code}"
    reader.traced(key, _groups_value(tables, code))
    return key


def control_row(reader, tables, result: RowResult) -> str:
    """Trace one License Requirements row with the chart cells it read; its key (traced once:
    the first reading of the row in a verdict is the one kept)."""
    key = f"{PREFIX}ccl:{result.eccn}:row:{result.row.number}"
    if reader.entry(key) is not None:
        return key
    value = {"cell": _flat(result.row.right), "coverage": result.coverage,
             "outcome": result.outcome, "note": result.note,
             "cells": [{"destination": c.destination, "column": c.column, "marked": c.marked}
                       for c in result.cells],
             "groups": list(result.groups)}
    reader.traced(key, _value(tables, value, *_control_quote(tables, result.eccn,
                                                             result.row.number)))
    return key


def heading(reader, tables, eccn: str) -> str:
    key = f"{PREFIX}ccl:{eccn}:heading"
    entry = tables.entries[eccn]
    reader.traced(key, _value(tables, entry.heading, f"15 CFR part 774, Supp. No. 1, ECCN {eccn}",
                              f"{eccn} {entry.heading}"))
    return key


def footnote(reader, tables, number: int) -> str:
    key = f"{PREFIX}footnote:{number}"
    note = tables.footnotes[number]
    reader.traced(key, _value(tables, note.effect, f"{CHART_CITATION}, footnote {number}",
                              note.text))
    return key


def result_keys(reader, tables, result: RowResult, row_code: str) -> list[str]:
    """Everything one row's finding rests on: the ECCN row, the chart row or the groups."""
    keys = [control_row(reader, tables, result)]
    if result.cells or result.row.requirement.kind == "columns":
        keys.append(chart_row(reader, tables, row_code))
    if result.row.requirement.kind == "destinations":
        keys.append(groups_row(reader, tables, row_code))
    if result.footnote is not None:
        keys.append(footnote(reader, tables, result.footnote))
    return keys


def chart_cells(verdict: Verdict) -> list[dict]:
    """The Country Chart cells a verdict read, one per ECCN row and column (`check --json`)."""
    cells = []
    for entry in verdict.trace:
        if not entry.rule_id.startswith(f"{PREFIX}ccl:") or not isinstance(entry.value, dict):
            continue
        eccn, _, row = entry.rule_id[len(PREFIX) + 4:].partition(":row:")
        for cell in entry.value.get("cells", ()):
            cells.append({"eccn": eccn, "row": int(row), **cell, "row_outcome":
                          entry.value.get("outcome"), "rule_id": entry.rule_id})
    return cells


__all__ = ["PREFIX", "chart_cells", "chart_row", "control_row", "footnote", "groups_row",
           "heading", "render_group_row", "result_keys", "source"]
