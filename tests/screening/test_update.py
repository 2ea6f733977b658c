"""`regbot screening update FILE` / `info`: a newer list in trade.gov JSON or CSV (or our JSON
lines) is checked and switched in atomically; a malformed or empty file leaves the old one."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from bot.cli import cli

CSV_COLUMNS = ("_id,source,entity_number,type,programs,name,title,addresses,"
               "federal_register_notice,start_date,end_date,standard_order,license_requirement,"
               "license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,"
               "vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,"
               "dates_of_birth,nationalities,places_of_birth,source_information_url,ids").split(",")
NEW_NAME = "Zyxwv Quantum Optics Research Bureau"  # not on the 2026-07-31 list


def _api_result(row: dict) -> dict:
    """One entry in trade.gov's CSL API / bulk JSON shape."""
    return {"id": f"x{abs(hash(row['name'])) % 10**8}", "name": row["name"],
            "alt_names": row["alt_names"], "source": row["list"], "type": row["type"],
            "entity_number": row["entity_number"], "programs": (row["programs"] or "").split("; ")
            if row["programs"] else [], "addresses": [
                {"address": "1 Example Road", "city": "X", "country": c} for c in row["countries"]],
            "license_requirement": row["license_requirement"],
            "license_policy": row["license_policy"],
            "federal_register_notice": row["federal_register_notice"],
            "source_list_url": row["source_list_url"], "start_date": None, "remarks": None}


@pytest.fixture(scope="module")
def newer_rows(csl_rows) -> list[dict]:
    """A 'newer' list: the first 2,000 real entries plus one new Entity List entry."""
    new = {"name": NEW_NAME, "alt_names": ["ZQORB"], "list": "Entity List (EL) - Bureau of "
           "Industry and Security", "type": None, "countries": ["KH"], "entity_number": None,
           "license_requirement": "For all items subject to the EAR.",
           "license_policy": "Presumption of denial.", "programs": None,
           "federal_register_notice": "91 FR 12345", "source_list_url": None}
    return csl_rows[:2000] + [new]


