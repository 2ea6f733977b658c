"""`regbot rules audit`: every rule value with its interval, citation, source, verified flag and
whether its quote is found verbatim; exit 1 on any problem (issue 11 pt 4)."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from bot.cli import cli
from bot.rules.loader import RULEBOOK_DIR
from regbot_paths import SHARED


def _audit(*args: str):
    result = CliRunner().invoke(cli, ["rules", "audit", "--json", "--shared", str(SHARED), *args])
    return result.exit_code, json.loads(result.output)


def test_the_packaged_rulebook_passes_the_audit():
    code, data = _audit()
    assert code == 0 and data["ok"] and data["problems"] == [], data["problems"]
    rows = data["values"]
    assert len(rows) == data["counts"]["values"] >= 80
    assert set(rows[0]) == {"rule_id", "from", "until", "value", "citation", "source", "verified",
                            "quote_found", "primary", "note", "problems"}
    by_id = {(r["rule_id"], r["from"]): r for r in rows}
    demining = by_id[("itar.126_1.KH", "2021-12-09")]
    assert demining["until"] == "2025-11-06" and demining["verified"] and demining["quote_found"]
    assert by_id[("itar.licence_requirement", "2000-01-01")]["source"] == \
        "scale/cfr-2025-01/title-22/chapter-I.md"
    for row in rows:  # every unverified value says what is missing; every verified one is primary
        assert row["verified"] or row["note"], row["rule_id"]
        assert not row["verified"] or row["primary"] in (True, None), row["rule_id"]


def _copy(tmp_path):
    book = tmp_path / "rulebook"
    shutil.copytree(RULEBOOK_DIR, book)
    return book


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_quote_not_found_fails(tmp_path):
    book = _copy(tmp_path)
    _edit(book / "itar.yaml", "in furtherance of conventional weapons destruction",
          "in furtherance of conventional weapon destruction")
    code, data = _audit("--rulebook", str(book))
    assert code == 1 and not data["ok"]
    assert any("itar.126_1.KH: quote not found verbatim" in p for p in data["problems"])


def test_a_gap_between_values_fails(tmp_path):
    book = _copy(tmp_path)
    _edit(book / "itar.yaml", "until: 2025-11-06", "until: 2025-11-01")
    code, data = _audit("--rulebook", str(book))
    assert code == 1
    assert any("itar.126_1.KH: gap between 2025-11-01 and 2025-11-07" in p for p in data["problems"])


def test_verified_commentary_and_silent_unverified_values_fail(tmp_path):
    book = _copy(tmp_path)
    _edit(book / "itar.yaml", '        verified: false\n        note: "missing: the § 126.1(d) '
          'tables (dropped from the corpus and ../shared/scale); the\n          quote is a law '
          'firm\'s commentary, not primary text."', "        verified: true")  # China: commentary
    _edit(book / "itar.yaml", 'note: "missing: the § 126.1(d)(1) country table; the corpus text '
          'and the CFR conversion in\n          ../shared/scale both drop it (only its heading is '
          'quoted)."', 'note: ""')
    code, data = _audit("--rulebook", str(book))
    assert code == 1
    problems = "\n".join(data["problems"])
    assert "itar.126_1.CN: marked verified but its source 2026-02_fenwick" in problems
    assert "itar.126_1.BY: unverified without a note saying what is missing" in problems


def test_text_output_and_a_missing_shared_folder(tmp_path):
    result = CliRunner().invoke(cli, ["rules", "audit", "--shared", str(SHARED)])
    assert result.exit_code == 0 and "audit: ok" in result.output
    assert "UNVERIFIED" in result.output and "note: missing:" in result.output
    bad = CliRunner().invoke(cli, ["rules", "audit", "--json", "--shared", str(tmp_path)])
    assert bad.exit_code == 2
    assert json.loads(bad.output)["exit_code"] == 2
