"""Rows rendered readably, verified against the snapshot and the raw ../shared/ear files."""
from __future__ import annotations

import json

import pytest

from bot.rules.datasets import determine, load_tables, resolve_destination
from bot.rules.datasets.evidence import (evidence_lines, render_chart_row, render_control_row,
                                         render_direction, render_result, verify_chart_row,
                                         verify_control_row)
from regbot_paths import SHARED

RAW_CHART = json.loads((SHARED / "ear" / "country-chart.json").read_text(encoding="utf-8"))
RAW_CCL = {r["eccn"]: r for r in map(json.loads, (SHARED / "ear" / "ccl.jsonl").read_text(
    encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def test_cambodias_row_reads_as_the_chart_prints_it(tables):
    kh = tables.destinations["KH"]
    assert render_chart_row(kh, tables) == (
        "Cambodia: CB 1 X · CB 2 X · NP 1 X · NS 1 X · NS 2 X · MT 1 X · RS 1 X · RS 2 X · "
        "CC 1 X · CC 2 X")
    assert render_chart_row(tables.destinations["DE"], tables) == \
        "Germany: CB 1 X · NS 1 X · MT 1 X · RS 1 X"
    assert render_chart_row(tables.destinations["CU"], tables) == (
        "Cuba: See part 746 of the EAR to determine whether a license is required in order to "
        "export or reexport to this destination.")


def test_every_rendered_row_is_its_own_row_and_verifies(tables):
    for dest in tables.destinations.values():
        text = render_chart_row(dest, tables)
        assert text.startswith(dest.name + ": ")
        if dest.kind == "row":
            assert verify_chart_row(text, tables)
            raw = RAW_CHART["rows"][dest.name]["x"]
            assert [p[:-2] for p in text.split(": ", 1)[1].split(" · ")] == \
                [c for c in tables.columns if c in raw]


def test_a_tampered_or_borrowed_row_does_not_verify(tables):
    assert not verify_chart_row("Germany: CB 1 X · NS 1 X · NS 2 X · MT 1 X · RS 1 X", tables)
    cambodia_marks = render_chart_row(tables.destinations["KH"], tables).split(": ", 1)[1]
    assert not verify_chart_row(f"Vietnam: {cambodia_marks}", tables)
    assert not verify_chart_row("Atlantis: CB 1 X", tables)
    assert not verify_control_row("3A001 — NS applies to entire entry — NS Column 1.", tables)


def test_control_rows_render_verbatim_and_occur_in_the_raw_file(tables):
    for eccn, entry in tables.entries.items():
        raw = RAW_CCL[eccn]["controls"]
        for row, cell in zip(entry.rows, raw):
            assert row.left == cell["control"] and row.right == cell["country_chart"]
            assert verify_control_row(render_control_row(eccn, row), tables)
    ns = tables.entries["3A001"].rows[1]
    assert render_control_row("3A001", ns) == \
        "3A001 — NS applies to entire entry — NS Column 2."


def test_a_result_shows_the_eccn_row_and_the_destinations_cell(tables):
    det = determine("3A001", "Cambodia", tables)
    ns2 = next(r for r in det.rows if r.row.right == "NS Column 2.")
    assert render_result(ns2) == ("3A001 — NS applies to entire entry — NS Column 2. | "
                                  "Cambodia · NS 2: X | required: X in NS 2 for Cambodia")
    lines = evidence_lines(det, tables)
    assert lines[0] == render_chart_row(tables.destinations["KH"], tables)
    assert not any("Vietnam" in line or "China" in line for line in lines)


def test_a_directed_destination_names_both_rows(tables):
    hk = resolve_destination("Hong Kong", tables)
    lines = evidence_lines(determine("3A991", hk, tables), tables)
    assert lines[0] == "Hong Kong: no row of its own"
    assert lines[1] == render_direction(hk, tables)
    assert lines[1].startswith("Hong Kong reads China's row (85 FR 83788") and \
        "[unconfirmed: " in lines[1]
    assert lines[2] == render_chart_row(tables.destinations["CN"], tables)
    li = evidence_lines(determine("7A994", "Liechtenstein", tables), tables)
    assert li[0].startswith("Liechtenstein: ")
    assert li[1] == "Liechtenstein reads Switzerland's row (15 CFR part 738, Supp. No. 1, " \
                    "footnote 5)"
    assert li[2].startswith("Switzerland: ")
    assert "Switzerland, footnote 3: " + tables.footnotes[3].text in li
