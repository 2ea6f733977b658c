"""`regbot sync` against a local replay of the Federal Register API (real sockets, real ingest).

The done-when of issue 13: replaying FR Doc. 2026-02262 against a rulebook that lacks its
values puts Cambodia's D:5 value under review and an answer resting on it says so; syncing
the same feed twice adds nothing; `regbot sync --from DIR` works with no network.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "slack"))

from replay import Replay  # noqa: E402
from slack_fake_api import FakeSlackAPI  # noqa: E402

from bot.cli import cli  # noqa: E402
from bot.rules import load_rulebook  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.sync.client import SyncError  # noqa: E402
from bot.sync.run import run_sync  # noqa: E402
from bot.sync.store import SyncStore  # noqa: E402

SINCE = "2026-01-01"  # the 2026 documents, FR Doc. 2026-02262 among them
CLOSED = "http://127.0.0.1:9/api/v1/"  # nothing listens there: any network use fails


def stale_rulebook():
    """The shipped rulebook without the value FR Doc. 2026-02262 set (Cambodia's D:5 'X'
    still open-ended), as it was before that rule."""
    rulebook = load_rulebook()
    rule = rulebook.rules["ear.d5.table.KH"]
    first = dataclasses.replace(rule.values[0], valid_until=None, note=None,  # before the rule:
                                citation=rule.values[0].citation.replace("; FR Doc. 2026-02262", ""))
    return dataclasses.replace(rulebook, rules={**rulebook.rules,
                                                rule.id: dataclasses.replace(rule, values=(first,))})


def _settings(home: Path, url: str, **kw) -> Settings:
    return Settings(home=home, sync_fr_url=url, sync_backoff=0.01, log_decisions=False, **kw)


@pytest.fixture(scope="module")
def replay():
    with Replay() as fr:
        yield fr


@pytest.fixture(scope="module")
def synced(replay, tmp_path_factory):
    """A home synced once from the replay (2026 documents) against the stale rulebook."""
    home = tmp_path_factory.mktemp("synced")
    report = run_sync(_settings(home, replay.api_url), since=SINCE, rulebook=stale_rulebook())
    return home, report


def test_replaying_the_cambodia_rule_puts_the_d5_value_under_review(synced):
    home, report = synced
    assert "2026-02262" in report.new and report.ingest["chunks_added"] > 0
    assert not report.ingest["failed"]
    d5 = [a for a in report.alarms_new if a["rule_id"] == "ear.d5.table.KH"]
    assert len(d5) == 1
    assert d5[0]["document"] == "2026-02262" and d5[0]["value_from"] == "2021-12-09"
    assert d5[0]["amends"] == "15 CFR part 740, Supp. No. 1"
    stored = SyncStore(home).documents()["2026-02262"]
    assert (home / "sync" / stored.file).read_text().count("Cambodia") >= 3
    assert (home / "sync" / (stored.file + ".meta.json")).is_file()


def test_an_answer_resting_on_the_value_says_so_and_names_the_document(synced):
    from bot.answer import Answerer

    home, _ = synced
    answerer = Answerer(_settings(home, CLOSED), rulebook=stale_rulebook())
    answer = answerer.answer("Is Cambodia in Country Group D:5?", as_of=date(2026, 3, 1))
    assert "ear.d5.table.KH" in [t.rule_id for t in answer.verdict.trace]
    assert "Under review" in answer.text and "FR Doc. 2026-02262" in answer.text
    assert any("under review: ear.d5.table.KH" in n for n in answer.notes)
    # the shipped rulebook already holds the value the document set: nothing to review there
    plain = Answerer(_settings(home, CLOSED)).answer("Is Cambodia in Country Group D:5?",
                                                     as_of=date(2026, 3, 1))
    assert "Under review" not in plain.text


def test_syncing_the_same_feed_twice_adds_nothing(synced, replay):
    home, _ = synced
    before = (home / "sync" / "documents.json").read_bytes()
    alarms = (home / "sync" / "reviews.json").read_bytes()
    again = run_sync(_settings(home, replay.api_url), since=SINCE, rulebook=stale_rulebook())
    assert again.found > 0 and again.new == () and again.unchanged == again.found
    assert again.alarms_new == () and again.ingest is None
    assert (home / "sync" / "documents.json").read_bytes() == before
    assert (home / "sync" / "reviews.json").read_bytes() == alarms


def test_sync_from_a_folder_of_saved_responses_works_offline(replay, tmp_path, monkeypatch):
    saved = replay.save(tmp_path / "saved", since=SINCE)
    home = tmp_path / "home"
    monkeypatch.setenv("REGBOT_HOME", str(home))
    monkeypatch.setenv("REGBOT_SYNC_FR_URL", CLOSED)  # the network is never asked
    result = CliRunner().invoke(cli, ["sync", "--from", str(saved), "--since", SINCE, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    expected = [i["document_number"] for i, _ in replay.feed if i["publication_date"] >= SINCE]
    assert sorted(report["new"]) == sorted(expected) and report["ingest"]["chunks_added"] > 0
    again = json.loads(CliRunner().invoke(cli, ["sync", "--from", str(saved), "--json"]).stdout)
    assert again["new"] == [] and again["unchanged"] >= 1


def test_dry_run_shows_what_would_be_fetched_and_writes_nothing(replay, tmp_path):
    report = run_sync(_settings(tmp_path, replay.api_url), since=SINCE, dry_run=True)
    assert "2026-02262" in report.new and report.ingest is None
    assert not (tmp_path / "sync" / "documents.json").exists()
    assert not list((tmp_path / "sync").glob("documents/*"))


def test_transient_errors_are_retried_with_backoff(replay, tmp_path):
    replay.fail_next(2, 503)
    report = run_sync(_settings(tmp_path, replay.api_url), since="2026-03-01", ingest=False)
    assert report.new and not replay.faults


def test_a_failing_api_gives_a_clear_message_and_nothing_half_written(replay, tmp_path, monkeypatch):
    replay.fail_texts.add("2026-02262")
    try:
        monkeypatch.setenv("REGBOT_HOME", str(tmp_path))
        monkeypatch.setenv("REGBOT_SYNC_FR_URL", replay.api_url)
        monkeypatch.setenv("REGBOT_SYNC_RETRIES", "1")
        monkeypatch.setenv("REGBOT_SYNC_BACKOFF", "0")
        result = CliRunner().invoke(cli, ["sync", "--since", SINCE, "--json"])
    finally:
        replay.fail_texts.clear()
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)
    assert error["exit_code"] == 1 and "HTTP 500" in error["error"] and "Traceback" not in result.output
    docs = SyncStore(tmp_path).documents()
    assert docs and "2026-02262" not in docs  # the ones before are whole, the failed one absent
    for d in docs.values():
        assert (tmp_path / "sync" / d.file).is_file()
    assert not list((tmp_path / "sync").rglob("*.tmp"))
    with pytest.raises(SyncError, match="cannot reach"):
        run_sync(_settings(tmp_path / "other", CLOSED, sync_retries=1), since=SINCE, ingest=False)


def test_bad_input_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("REGBOT_SYNC_FR_URL", CLOSED)
    result = CliRunner().invoke(cli, ["sync", "--since", "yesterday", "--json"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in json.loads(result.stdout)["error"]
    result = CliRunner().invoke(cli, ["sync", "--from", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such folder" in result.output


def test_rules_review_lists_and_an_ack_goes_to_the_decision_log(replay, tmp_path, monkeypatch):
    from bot.decision_log import read_rows

    monkeypatch.setenv("REGBOT_HOME", str(tmp_path))
    settings = _settings(tmp_path, replay.api_url)
    # a document the shipped rulebook has not caught up with: the 2026-02-23 / -27 rules amend
    # provisions some values rest on; whatever they raise must be listed and clearable
    run_sync(settings, since=SINCE, ingest=False)
    listed = json.loads(CliRunner().invoke(cli, ["rules", "review", "--json"]).stdout)
    if not listed["under_review"]:  # nothing stale in the shipped rulebook: make one
        pytest.fail("the shipped rulebook raised no alarm from the 2026 documents")
    alarm = listed["under_review"][0]
    assert {"id", "rule_id", "value_from", "document", "amends"} <= set(alarm)
    runner = CliRunner()
    result = runner.invoke(cli, ["rules", "review", "--ack", alarm["id"], "--json"])
    assert result.exit_code == 2 and "--note" in json.loads(result.stdout)["error"]
    result = runner.invoke(cli, ["rules", "review", "--ack", "nope", "--note", "x", "--json"])
    assert result.exit_code == 1 and "no alarm" in json.loads(result.stdout)["error"]
    result = runner.invoke(cli, ["rules", "review", "--ack", alarm["id"], "--note",
                                 "checked against the eCFR; rulebook unchanged", "--json"])
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)["acknowledged"]
    rows = [r for r in read_rows(settings=Settings(home=tmp_path)) if r["kind"] == "review"]
    assert [r["id"] for r in rows] == [done["log_id"]] and rows[0]["value"] == alarm["id"]
    assert "rulebook unchanged" in rows[0]["question"]
    after = json.loads(CliRunner().invoke(cli, ["rules", "review", "--json"]).stdout)
    assert alarm["id"] not in [a["id"] for a in after["under_review"]]
    assert alarm["id"] in [a["id"] for a in after["acknowledged"]]
    assert CliRunner().invoke(cli, ["log", "verify"]).exit_code == 0


def test_a_configured_slack_channel_gets_one_message_per_new_alarm(replay, tmp_path):
    with FakeSlackAPI() as slack:
        settings = _settings(tmp_path, replay.api_url, sync_slack_channel="C0ALARMS",
                             slack_api_url=slack.api_url, slack_bot_token="xoxb-test")
        first = run_sync(settings, since=SINCE, rulebook=stale_rulebook(), ingest=False)
        posts = slack.calls("chat.postMessage")
        assert first.alarms_new and len(posts) == len(first.alarms_new) == first.notified
        assert all(p.params["channel"] == "C0ALARMS" for p in posts)
        d5 = [p for p in posts if "ear.d5.table.KH" in p.params["text"]]
        assert len(d5) == 1 and "FR Doc. 2026-02262" in d5[0].params["text"]
        run_sync(settings, since=SINCE, rulebook=stale_rulebook(), ingest=False)
        assert len(slack.calls("chat.postMessage")) == len(posts)  # nothing new, no message


def test_configured_ecfr_parts_are_fetched_and_stored(replay, tmp_path):
    settings = _settings(tmp_path, replay.api_url, sync_ecfr_parts=["15:740"],
                         sync_ecfr_url=replay.base)
    report = run_sync(settings, since="2026-03-01", ingest=False)
    assert report.ecfr == ("15 CFR part 740 (2026-02-10)",)
    xml = (tmp_path / "sync" / "ecfr" / "title-15-part-740.xml").read_text(encoding="utf-8")
    assert "740.2" in xml and xml.startswith("<?xml")
    missing = _settings(tmp_path / "b", replay.api_url, sync_ecfr_parts=["15:738"],
                        sync_ecfr_url=replay.base, sync_retries=0)
    with pytest.raises(SyncError, match="HTTP 404"):
        run_sync(missing, since="2026-03-01", ingest=False)
