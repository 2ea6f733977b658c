"""The § 738.4 procedure: hand-checked cases, and a property over every ECCN x destination."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.rules.datasets import NotInChart, determine, load_tables, matrix
from bot.rules.datasets.results import SUMMARIES
from regbot_paths import SHARED

CASES = yaml.safe_load((Path(__file__).with_name("procedure_cases.yaml")).read_text())


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def test_cases_are_collected():
    assert len(CASES) >= 45


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(tables, case):
    det = determine(case["classification"], case["destination"], tables)
    assert det.summary == case["summary"], det.note
    if "row_read" in case:
        assert det.row.name == case["row_read"]
    for want in case.get("rows", []):
        found = [r for r in det.rows if r.row.left.startswith(want["left"])]
        assert found, want["left"]
        r = found[0]
        assert (r.coverage, r.outcome) == (want["coverage"], want["outcome"]), r.note
        if "cells" in want:
            assert [c.render() for c in r.cells] == want["cells"]
        if "footnote" in want:
            assert r.footnote == want["footnote"]
        if "groups" in want:
            assert list(r.groups) == want["groups"]
        if "see" in want:
            assert list(r.see) == want["see"]
    if "footnotes" in case:
        assert [[f.footnote.number, f.coverage, f.outcome] for f in det.footnotes] == \
            case["footnotes"]


def test_licence_exceptions_are_listed_never_applied(tables):
    det = determine("3A001", "Cambodia", tables)
    texts = [e.text for e in det.exceptions]
    assert any(t.startswith("LVS may be available — conditions in § 740.3") for t in texts)
    assert any(t.startswith("GBS may be available — conditions in § 740.4") for t in texts)
    assert det.summary == "required"  # an exception is listed; it changes no outcome
    assert all("may be available" in t for t in texts)
    assert not any(e.exception.code == "LVS" for e in determine("0A503", "Mexico",
                                                                tables).exceptions)  # N/A


def test_a_paragraph_scoped_row_with_only_the_eccn_says_so(tables):
    det = determine("3A090", "China", tables)
    scoped = [r for r in det.rows if r.row.scope.kind == "paragraphs"]
    assert scoped and all(r.coverage == "unknown" and "applies only to" in r.coverage_note
                          for r in scoped)
    assert {r.coverage for r in determine("3A090.b", "China", tables).rows
            if r.row.scope.kind == "paragraphs"} == {"yes", "no"}


def test_a_paragraph_the_entry_does_not_have_is_refused(tables):
    from bot.rules.datasets import ClassificationError

    with pytest.raises(ClassificationError, match=r"3A001 has no paragraph \.q"):
        determine("3A001.q", "Germany", tables)
    assert determine("3A001.z.1.b", "Germany", tables).summary == "not_required"


def test_not_in_chart_is_never_a_verdict(tables):
    det = determine("7A994", "Greenland", tables)
    assert isinstance(det.destination, NotInChart) and det.summary == "not_in_chart"
    assert det.rows == () and det.row is None


# ---------------------------------------------------------------- property over 633 x 200

RAW_CHART = json.loads((SHARED / "ear" / "country-chart.json").read_text(encoding="utf-8"))
RAW_CCL = [json.loads(line) for line in
           (SHARED / "ear" / "ccl.jsonl").read_text(encoding="utf-8").splitlines()]
_PLAIN = re.compile(r"^([A-Z]{2}) Column ([123])\.?$")


def _plain_x(raw_row: dict, chart_row: dict) -> bool:
    """Independent of the parsers: an "applies to entire entry" row with one column, and
    the raw chart row has an X in it."""
    m = _PLAIN.match(raw_row["country_chart"].strip())
    return bool(m and re.fullmatch(r"[A-Z]{2} applies to (?:the )?entire entry\.?",
                                   raw_row["control"].strip())
                and f"{m.group(1)} {m.group(2)}" in chart_row["x"])


@pytest.mark.timeout(300)
def test_every_eccn_times_every_destination(tables):
    """No error; every result carries its evidence rows and reads only the destination's
    own row (or the one it is directed to); never "not required" where an X applies; the
    four "see part 746" rows never come out as "no X"."""
    checked = 0
    for raw in RAW_CCL:
        results = matrix(raw["eccn"], tables)
        assert set(results) == set(tables.destinations)
        for code, det in results.items():
            checked += 1
            assert det.summary in SUMMARIES
            dest = tables.destinations[code]
            assert det.row is tables.row_for(dest)
            assert len(det.rows) == len(raw["controls"])
            for r in det.rows:
                assert r.row.left and r.row.right and r.note
                assert all(c.destination == det.row.name for c in r.cells)
                if r.row.requirement.kind == "columns" and det.row.kind == "row":
                    assert len(r.cells) == len(r.row.requirement.columns)
                if det.row.kind == "see_other_part" and r.outcome != "required":
                    assert r.note == det.row.see_other_part  # the spanning cell, verbatim
                if r.row.requirement.kind == "pointer":
                    assert r.see or r.resolved_by
            if dest.kind == "see_other_part":
                assert det.summary == "see_other_part"
                assert all(r.outcome != "not_required" for r in det.rows)
                continue
            chart_row = RAW_CHART["rows"][det.row.name]
            if any(_plain_x(c, chart_row) for c in raw["controls"]):
                assert det.summary == "required", (raw["eccn"], code)
            if det.summary == "not_required":
                assert not any(r.applies and r.outcome != "not_required" for r in det.rows)
                assert not det.footnotes
    assert checked == 633 * len(tables.destinations)
