"""Decision log: chained rows, append-only, tamper detection, no secrets, feedback."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from bot import decision_log as dl
from bot.records import Answer, Citation, Facts, Verdict
from bot.settings import Settings


def _answer(question: str = "Can we sell avionics to Cambodia?") -> Answer:
    facts = Facts(as_of=date(2026, 11, 27), destination="KH", item="avionics")
    verdict = Verdict(status="depends", reasons=("turns on the item",), rule_ids=("itar.kh",))
    cite = Citation(key="k1", source="a.md", locator="§ 1", citation="1 CFR 1", quote="q")
    return Answer(question=question, as_of=facts.as_of, facts=facts, verdict=verdict,
                  citations=(cite,), text="Depends.", timings_ms={"total": 1.0})


def _log(settings: Settings, n: int = 3) -> list[int]:
    return [dl.log_answer(_answer(f"question {i}"), front_end="cli", user_id=None,
                          settings=settings, rulebook_version="rb1", index_name="ix")
            for i in range(n)]


@pytest.fixture
def settings(regbot_home) -> Settings:
    return Settings(home=regbot_home)


def test_rows_are_chained_and_verify(settings):
    ids = _log(settings)
    assert ids == [1, 2, 3]
    rows = dl.read_rows(settings=settings)
    assert [r["question"] for r in rows] == ["question 0", "question 1", "question 2"]
    assert rows[0]["prev_hash"] == dl.GENESIS
    assert rows[1]["prev_hash"] == rows[0]["row_hash"]
    assert rows[0]["facts"]["destination"] == "KH"
    assert rows[0]["citation_keys"] == ["k1"]
    assert rows[0]["settings_hash"] == settings.settings_hash()
    report = dl.verify(settings)
    assert report.ok and report.rows == 3 and report.keyed_rows == 3 and not report.notes
    assert dl.schema_version(settings.decision_log_path) == len(dl.MIGRATIONS)


def test_update_and_delete_are_refused(settings):
    _log(settings, 1)
    conn = sqlite3.connect(settings.decision_log_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE decisions SET status = 'no_license_required'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM decisions")
    conn.close()


def _tamper(settings: Settings, sql: str) -> None:
    conn = sqlite3.connect(settings.decision_log_path)
    conn.execute("DROP TRIGGER decisions_no_update")
    conn.execute("DROP TRIGGER decisions_no_delete")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_verify_detects_edited_row(settings):
    _log(settings)
    _tamper(settings, "UPDATE decisions SET status = 'no_license_required' WHERE id = 2")
    report = dl.verify(settings)
    assert not report.ok and report.broken_at == 2 and "changed" in report.reason


def test_verify_detects_deleted_middle_row(settings):
    _log(settings)
    _tamper(settings, "DELETE FROM decisions WHERE id = 2")
    report = dl.verify(settings)
    assert not report.ok and report.broken_at == 2


def test_verify_detects_deleted_last_row(settings):
    _log(settings)
    _tamper(settings, "DELETE FROM decisions WHERE id = 3")
    report = dl.verify(settings)
    assert not report.ok and report.broken_at == 3


def test_feedback_is_its_own_chained_row(settings):
    (answer_id,) = _log(settings, 1)
    fid = dl.record_feedback(answer_id, user_id="U1", value="down", front_end="slack",
                             settings=settings)
    rows = dl.read_rows(settings=settings)
    assert fid == 2 and rows[1]["kind"] == "feedback" and rows[1]["ref_id"] == answer_id
    assert rows[1]["value"] == "down" and rows[1]["user_id"] == "U1"
    assert dl.verify(settings).ok
    with pytest.raises(ValueError):
        dl.record_feedback(answer_id, user_id="U1", value="meh", front_end="slack",
                           settings=settings)
    with pytest.raises(dl.DecisionLogError):
        dl.record_feedback(99, user_id="U1", value="up", front_end="slack", settings=settings)


def test_secrets_never_reach_the_log(monkeypatch, regbot_home):
    token, key = "xoxb-1234-SECRET-token", "sk-SECRETKEY-5678"
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("REGBOT_LLM_API_KEY", key)
    settings = Settings()
    assert settings.llm_api_key.get_secret_value() == key
    dl.log_answer(_answer(f"my token is {token} and key {key}"), front_end="slack",
                  user_id="U1", settings=settings, rulebook_version="rb", index_name="ix",
                  prompt=f"system prompt with {key}")
    blob = settings.decision_log_path.read_bytes()
    for wal in settings.decision_log_path.parent.glob("decisions.sqlite-*"):
        blob += wal.read_bytes()
    assert token.encode() not in blob and key.encode() not in blob
    assert b"SECRET" not in blob
    assert dl.read_rows(settings=settings)[0]["question"].count(dl.REDACTED) == 2


def test_since_filters_rows(settings):
    _log(settings, 2)
    assert len(dl.read_rows(since=date(2000, 1, 1), settings=settings)) == 2
    assert dl.read_rows(since=date(2999, 1, 1), settings=settings) == []


def test_corrupt_log_is_a_clear_error(settings):
    settings.decision_log_path.parent.mkdir(parents=True, exist_ok=True)
    settings.decision_log_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(dl.DecisionLogError, match="cannot open decision log"):
        dl.verify(settings)


def _append_many(home: str, n: int) -> None:
    settings = Settings(home=home)
    for i in range(n):
        dl.log_answer(_answer(f"p{i}"), front_end="slack", user_id=None, settings=settings,
                      rulebook_version="rb", index_name="ix")


def test_concurrent_writers_keep_one_chain(settings):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(settings.home), 15)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    report = dl.verify(settings)
    assert report.ok and report.rows == report.keyed_rows == 45, report
