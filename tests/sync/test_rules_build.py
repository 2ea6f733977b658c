"""`regbot rules build DIR`: a newer snapshot, what changed, older snapshots kept by date."""
from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from regbot_paths import SHARED

from bot.cli import cli
from bot.rules.datasets import load


def _newer_ear(tmp_path):
    """../shared/ear as a later issue might print it: Cambodia back in D:5 and with an RS 1
    mark dropped, one ECCN gone, dated 2026-09-01 (built here; the shared files are untouched)."""
    out = tmp_path / "ear-2026-09-01"
    out.mkdir()
    chart = json.loads((SHARED / "ear" / "country-chart.json").read_text(encoding="utf-8"))
    groups = json.loads((SHARED / "ear" / "country-groups.json").read_text(encoding="utf-8"))
    chart["ecfr_date"] = groups["ecfr_date"] = "2026-09-01"
    chart["rows"]["Cambodia"]["x"].remove("RS 1")
    groups["groups"]["D:5"] = sorted(groups["groups"]["D:5"] + ["Cambodia"])
    (out / "country-chart.json").write_text(json.dumps(chart), encoding="utf-8")
    (out / "country-groups.json").write_text(json.dumps(groups), encoding="utf-8")
    lines = (SHARED / "ear" / "ccl.jsonl").read_text(encoding="utf-8").splitlines()
    gone = json.loads(lines[-1])["eccn"]
    (out / "ccl.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    return out, gone


def test_build_shows_what_changed_and_keeps_the_older_snapshot(tmp_path, regbot_home):
    newer, gone = _newer_ear(tmp_path)
    runner = CliRunner()
    try:
        dry = json.loads(runner.invoke(cli, ["rules", "build", str(newer), "--dry-run", "--json"]).stdout)
        assert dry["status"] == "dry_run" and "2026-09-01" not in dry["snapshots"]
        result = runner.invoke(cli, ["rules", "build", str(newer), "--json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        changes = out["changes"]
        assert out["status"] == "kept" and changes["from"] == "2026-07-23" and changes["to"] == "2026-09-01"
        assert changes["groups"] == {"D:5": {"added": ["Cambodia"], "removed": []}}
        assert changes["rows"]["changed"] == {"Cambodia": {"added": [], "removed": ["RS 1"],
                                                            "footnotes": [[], []]}}
        assert changes["eccns"]["removed"] == [gone] and not changes["eccns"]["added"]
        assert out["snapshots"] == ["2026-07-23", "2026-09-01"]
        assert (regbot_home / "tables" / "ear" / "2026-09-01" / "provenance.json").is_file()
        # an --as-of before the new date reads the table of its time
        assert "KH" not in load.load_tables(as_of=date(2026, 8, 1)).groups["D:5"]
        assert "KH" in load.load_tables(as_of=date(2026, 9, 2)).groups["D:5"]
        assert load.load_tables().ecfr_date == "2026-09-01"
        assert _engine_table(date(2026, 8, 1)) == "2026-07-23"  # the rules core reads by date
        assert _engine_table(date(2026, 9, 2)) == "2026-09-01"
        text = runner.invoke(cli, ["rules", "build", str(newer)])
        assert text.exit_code == 0 and "already kept" in text.output
        assert "Country Group D:5: +Cambodia" in text.output
        assert "2026-09-01" in runner.invoke(cli, ["rules", "info"]).output
    finally:
        load.load_tables.cache_clear()


def _engine_table(day: date) -> str:
    from bot.rules import load_rulebook
    from bot.rules.context import Context
    from bot.rules.reader import Reader

    return Context(Reader(load_rulebook(), day), "KH", "Cambodia", "5A002", None).tables.ecfr_date


def test_build_rejects_a_folder_that_is_not_a_snapshot(tmp_path):
    result = CliRunner().invoke(cli, ["rules", "build", str(tmp_path), "--json"])
    assert result.exit_code == 1 and "lacks" in json.loads(result.stdout)["error"]
    result = CliRunner().invoke(cli, ["rules", "build", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such folder" in result.output