def _write_api_json(path, rows, last_updated="2026-08-14T09:00:00"):
    doc = {"total": len(rows), "sources_used": [
        {"source": "Entity List (EL) - Bureau of Industry and Security",
         "source_last_updated": last_updated, "import_rate": "Hourly"}],
        "results": [_api_result(r) for r in rows]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _write_csv(path, rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for i, r in enumerate(rows):
        writer.writerow({
            "_id": i, "source": r["list"], "entity_number": r["entity_number"] or "",
            "type": r["type"] or "", "programs": r["programs"] or "", "name": r["name"],
            "addresses": "; ".join(f"1 Example Road, Town, {c}" for c in r["countries"]),
            "federal_register_notice": r["federal_register_notice"] or "",
            "license_requirement": r["license_requirement"] or "",
            "license_policy": r["license_policy"] or "",
            "source_list_url": r["source_list_url"] or "",
            "alt_names": "; ".join(r["alt_names"])})
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _info() -> dict:
    result = _run("screening", "info", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_info_shows_the_shipped_list():
    info = _info()
    assert info["origin"] == "shipped" and info["list_date"] == "2026-07-31"
    assert info["entries"] == 25_921 and len(info["sha256"]) == 64
    assert info["counts"]["Military End User (MEU) List - Bureau of Industry and Security"] == 70
    human = _run("screening", "info")
    assert "2026-07-31" in human.output and "shipped snapshot" in human.output


def test_update_from_trade_gov_json_switches_the_list(tmp_path, newer_rows):
    path = _write_api_json(tmp_path / "consolidated.json", newer_rows)
    result = _run("screening", "update", str(path))
    assert result.exit_code == 0, result.output
    assert "2026-08-14" in result.output
    info = _info()
    assert info["origin"] == "update" and info["list_date"] == "2026-08-14"
    assert info["entries"] == 2001
    hit = json.loads(_run("screen", NEW_NAME, "--json").output)
    assert hit["list_date"] == "2026-08-14"
    assert hit["hits"][0]["name"] == NEW_NAME and hit["hits"][0]["countries"] == ["KH"]
    assert hit["hits"][0]["license_policy"] == "Presumption of denial."


def test_update_from_trade_gov_csv(tmp_path, newer_rows):
    path = _write_csv(tmp_path / "consolidated.csv", newer_rows)
    result = _run("screening", "update", str(path), "--list-date", "2026-08-21")
    assert result.exit_code == 0, result.output
    info = _info()
    assert info["list_date"] == "2026-08-21" and info["entries"] == 2001
    out = json.loads(_run("screen", "ZQORB", "--json").output)
    assert out["hits"][0]["name"] == NEW_NAME and out["hits"][0]["alt_names"] == ["ZQORB"]
    assert out["hits"][0]["countries"] == ["KH"]


@pytest.mark.parametrize("content, reason", [
    ("", "is empty"),
    ("   \n\n", "is empty"),
    ('{"results": [', "not valid JSON"),
    ('{"results": []}', "no entries"),
    ('{"name": "A", "list": "Entity List (EL)"}\n{"name": ', "line 2 is not JSON"),
    ("name,list\nA,B\n", "missing columns"),
    ("\x00\x01\x02binary", "missing columns"),
])
def test_malformed_or_empty_update_keeps_the_old_list(tmp_path, content, reason, newer_rows):
    good = _write_api_json(tmp_path / "good.json", newer_rows)
    assert _run("screening", "update", str(good)).exit_code == 0
    before = _info()
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["screening", "update", str(bad)])
    assert result.exit_code == 1, result.output
    assert reason in result.output and "active list is unchanged (update, 2026-08-14)" in \
        result.output
    assert "Traceback" not in result.output
    assert _info() == before


def test_a_fragment_of_a_list_is_refused(tmp_path, csl_rows):
    from bot.screening.formats import MIN_ENTRIES

    path = tmp_path / "few.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in csl_rows[:MIN_ENTRIES - 1]))
    result = CliRunner().invoke(cli, ["screening", "update", str(path)])
    assert result.exit_code == 1 and "only 99 entries" in result.output
    assert _info()["origin"] == "shipped"


def test_missing_file_and_bad_date_are_rejected(tmp_path, newer_rows):
    result = CliRunner().invoke(cli, ["screening", "update", str(tmp_path / "nope.json")])
    assert result.exit_code == 1 and "no such file" in result.output
    good = _write_api_json(tmp_path / "good.json", newer_rows)
    result = CliRunner().invoke(cli, ["screening", "update", str(good), "--list-date", "Aug 1"])
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output


def test_update_from_our_jsonl(tmp_path, newer_rows):
    path = tmp_path / "csl.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in newer_rows), encoding="utf-8")
    result = _run("screening", "update", str(path), "--list-date", "2026-09-01", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["list_date"] == "2026-09-01"
    assert _info()["entries"] == 2001


def test_switch_is_atomic_pointer_rename(tmp_path, regbot_home, newer_rows):
    """The pointer is replaced whole: no temp files left, and it names the stored list."""
    path = _write_api_json(tmp_path / "c.json", newer_rows)
    assert _run("screening", "update", str(path)).exit_code == 0
    folder = regbot_home / "screening"
    pointer = json.loads((folder / "current.json").read_text())
    assert (folder / pointer["dir"] / "csl.jsonl.gz").is_file()
    assert not list(folder.rglob("*.tmp"))


def test_damaged_update_is_exit_3_with_the_way_out(tmp_path, regbot_home, newer_rows):
    path = _write_api_json(tmp_path / "c.json", newer_rows)
    assert _run("screening", "update", str(path)).exit_code == 0
    pointer = regbot_home / "screening" / "current.json"
    target = regbot_home / "screening" / json.loads(pointer.read_text())["dir"] / "csl.jsonl.gz"
    target.write_bytes(b"not gzip")
    result = CliRunner().invoke(cli, ["screen", "Acme", "--json"])
    assert result.exit_code == 3 and "damaged" in result.output
    pointer.write_text("{broken")
    result = CliRunner().invoke(cli, ["screening", "info"])
    assert result.exit_code == 3 and f"delete {pointer}" in result.output.replace("\n", "")
