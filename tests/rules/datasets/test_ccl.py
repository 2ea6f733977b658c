"""The Commerce Control List compiled: every License Requirements row parsed, verbatim."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.rules.datasets import ClassificationError, load_tables, parse_classification
from bot.rules.datasets.cells import CellError, parse_right
from bot.rules.datasets.paragraphs import coverage, parse_left
from regbot_paths import SHARED

RAW = {r["eccn"]: r for r in map(json.loads, (SHARED / "ear" / "ccl.jsonl").read_text(
    encoding="utf-8").splitlines())}
KINDS = {"columns", "destinations", "pointer", "not_applicable", "no_column"}
SCOPES = {"entire", "entire_except", "paragraphs", "condition"}


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def test_all_633_eccns_and_every_row_parsed_nothing_dropped(tables):
    assert sorted(tables.entries) == sorted(RAW) and len(RAW) == 633
    kinds = Counter()
    for eccn, raw in RAW.items():
        entry = tables.entries[eccn]
        assert [(r.left, r.right) for r in entry.rows] == \
            [(c["control"], c["country_chart"]) for c in raw["controls"]], eccn
        assert entry.heading == raw["heading"]
        for row in entry.rows:
            assert row.requirement.kind in KINDS and row.scope.kind in SCOPES, (eccn, row)
            assert row.reasons, (eccn, row)
            kinds[row.requirement.kind] += 1
    assert sum(kinds.values()) == sum(len(r["controls"]) for r in RAW.values()) == 1536
    # the shapes of the right-hand cells (about 75 printed variants) all land in a kind
    assert kinds["columns"] > 1200 and kinds["destinations"] > 100 and kinds["pointer"] > 100
    assert kinds["not_applicable"] == kinds["no_column"] == 1  # 4A001 NP, 1D018 MT


def test_every_distinct_right_hand_cell_gets_a_kind(tables):
    cells = {(c["country_chart"]) for r in RAW.values() for c in r["controls"]}
    assert len(cells) >= 64
    by_cell = {r.right: r.requirement.kind for e in tables.entries.values() for r in e.rows}
    assert set(by_cell) == cells and set(by_cell.values()) <= KINDS


def test_a_cell_no_parser_reads_is_an_error_not_a_dropped_row():
    columns = tuple(json.loads((SHARED / "ear" / "country-chart.json").read_text())["columns"])
    with pytest.raises(CellError):
        parse_right("Consult your horoscope.", ("NS",), columns, lambda t: [])
    with pytest.raises(CellError):
        parse_right("XX Column 9.", ("NS",), columns, lambda t: [])
    with pytest.raises(ValueError):
        parse_left("Applies to whatever", "3A001")


def _row(tables, eccn, left_start):
    return next(r for r in tables.entries[eccn].rows if r.left.startswith(left_start))


@pytest.mark.parametrize("eccn,left,kind,paragraphs,excepted", [
    ("0A501", "NS applies to entire entry except 0A501.y", "entire_except", (), ("y",)),
    ("0A606", "NS applies to entire entry, except 0A606.b and .y", "entire_except", (),
     ("b", "y")),
    ("8A620", "NS applies to entire entry, except 8A620. b and .y", "entire_except", (),
     ("b", "y")),
    ("0A505", "NS applies to 0A505.a and .x", "paragraphs", ("a", "x"), ()),
    ("0A504", "FC applies to paragraphs .a, .b", "paragraphs", ("a", "b", "c", "d", "e", "g",
                                                                "i"), ()),
    ("3B001", "NS applies to 3B001.a.1 to a.3", "paragraphs",
     ("a.1", "a.2", "a.3", "b", "e", "f.2", "f.3", "f.4", "g", "h", "i", "j"), ()),
    ("5A001", "NS applies to 5A001.b (except", "paragraphs", ("b", "c", "d", "f", "g", "j"),
     ("b.5", "f.3")),
    ("9A004", "NS applies to 9A004 .g", "paragraphs", ("g", "r", "u", "w"), ()),
    ("1C351", "CB applies to items controlled by 1C351.d.15", "paragraphs", ("d.15", "d.16"),
     ()),
    ("1C607", "NS applies to entire entry, except 1C607", "entire_except", (),
     ("a.10", "a.11", "a.12", "a.14")),
])
def test_scopes_named_paragraphs_normalised(tables, eccn, left, kind, paragraphs, excepted):
    scope = _row(tables, eccn, left).scope
    assert (scope.kind, scope.paragraphs, scope.excepted) == (kind, paragraphs, excepted)


def test_free_text_scopes_stay_conditions(tables):
    shotgun = _row(tables, "0A502", "NS applies to shotguns").scope
    assert shotgun.kind == "condition" and "18 inches" in shotgun.condition
    assert coverage(shotgun, "a")[0] == "unknown"
    qualified = _row(tables, "0A509", "NS applies to entire entry except 0A509.a for").scope
    # ".a for items for ECCN 0A502 or 0A508" is only partly excepted: never "not covered"
    assert qualified.excepted == ("d",) and coverage(qualified, "a")[0] == "unknown"
    software = _row(tables, "1D607", "NS applies").scope  # 1C607's paragraphs, not 1D607's
    assert software.excepted == () and "1C607" in software.condition
    mt = _row(tables, "3A001", "MT applies").scope
    assert mt.bounded and mt.paragraphs == ("a.1.a", "a.5.a", "z.2")
    assert coverage(mt, "c")[0] == "no" and coverage(mt, "a.1")[0] == "unknown"


def test_a_qualified_exception_inside_a_paragraph_list(tables):
    """6A002's RS row: "6A002.a.1, a.2, a.3 (except a.3.d.2.a and a.3.e for lead selenide
    based focal plane arrays (FPAs)), .c, and .f." -- .c and .f are covered outright; the
    excepted paragraphs are excepted only for lead selenide FPAs, so they stay unknown."""
    rs = _row(tables, "6A002", "RS applies").scope
    assert (rs.kind, rs.paragraphs, rs.excepted) == ("paragraphs", ("a.1", "a.2", "a.3", "c", "f"),
                                                     ("a.3.d.2.a", "a.3.e"))
    assert "lead selenide" in rs.condition
    assert coverage(rs, "c")[0] == "yes" and coverage(rs, "f")[0] == "yes"
    assert coverage(rs, "a.3.e")[0] == "unknown"        # excepted only in part: never "no"
    assert coverage(rs, "a.3.d.2.a.1")[0] == "unknown"
    assert coverage(rs, "a.3")[0] == "unknown"          # part of it is excepted
    assert coverage(rs, "b")[0] == "no" and coverage(rs, None)[0] == "unknown"


@pytest.mark.parametrize("eccn,left,kind,detail", [
    ("3A001", "NS applies to entire entry", "columns", ("NS 2",)),
    ("1A231", "NP applies to entire entry AT", "columns", ("NP 1", "AT 1")),
    ("1C351", "AT applies to entire entry", "columns", ("AT 1",)),        # "Column 1."
    ("1C350", "CB applies to entire entry CB Column 2.", "columns", ("CB 2",)),
    ("0A919", "RS applies to entire entry", "columns", ("RS 1",)),         # + a pointer
    ("5A002", "EI applies", "pointer", ("§ 742.15",)),
    ("3B993", "RS applies", "pointer", ("§ 742.6(a)(11)",)),
    ("4A001", "NP applies, unless", "not_applicable", ()),
    ("1D018", "MT applies", "no_column", ()),
])
def test_right_hand_cell_kinds(tables, eccn, left, kind, detail):
    req = _row(tables, eccn, left).requirement
    assert req.kind == kind
    assert (req.columns if kind == "columns" else req.see) == detail


@pytest.mark.parametrize("eccn,left,everywhere,dests,groups,except_dests,except_groups", [
    ("3A001", "RS applies to 3A001.z.1.a", True, (), (), (), ()),
    ("3A001", "RS applies to 3A001.z.1.b", False, ("AE",), ("D:1", "D:4", "D:5"), (),
     ("A:5", "A:6")),
    ("3A090", "RS applies to 3A090.c", False, ("MO",), ("D:5",), (), ()),
    ("0A606", "RS applies to 0A606.y", False, ("CN", "RU", "VE"), (), (), ()),
    ("0A503", "CC applies", True, (), (), ("CA",), ()),
    ("0B999", "RS applies", False, ("IQ",), (), (), ()),
    ("2A992", "RS applies", False, ("PK",), (), (), ()),
    ("0A505", "AT applies to 0A505.c", False, ("KP",), (), (), ()),
    ("1E355", "CW applies", False, (), (), ("IL", "TW"), ()),
    ("5A001", "SL applies to 5A001.f.1", True, (), (), (), ()),
])
def test_destination_sentences_become_expressions(tables, eccn, left, everywhere, dests, groups,
                                                  except_dests, except_groups):
    where = _row(tables, eccn, left).requirement.where
    assert (where.everywhere, where.destinations, where.groups, where.except_destinations,
            where.except_groups) == (everywhere, dests, groups, except_dests, except_groups)
    if eccn == "1E355":
        assert "CWC non-States Parties" in where.unresolved


def test_pointers_keep_what_to_check(tables):
    un = _row(tables, "0A501", "UN applies").requirement
    assert un.kind == "pointer" and un.resolution == "un" and un.see == ("§ 746.1",)
    ru = _row(tables, "0A998", "Russian industry").requirement
    assert ru.resolution == "ru_by" and ru.see == ("§ 746.8",)


@pytest.mark.parametrize("eccn,flags", [
    ("9A610", {"600_series", "y_paragraph"}), ("0A606", {"600_series", "y_paragraph"}),
    ("9A515", {"9x515", "y_paragraph"}), ("9E515", {"9x515", "y_paragraph"}),
    ("5A002", {"ei", "z_paragraph"}), ("3A001", {"z_paragraph"}),
    ("0A501", {"0x5zz_firearms", "y_paragraph"}), ("0A521", {"x521", "no_license_table"}),
    ("9A005", {"itar_note", "no_license_table"}), ("1C980", {"short_supply", "no_license_table"}),
])
def test_flags(tables, eccn, flags):
    assert flags <= set(tables.entries[eccn].flags)


def test_license_exceptions_as_printed_with_their_section(tables):
    lvs = {e.code: e for e in tables.entries["3A991"].license_exceptions}
    assert lvs["LVS"].printed == RAW["3A991"]["license_exceptions"]["LVS"]
    assert lvs["LVS"].section == "§ 740.3"
    enc = {e.code: e for e in tables.entries["5A002"].license_exceptions}["ENC"]
    assert enc.section == "§ 740.17" and enc.available == "partly"
    na = {e.code: e for e in tables.entries["0A503"].license_exceptions}["LVS"]
    assert na.available == "no"
    sections = {e.code: e.section for x in tables.entries.values() for e in x.license_exceptions}
    assert all(s.startswith("§ 740.") for s in sections.values()), sections


@pytest.mark.parametrize("text,normal,eccn,paragraph", [
    ("3A001", "3A001", "3A001", None), ("3a001.B.2", "3A001.b.2", "3A001", "b.2"),
    ("ECCN 9A610.X", "9A610.x", "9A610", "x"), ("6A003.b.4.b", "6A003.b.4.b", "6A003", "b.4.b"),
    ("EAR99", "EAR99", None, None), ("ear 99", "EAR99", None, None),
    ("USML XI", "USML XI", None, None), ("Category VIII(h)", "USML VIII(h)", None, None),
    ("Cat. xxi", "USML XXI", None, None), ("  5D002.  ", "5D002", "5D002", None),
])
def test_classifications_accepted(tables, text, normal, eccn, paragraph):
    c = parse_classification(text, tables.entries)
    assert (c.text, c.eccn, c.paragraph) == (normal, eccn, paragraph)


@pytest.mark.parametrize("text,says", [
    ("3A999x", "cannot read"), ("9Z999", "cannot read"), ("USML XXV", "does not exist"),
    ("3A998", "not an ECCN on the Commerce Control List of 2026-07-23"), ("", "no classification"),
    ("avionics", "cannot read"), ("7A994 9A991", "cannot read"),
])
def test_other_classifications_get_a_clear_error(tables, text, says):
    with pytest.raises(ClassificationError, match=says.replace("(", r"\(")):
        parse_classification(text, tables.entries, tables.ecfr_date)
