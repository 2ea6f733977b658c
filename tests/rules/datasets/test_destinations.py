"""Every destination of the Commerce Country Chart, by every name, and the places that are
not in it."""
from __future__ import annotations

import json
from datetime import date

import pytest

from bot.rules.countries import find_countries, resolve_country
from bot.rules.datasets import Destination, NotInChart, load_tables, resolve_destination
from regbot_paths import SHARED

RAW_CHART = json.loads((SHARED / "ear" / "country-chart.json").read_text(encoding="utf-8"))
RAW_GROUPS = json.loads((SHARED / "ear" / "country-groups.json").read_text(encoding="utf-8"))
TABLE_NAMES = list(RAW_CHART["rows"]) + list(RAW_CHART["see_other_part"])


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def test_all_196_rows_and_the_four_see_part_746_rows(tables):
    rows = [d for d in tables.destinations.values() if d.kind == "row"]
    see = [d for d in tables.destinations.values() if d.kind == "see_other_part"]
    assert len(RAW_CHART["rows"]) == len(rows) == 196
    assert sorted(d.name for d in see) == ["Cuba", "Iran", "Korea, North", "Syria"]
    assert {d.code for d in see} == {"CU", "IR", "KP", "SY"}
    for d in rows:  # marks and footnotes exactly as the raw table prints them
        raw = RAW_CHART["rows"][d.name]
        assert set(d.x) == set(raw["x"]) and list(d.footnotes) == sorted(raw["footnotes"])
    for d in see:
        assert d.see_other_part == RAW_CHART["see_other_part"][d.name] and not d.x
    codes = [d.code for d in rows + see]
    assert len(set(codes)) == 200 and all(len(c) == 2 and c.isupper() for c in codes)


@pytest.mark.parametrize("name,code", [
    ("Korea, South", "KR"), ("Korea, North", "KP"), ("Burma", "MM"), ("Türkiye", "TR"),
    ("Congo (Democratic Republic of the)", "CD"), ("Congo (Republic of the)", "CG"),
    ("Bahamas, The", "BS"), ("Gambia, The", "GM"), ("Micronesia (Federated State of)", "FM"),
    ("South Sudan, Republic of", "SS"), ("Seycheles", "SC"), ("Curaçao", "CW"),
    ("Sint Maarten (the Dutch two-fifths of the island of Saint Martin)", "SX"),
    ("Macau", "MO"), ("Taiwan", "TW"), ("Kosovo", "XK"), ("Vatican City", "VA"),
    ("Western Sahara", "EH"), ("Eswatini", "SZ"), ("Cape Verde", "CV"),
])
def test_names_as_the_table_writes_them(tables, name, code):
    found = resolve_destination(name, tables)
    assert isinstance(found, Destination) and (found.code, found.name) == (code, name)


@pytest.mark.parametrize("typed,code", [
    ("South Korea", "KR"), ("North Korea", "KP"), ("DPRK", "KP"), ("Myanmar", "MM"),
    ("Turkey", "TR"), ("DRC", "CD"), ("Ivory Coast", "CI"), ("Emirati", "AE"), ("UAE", "AE"),
    ("Vietnamese", "VN"), ("Viet Nam", "VN"), ("Czechia", "CZ"), ("Swaziland", "SZ"),
    ("Cabo Verde", "CV"), ("Holy See", "VA"), ("Macao", "MO"), ("vn", "VN"), ("de", "DE"),
    ("Aruban", "AW"), ("Curacao", "CW"),
])
def test_common_names_demonyms_and_codes(tables, typed, code):
    assert resolve_destination(typed, tables).code == code


def test_every_row_is_recognised_in_a_question_by_its_table_name_and_its_display_name():
    for name in TABLE_NAMES:
        matches = find_countries(f"Can we sell 7A994 avionics to {name} next month?")
        assert matches and matches[-1].text == name, name
        code = matches[-1].code
        display = resolve_country(code).name
        assert [m.code for m in find_countries(f"Can we ship to {display}?")] == [code]


def test_the_chart_names_no_longer_resolve_to_a_neighbour():
    """Before the table spellings were added, "Korea, North" read as South Korea."""
    from bot.rules.facts import extract_facts

    facts = extract_facts("Can we export 3A001 to Korea, North?", date(2026, 8, 1))
    assert facts.destination == "KP"
    facts = extract_facts("Can we export 3A001 to Congo (Democratic Republic of the)?",
                          date(2026, 8, 1))
    assert facts.destination == "CD"


def test_hong_kong_reads_chinas_row_with_a_cited_direction(tables):
    hk = resolve_destination("Hong Kong", tables)
    assert hk.kind == "directed" and hk.directive.to == "CN" and not hk.x
    ref = hk.directive.reference
    assert "85 FR 83788" in ref.citation and not ref.verified and ref.note
    assert tables.row_for(hk).name == "China"


def test_liechtenstein_follows_switzerland_by_footnote_5(tables):
    li = resolve_destination("Liechtenstein", tables)
    assert li.kind == "row" and 5 in li.footnotes and li.directive.to == "CH"
    assert li.directive.reference.quote == tables.footnotes[5].text
    assert tables.row_for(li).name == "Switzerland"


def test_macau_is_its_own_row(tables):
    mo = resolve_destination("Macau", tables)
    assert mo.kind == "row" and mo.directive is None and tables.row_for(mo) is mo


@pytest.mark.parametrize("typed,code", [("Palestine", "PS"), ("Greenland", "GL"),
                                        ("Gibraltar", "GI"), ("United States", "US"),
                                        ("Wakanda", None), ("ZZ", None), ("", None)])
def test_a_place_with_no_row_is_not_in_the_chart(tables, typed, code):
    found = resolve_destination(typed, tables)
    assert isinstance(found, NotInChart) and found.code == code and found.reason


def test_every_country_group_member_maps_to_a_chart_destination(tables):
    for group, names in RAW_GROUPS["groups"].items():
        codes = tables.groups[group]
        assert len(codes) == len(set(names)), group
        assert tables.group_names[group] == tuple(names)
        for name in names:
            code = resolve_country(name).code
            assert code in codes, (group, name)
            # every member is a chart destination, except the exporting country itself
            assert code in tables.destinations or code == "US", (group, name)
    assert "KH" in tables.groups["D:1"] and "KH" not in tables.groups["D:5"]
    assert tables.groups["E:1"] == {"IR", "KP", "SY"} and tables.groups["E:2"] == {"CU"}


def test_footnotes_are_verbatim_and_classified(tables):
    assert sorted(tables.footnotes) == list(range(1, 11))
    for n, note in tables.footnotes.items():
        assert note.text == RAW_CHART["footnotes"][str(n)]
        assert note.quote in note.text and note.question
        assert all(t.eccn in tables.entries for t in note.targets)
    kinds = {n: (f.kind, f.effect) for n, f in tables.footnotes.items()}
    assert kinds[1] == ("un_sanctions", "check") and kinds[5][1] == "directs"
    assert kinds[7] == ("india_rs2", "requires") and tables.footnotes[7].column == "RS 2"
    assert kinds[10] == ("firearms", "requires") and kinds[6][0] == "russia_belarus"
    assert {t.eccn for t in tables.footnotes[7].targets} == {"6A003", "9A515"}
    assert {t.eccn for t in tables.footnotes[3].targets} == {"0A919"}
    assert len(tables.footnotes[10].targets) == 13
