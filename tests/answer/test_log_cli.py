"""`regbot log`, `--csv`, `--json`, `--since` and `regbot log verify` through the real CLI."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date

from click.testing import CliRunner

from bot import decision_log as dl
from bot.cli import cli
from bot.records import Answer, Facts, Verdict
from bot.settings import Settings


def _seed(n: int = 2) -> Settings:
    settings = Settings()
    facts = Facts(as_of=date(2026, 1, 1), destination="KH", item="avionics")
    for i in range(n):
        answer = Answer(question=f"q{i}", as_of=facts.as_of, facts=facts,
                        verdict=Verdict(status="depends"))
        dl.log_answer(answer, front_end="cli", user_id=None, settings=settings,
                      rulebook_version="rb", index_name="ix")
    return settings


def test_log_formats():
    _seed()
    runner = CliRunner()
    rows = json.loads(runner.invoke(cli, ["log", "--json"]).output)
    assert [r["question"] for r in rows] == ["q0", "q1"] and rows[0]["status"] == "depends"
    out = runner.invoke(cli, ["log", "--csv"]).output
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in table] == ["1", "2"] and json.loads(table[0]["facts"])["destination"] == "KH"
    assert set(dl.read_rows()[0]) == set(table[0]), "CSV drops logged columns"
    human = runner.invoke(cli, ["log"])
    assert human.exit_code == 0 and "q1" in human.output
    assert json.loads(runner.invoke(cli, ["log", "--json", "--since", "2999-01-01"]).output) == []
    bad = runner.invoke(cli, ["log", "--since", "yesterday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_log_verify_exit_codes():
    settings = _seed(3)
    runner = CliRunner()
    ok = runner.invoke(cli, ["log", "verify"])
    assert ok.exit_code == 0 and "3 row(s)" in ok.output
    conn = sqlite3.connect(settings.decision_log_path)
    conn.execute("DROP TRIGGER decisions_no_update")
    conn.execute("UPDATE decisions SET question = 'edited' WHERE id = 2")
    conn.commit()
    conn.close()
    broken = runner.invoke(cli, ["log", "verify"])
    assert broken.exit_code == 1 and "row 2" in broken.output


def test_empty_log():
    result = CliRunner().invoke(cli, ["log"])
    assert result.exit_code == 0 and "empty" in result.output
    assert CliRunner().invoke(cli, ["log", "verify"]).exit_code == 0


def test_bad_configuration_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("REGBOT_SEARCH_K", "many")
    for args in (["log"], ["log", "verify"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "bad configuration" in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
