"""The keyed decision log against issue 14's attacks, each a real manipulation of the SQLite
file (triggers dropped, rows edited, hashes recomputed with the same sha256 code, sequence
lowered, rows forged), plus key handling, the unkeyed-log migration, checkpoints and
redaction of secrets nobody configured (checked in the database bytes)."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import date

import pytest
from click.testing import CliRunner

from bot import decision_log as dl
from bot.cli import cli
from bot.log_key import head_path, key_path, load_key
from bot.records import Answer, Facts, Verdict
from bot.settings import Settings


def _answer(question: str) -> Answer:
    facts = Facts(as_of=date(2026, 11, 27), destination="KH", item="avionics")
    return Answer(question=question, as_of=facts.as_of, facts=facts,
                  verdict=Verdict(status="license_required"), text="Licence required.")


def _log(settings: Settings, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        dl.log_answer(_answer(f"question {i}"), front_end="cli", user_id=None, settings=settings,
                      rulebook_version="rb1", index_name="ix")


@pytest.fixture
def settings(regbot_home) -> Settings:
    dl.close_all()
    return Settings(home=regbot_home)


def _db(settings: Settings) -> sqlite3.Connection:
    dl.close_all()  # the attacker works on the file, not through our connection
    conn = sqlite3.connect(settings.decision_log_path)
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER IF EXISTS decisions_no_update")
    conn.execute("DROP TRIGGER IF EXISTS decisions_no_delete")
    return conn


def _rechain(conn: sqlite3.Connection, from_id: int) -> None:
    """Recompute prev_hash/row_hash of every row from `from_id` on (no key: MACs stay)."""
    rows = [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY id")]
    prev = rows[from_id - 2]["row_hash"] if from_id > 1 else dl.GENESIS
    for row in rows[from_id - 1:]:
        row["prev_hash"] = prev
        row["row_hash"] = dl.row_hash(row)
        conn.execute("UPDATE decisions SET prev_hash = ?, row_hash = ? WHERE id = ?",
                     (row["prev_hash"], row["row_hash"], row["id"]))
        prev = row["row_hash"]
    conn.commit()


def test_attack_1_an_edit_is_detected(settings):
    _log(settings, 5)
    conn = _db(settings)
    conn.execute("UPDATE decisions SET status = 'no_license_required' WHERE id = 3")
    conn.commit()
    report = dl.verify(settings)
    assert not report.ok and report.broken_at == 3 and "changed" in report.reason


def test_attack_2_an_edit_with_all_hashes_recomputed_is_detected(settings):
    _log(settings, 5)
    conn = _db(settings)
    conn.execute("UPDATE decisions SET status = 'no_license_required' WHERE id = 3")
    _rechain(conn, 3)
    report = dl.verify(settings)
    assert not report.ok and report.broken_at == 3 and "MAC does not match" in report.reason


def _truncate(settings: Settings, keep: int) -> None:
    conn = _db(settings)
    conn.execute("DELETE FROM decisions WHERE id > ?", (keep,))
    conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'decisions'", (keep,))
    conn.commit()


def test_attack_3_truncation_with_lowered_sequence_is_detected_by_a_checkpoint(settings, tmp_path):
    _log(settings, 6)
    saved = tmp_path / "checkpoint.json"
    result = CliRunner().invoke(cli, ["log", "checkpoint"])
    assert result.exit_code == 0
    saved.write_text(result.output)
    head = json.loads(result.output)
    assert head["rows"] == 6 and head["last_id"] == 6 and len(head["mac"]) == 64
    _truncate(settings, 4)
    head_path(settings.decision_log_path).unlink()  # the attacker also removes the head record
    report = dl.verify(settings, checkpoint=json.loads(saved.read_text()))
    assert not report.ok and "truncated" in report.reason and "6 row(s)" in report.reason
    broken = CliRunner().invoke(cli, ["log", "verify", "--checkpoint", str(saved)])
    assert broken.exit_code == 1 and "truncated" in broken.output


def test_attack_4_truncation_with_lowered_sequence_is_detected_without_a_checkpoint(settings):
    _log(settings, 6)
    _truncate(settings, 4)
    report = dl.verify(settings)
    assert not report.ok and "truncated" in report.reason, report
    # an old head record put back does not help: the rows it names are gone too, and a head
    # naming row 4 cannot be forged without the key
    record = json.loads(head_path(settings.decision_log_path).read_text())
    record.update(rows=4, last_id=4)
    head_path(settings.decision_log_path).write_text(json.dumps(record))
    report = dl.verify(settings)
    assert not report.ok and "signature" in report.reason
    head_path(settings.decision_log_path).unlink()
    report = dl.verify(settings)
    assert not report.ok and "head record" in report.reason and "missing" in report.reason


def test_attack_5_an_appended_forged_row_is_detected(settings):
    _log(settings, 3)
    conn = _db(settings)
    last = dict(conn.execute("SELECT * FROM decisions ORDER BY id DESC LIMIT 1").fetchone())
    forged = dict(last, id=4, question="Can we sell rifles to Cambodia?", status="no_license_required",
                  prev_hash=last["row_hash"])
    forged["row_hash"] = dl.row_hash(forged)
    for mac in ("f" * 64, None):  # a made-up MAC, or none at all (posing as an unkeyed row)
        forged["mac"] = mac
        cols = [*dl.HASHED, "row_hash", "mac"]
        conn.execute(f"INSERT INTO decisions ({', '.join(cols)}) VALUES "
                     f"({', '.join('?' * len(cols))})", [forged[c] for c in cols])
        conn.commit()
        report = dl.verify(settings)
        assert not report.ok and report.broken_at == 4, report
        assert ("MAC does not match" if mac else "no MAC") in report.reason
        conn.execute("DELETE FROM decisions WHERE id = 4")
        conn.commit()


def test_deleting_a_middle_row_or_the_tail_is_detected(settings):
    _log(settings, 5)
    conn = _db(settings)
    conn.execute("DELETE FROM decisions WHERE id = 5")  # sequence left as it was
    conn.commit()
    report = dl.verify(settings)
    assert not report.ok and "deleted" in report.reason
    conn.execute("DELETE FROM decisions WHERE id = 2")
    conn.commit()
    assert dl.verify(settings).broken_at == 2


def test_wrong_key_fails_and_no_key_is_a_configuration_error(settings, monkeypatch):
    _log(settings, 2)
    monkeypatch.setenv("REGBOT_LOG_KEY", "another key of thirty-two chars!")
    report = dl.verify(Settings())
    assert not report.ok and "not the log's key" in report.reason
    monkeypatch.delenv("REGBOT_LOG_KEY")
    key_path(settings).unlink()
    result = CliRunner().invoke(cli, ["log", "verify"])
    assert result.exit_code == 2 and "REGBOT_LOG_KEY" in result.output


def test_key_file_is_generated_once_outside_the_database_with_0600(settings, capsys):
    path = key_path(settings)
    assert not path.exists() and path.parent == settings.home.resolve().parent
    _log(settings, 1)
    assert "generated one at" in capsys.readouterr().err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_key(settings, create=False)
    assert key.secret.hex() not in settings.decision_log_path.read_bytes().decode("latin-1")
    _log(settings, 1, start=1)
    assert "generated" not in capsys.readouterr().err  # the same key is reused, no new warning
    assert dl.verify(settings).keyed_rows == 2


def test_key_from_environment_and_configured_file(regbot_home, monkeypatch, tmp_path):
    monkeypatch.setenv("REGBOT_LOG_KEY", "short")
    with pytest.raises(dl.DecisionLogError, match="at least 16"):
        _log(Settings(), 1)
    monkeypatch.setenv("REGBOT_LOG_KEY", "k" * 40)
    _log(Settings(), 2)
    assert not key_path(Settings()).exists()  # the environment key needs no file
    assert dl.verify(Settings()).keyed_rows == 2
    monkeypatch.delenv("REGBOT_LOG_KEY")
    elsewhere = tmp_path / "vault" / "regbot.key"
    monkeypatch.setenv("REGBOT_LOG_KEY_FILE", str(elsewhere))
    monkeypatch.setenv("REGBOT_HOME", str(tmp_path / "other-home"))
    _log(Settings(), 1)
    assert elsewhere.is_file() and key_path(Settings()) == elsewhere


def _legacy_log(settings: Settings, n: int) -> None:
    """A schema-2 log as the previous release wrote it: sha256 chain, no MAC column."""
    settings.decision_log_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(settings.decision_log_path, isolation_level=None)
    for number, script in enumerate(dl.MIGRATIONS[:2], start=1):
        for statement in dl._statements(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    prev = dl.GENESIS
    for i in range(1, n + 1):
        row = {"id": i, "ts": f"2026-01-0{i}T00:00:00+00:00", "kind": "answer", "front_end": "cli",
               "question": f"old question {i}", "status": "depends", "prev_hash": prev}
        row["row_hash"] = dl.row_hash(row)
        cols = [*dl.HASHED, "row_hash"]
        conn.execute(f"INSERT INTO decisions ({', '.join(cols)}) VALUES "
                     f"({', '.join('?' * len(cols))})", [row.get(c) for c in cols])
        prev = row["row_hash"]
    conn.close()


def test_unkeyed_log_is_migrated_and_anchored(settings):
    _legacy_log(settings, 3)
    report = dl.verify(settings)  # no key yet: the old chain still verifies, and says so
    assert report.ok and report.rows == 3 and report.keyed_rows == 0 and report.notes
    _log(settings, 2)
    assert dl.schema_version(settings.decision_log_path) == len(dl.MIGRATIONS) == 3
    report = dl.verify(settings)
    assert report.ok and report.rows == 5 and report.keyed_rows == 2
    assert "rows 1..3 predate the log key" in report.notes[0]
    conn = _db(settings)  # rewriting an old row needs the first keyed row's MAC too
    conn.execute("UPDATE decisions SET status = 'no_license_required' WHERE id = 2")
    _rechain(conn, 2)
    report = dl.verify(settings)
    assert not report.ok and report.broken_at == 4 and "MAC" in report.reason


def test_checkpoint_and_verify_cli(settings, tmp_path):
    _log(settings, 3)
    runner = CliRunner()
    cp = runner.invoke(cli, ["log", "checkpoint"])
    assert cp.exit_code == 0
    path = tmp_path / "cp.json"
    path.write_text(cp.output)
    _log(settings, 2, start=3)  # the log may grow after a checkpoint
    ok = runner.invoke(cli, ["log", "verify", "--checkpoint", str(path)])
    assert ok.exit_code == 0 and "5 row(s)" in ok.output and "checkpoint" in ok.output
    as_json = json.loads(runner.invoke(cli, ["log", "verify", "--json"]).output)
    assert as_json["ok"] and as_json["keyed_rows"] == 5
    path.write_text("not json")
    assert runner.invoke(cli, ["log", "verify", "--checkpoint", str(path)]).exit_code == 2


UNCONFIGURED = {
    "slack": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack_app": "xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef",
    "openai": "sk-proj-AbCdEf0123456789_ghIJKLmnopQRstuvWXyz0123456789",
    "anthropic": "sk-ant-api03-AbCdEf0123456789ghIJKLmnop-QRstuvWXyz_0123456789",
    "aws_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
           "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "password": "hunter2-Correct-Horse",
    "bearer": "ya29.a0AfH6SMBx3kP9q0zR7tYv2",
}


def test_unconfigured_secrets_never_reach_the_database(settings):
    question = (f"Our bot token is {UNCONFIGURED['slack']} and app {UNCONFIGURED['slack_app']}; "
                f"OpenAI {UNCONFIGURED['openai']}, Claude {UNCONFIGURED['anthropic']}, AWS "
                f"{UNCONFIGURED['aws_id']} {UNCONFIGURED['aws_secret']}, session "
                f"{UNCONFIGURED['jwt']}, password={UNCONFIGURED['password']}, header "
                f"Authorization: Bearer {UNCONFIGURED['bearer']}. Can we sell avionics to Cambodia?")
    dl.log_answer(_answer(question), front_end="slack", user_id="U1", settings=settings,
                  rulebook_version="rb", index_name="ix", prompt=f"system prompt {question}")
    dl.close_all()
    blob = settings.decision_log_path.read_bytes()
    for wal in settings.decision_log_path.parent.glob("decisions.sqlite-*"):
        blob += wal.read_bytes()
    for name, secret in UNCONFIGURED.items():
        assert secret.encode() not in blob, name
    row = dl.read_rows(settings=settings)[0]
    assert row["question"].endswith("Can we sell avionics to Cambodia?")
    assert row["question"].count("[redacted]") == len(UNCONFIGURED)
    assert json.loads(json.dumps(row["facts"])) == row["facts"]  # JSON fields still parse
    assert dl.verify(settings).ok


@pytest.mark.parametrize("text", [
    "Can we sell basic requirements to bearer certificate holders in Cambodia?",
    "15 CFR 744.21(a)(1), ECCN 7A994, Country Group D:5, task-force sk- notes",
    "The password policy: see section 4.",
])
def test_ordinary_questions_are_not_redacted(text):
    from bot.redaction import redact_patterns

    assert redact_patterns(text) == text
