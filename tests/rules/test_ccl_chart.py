"""Issue 9: the engine over the EAR's tables — every destination, the `ccl_chart` layer, the
layers generalised over the chart, dates, evidence, `check --json` chart cells, `rules matrix`.

Real tables (the shipped snapshot), real rulebook, the real CLI in process (click's runner)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner

from bot.answers.cite import verdict_table_citations, verify_dataset_citation
from bot.cli import cli
from bot.records import Facts
from bot.rules import evaluate, load_rulebook
from bot.rules.datasets import determine, load_tables
from bot.rules.destinations import covered, place

TODAY = "2026-12-01"


def check(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["check", "--json", "--as-of", TODAY, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def verdict(dest: str, cls: str, end_use: str | None = "civil", day: str = TODAY):
    facts = Facts(as_of=date.fromisoformat(day), destination=dest, classification=cls,
                  end_use=end_use)
    return evaluate(facts, load_rulebook())


# ----------------------------------------------------------------- the Done-when commands


def test_germany_usml_xi_needs_a_ddtc_licence_quoting_123_1_a():
    data = check("--destination", "Germany", "--classification", "USML XI")
    assert data["status"] == "license_required"
    entry = next(t for t in data["trace"] if t["rule_id"] == "itar.licence_requirement")
    assert entry["citation"] == "22 CFR 123.1(a)" and entry["verified"]
    assert entry["quote"].startswith("(a) Any person who intends to export or to import "
                                     "temporarily a defense article must obtain the approval")
    assert "itar.licence_requirement" in data["rule_ids"] and not data["unverified"]
    assert any("22 CFR 123.1(a)" in r for r in data["reasons"])
    # Germany is not in D:5, read from the Country Groups row it cites
    assert "ear-table:groups:DE" in data["rule_ids"]
    assert data["chart_cells"] == []  # a USML item reads no chart cell


def test_vietnam_3a001_civil_is_licence_required_citing_the_row_and_the_cell():
    data = check("--destination", "Vietnam", "--classification", "3A001", "--end-use", "civil")
    assert data["status"] == "license_required"
    assert {"ear-table:ccl:3A001:row:2", "ear-table:chart:VN"} <= set(data["rule_ids"])
    assert any("“3A001 — NS applies to entire entry — NS Column 2.”: Vietnam · NS 2: X" in r
               for r in data["reasons"])
    cells = {(c["eccn"], c["row"], c["destination"], c["column"], c["marked"])
             for c in data["chart_cells"]}
    assert ("3A001", 2, "Vietnam", "NS 2", True) in cells
    assert any("may be available — conditions in § 740.3" in r for r in data["reasons"])


def test_japan_7a994_civil_is_no_licence_required_from_the_tables():
    data = check("--destination", "Japan", "--classification", "7A994", "--end-use", "civil")
    assert data["status"] == "no_license_required"
    assert set(data["rule_ids"]) == {"ear-table:ccl:7A994:row:1", "ear-table:chart:JP"}
    assert [(c["column"], c["marked"]) for c in data["chart_cells"]] == [("AT 1", False)]
    assert "checked by the other rules" in data["reasons"][0]  # says what else was checked


def test_hong_kong_3a991_reads_chinas_row():
    data = check("--destination", "Hong Kong", "--classification", "3A991", "--end-use", "civil")
    assert data["facts"]["destination"] == "HK"
    assert data["rule_ids"][0] == "ear-table:direction:HK"
    assert "ear-table:chart:CN" in data["rule_ids"]
    assert {c["destination"] for c in data["chart_cells"]} == {"China"}
    assert "ear-table:direction:HK" in data["unverified"]  # 85 FR 83788 is not in ../shared
    assert any("Hong Kong (read as China)" in r for r in data["reasons"])


def test_hong_kong_is_china_for_every_layer():
    """§ 744.21 names China: a military end use in Hong Kong is caught, never cleared."""
    assert verdict("HK", "7A994", "military").status == "license_required"
    assert verdict("HK", "USML XI", None).status == "prohibited"  # China's § 126.1 value


# ----------------------------------------------------------------- destinations


def test_every_chart_destination_is_covered_and_unknown_places_are_not():
    tables = load_tables()
    codes = covered(load_rulebook())
    assert set(tables.destinations) <= codes and len(tables.destinations) == 201
    assert "PS" not in codes and "GL" not in codes
    assert place("LI").code == "CH" and place("HK").code == "CN" and place("MO").code == "MO"
    v = verdict("PS", "7A994")
    assert v.status == "cannot_determine" and not v.rule_ids
    assert "no row in the Commerce Country Chart" in v.reasons[0]


@pytest.mark.parametrize("typed,code", [("Korea, South", "KR"), ("Burma", "MM"),
                                        ("Congo (Democratic Republic of the)", "CD"),
                                        ("VN", "VN"), ("Vietnamese", "VN"), ("Macau", "MO")])
def test_chart_names_codes_and_demonyms_resolve(typed, code):
    result = CliRunner().invoke(cli, ["check", "--json", "-d", typed, "-c", "7A994",
                                      "--end-use", "civil", "--as-of", TODAY])
    data = json.loads(result.output)
    assert data["facts"]["destination"] == code
    assert data["status"] in ("no_license_required", "depends", "license_required")


# ----------------------------------------------------------------- the layer's kinds of rows


def test_paragraph_rows_branch_when_only_the_eccn_is_known():
    v = verdict("CN", "3A090")
    assert v.status == "depends" and v.missing_facts == ("classification",)
    assert sum(r.startswith("If the item is one this row covers") for r in v.reasons) == 3
    assert verdict("CN", "3A090.b").status == "license_required"


def test_group_sentence_excludes_a5_a6_but_not_a_named_destination():
    israel = verdict("IL", "3A001.z.1.b")  # D:4, but also A:6: excluded
    row5 = {t.rule_id: t for t in israel.trace}.get("ear-table:ccl:3A001:row:5")
    assert row5 is None or row5.value["outcome"] == "not_required"
    assert determine("3A001.z.1.b", "IL").rows[4].outcome == "not_required"
    uae = verdict("AE", "3A001.z.1.b")
    assert uae.status == "license_required" and "ear-table:ccl:3A001:row:5" in uae.rule_ids


def test_pointer_and_footnote_rows_are_depends_with_what_to_check():
    ua = verdict("UA", "EAR99")
    assert ua.status == "depends" and "ear-table:footnote:9" in ua.rule_ids
    assert any("§ 746.6" in r for r in ua.reasons)
    assert verdict("IN", "6A003.b.4.b").status == "license_required"  # footnote 7


def test_no_clear_verdict_where_an_applicable_x_exists():
    """Sampled here (every pair is the property test's): a covering row with an X for the
    destination's row is never cleared by the engine."""
    tables = load_tables()
    for eccn in ("3A001", "5A002", "9A610", "0A501", "6A003", "1C351", "7A994", "9A515"):
        for code in ("DE", "VN", "IN", "GB", "CA", "AE", "JP", "BR", "HK", "LI"):
            det = determine(eccn, code, tables)
            v = verdict(code, eccn)
            if det.required:
                assert v.status not in ("no_license_required", "depends"), (eccn, code)


# ----------------------------------------------------------------- 600 series, ITAR, dates


def test_600_series_as_the_entry_says():
    assert verdict("DE", "9A610.a").status == "license_required"
    assert verdict("GB", "9A610.a").status == "no_license_required"  # no NS 1 / RS 1 X
    assert verdict("DE", "9A610.y").status == "no_license_required"
    assert verdict("CN", "9A610.y").status == "prohibited"  # D:5 (§ 126.1 policy)
    assert verdict("LY", "9A515.a").status == "prohibited"


def test_usml_to_a_d5_destination_is_denied_via_the_note_to_d5():
    v = verdict("LY", "USML XI", None)
    assert v.status == "prohibited"
    assert {"ear-table:groups:LY", "ear.d5.note"} <= set(v.rule_ids)


def test_cambodias_dated_history_is_unchanged():
    assert verdict("KH", "USML XI", None, "2023-03-01").status == "prohibited"
    assert verdict("KH", "USML XI", None, "2025-11-08").status == "license_required"
    assert verdict("KH", "9A610.x", "civil", "2023-03-01").status == "prohibited"


def test_before_the_tables_date_nothing_unrecorded_is_cleared():
    old = verdict("FR", "7A994", "civil", "2025-06-01")
    assert old.status == "cannot_determine"
    assert "2026-07-23" in " ".join(old.reasons)
    assert verdict("FR", "EAR99", "civil", "2025-06-01").status == "cannot_determine"
    assert verdict("DE", "USML XI", None, "2025-06-01").status == "license_required"
    # the rulebook's dated values still decide for the destinations it holds
    assert verdict("KH", "7A994", "civil", "2025-06-01").status == "no_license_required"


# ----------------------------------------------------------------- evidence


@pytest.mark.parametrize("dest,cls", [("VN", "3A001"), ("HK", "3A991"), ("UA", "EAR99"),
                                      ("CN", "3A090.b"), ("LY", "USML XI"), ("DE", "5A002")])
def test_every_table_quote_re_renders_from_the_shipped_snapshot(dest, cls):
    v = verdict(dest, cls, "civil" if not cls.startswith("USML") else None)
    table_rows = [t for t in v.trace if t.rule_id.startswith("ear-table:")
                  and not t.rule_id.startswith("ear-table:direction:")]
    assert table_rows
    for entry in table_rows:
        assert verify_dataset_citation(entry.rule_id, entry.quote), entry.rule_id
    cites = verdict_table_citations(v)
    assert cites and all(verify_dataset_citation(c.key, c.quote) for c in cites)
    assert not any(verify_dataset_citation(c.key, c.quote + " ") for c in cites)


def test_a_chart_quote_of_another_country_does_not_verify():
    tables = load_tables()
    from bot.rules.datasets.evidence import render_chart_row

    assert not verify_dataset_citation("ear-table:chart:VN",
                                       render_chart_row(tables.destinations["KH"], tables))


# ----------------------------------------------------------------- regbot rules matrix


def test_rules_matrix_json_csv_and_errors():
    runner = CliRunner()
    out = runner.invoke(cli, ["rules", "matrix", "-c", "5A002", "--end-use", "civil",
                              "--as-of", TODAY, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    rows = {r["code"]: r for r in data["destinations"]}
    assert len(rows) == 201 and sum(data["counts"].values()) == 201
    assert rows["DE"]["status"] == "license_required" and rows["DE"]["procedure"] == "required"
    assert rows["CU"]["status"] == "prohibited" and rows["CU"]["procedure"] == "see_other_part"
    assert rows["HK"]["rule_ids"][0] == "ear-table:direction:HK"
    text = runner.invoke(cli, ["rules", "matrix", "-c", "5A002", "--end-use", "civil",
                               "--as-of", TODAY, "--csv"]).output
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 201 and {p["code"]: p["status"] for p in parsed} == \
        {c: r["status"] for c, r in rows.items()}
    bad = runner.invoke(cli, ["rules", "matrix", "-c", "5A999", "--json"])
    assert bad.exit_code == 1 and json.loads(bad.output)["exit_code"] == 1
    assert "Traceback" not in bad.output
    both = runner.invoke(cli, ["rules", "matrix", "-c", "5A002", "--csv", "--json"])
    assert both.exit_code == 2
