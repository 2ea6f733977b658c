"""`regbot rules info [--json]`: what the shipped snapshot holds; exit codes per TEAM.md."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

from click.testing import CliRunner

from bot.cli import cli
from bot.rules.datasets import load
from regbot_paths import REPO


def test_info_json_reports_date_hashes_and_counts():
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "rules", "info", "--json"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ecfr_date"] == "2026-07-23" and data["snapshots"] == ["2026-07-23"]
    assert "Commerce Country Chart" in data["source"]
    assert all(len(h) == 64 for h in data["inputs"].values())
    assert {"ear/country-chart.json", "ear/country-groups.json", "ear/ccl.jsonl"} <= \
        set(data["inputs"])
    counts = data["counts"]
    assert counts["destinations_by_kind"] == {"directed": 1, "row": 196, "see_other_part": 4}
    assert counts["directed"] == {"HK": "CN", "LI": "CH"}
    assert counts["columns"] == 16 and counts["eccns"] == 633 and counts["footnotes"] == 10
    assert len(counts["groups"]) == 14 and counts["groups"]["E:1"] == 3
    assert counts["license_requirement_rows"] == sum(counts["rows_by_kind"].values()) == 1536
    assert data["footnotes"]["7"] == {"kind": "india_rs2", "effect": "requires",
                                      "applies_to": "targets", "eccns": ["6A003", "9A515"],
                                      "destinations": ["IN"]}
    assert data["footnotes"]["6"]["destinations"] == ["BY", "RU"]
    prov = json.loads((load.DATA / "2026-07-23" / "provenance.json").read_text())
    assert counts["eccns_without_license_table"] == prov["counts"]["eccns.without_license_table"]


def test_info_text():
    result = CliRunner().invoke(cli, ["rules", "info"])
    assert result.exit_code == 0, result.output
    assert "EAR tables as of 2026-07-23" in result.output and "ECCNs: 633" in result.output
    assert "ear/ccl.jsonl" in result.output


def test_a_missing_or_broken_snapshot_exits_3(tmp_path, monkeypatch):
    broken = tmp_path / "ear" / "2026-07-23"
    shutil.copytree(load.DATA / "2026-07-23", broken)
    (broken / "ccl.jsonl").write_text("{not json\n")
    monkeypatch.setattr(load, "DATA", tmp_path / "ear")
    load.load_tables.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["rules", "info", "--json"])
        assert result.exit_code == 3 and "cannot read" in result.output
        assert "Traceback" not in result.output
        shutil.rmtree(tmp_path / "ear")
        result = CliRunner().invoke(cli, ["rules", "info"])
        assert result.exit_code == 3 and "no EAR tables snapshot" in result.output
    finally:
        load.load_tables.cache_clear()


def test_usage_errors_exit_2():
    assert CliRunner().invoke(cli, ["rules", "info", "--bogus"]).exit_code == 2
    assert CliRunner().invoke(cli, ["rules", "nonsense"]).exit_code == 2
