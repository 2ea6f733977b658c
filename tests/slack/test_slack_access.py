"""Access rules end to end: allow-lists of channels and users, and internal documents
cited in DMs but never in channels. A second `regbot slack serve` over a small index of
Cambodia sources from ../shared/corpus plus one internal guidance note written here."""
from __future__ import annotations

import json
import time

import pytest

import slack_requests as sr
from bot.decision_log import read_rows
from bot.settings import Settings
from bot.slack.brief import MORE_ACTION
from bot.slack.handlers import NOT_ALLOWED
from slack_harness import start_server, stop_server

pytestmark = pytest.mark.slow
INTERNAL = "internal-avionics-cambodia-guidance.txt"
QUESTION = "Can we sell avionics to Cambodia?"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def access_server(tmp_path_factory, corpus_dir, fake_slack):
    from index.build import ingest_paths

    notes = tmp_path_factory.mktemp("internal")
    (notes / INTERNAL).write_text(
        "Internal sales guidance: selling avionics to Cambodia.\n\n"
        "Before quoting any avionics sale to Cambodia, escalate to the export-compliance desk: "
        "avionics for Cambodia may need an ITAR or EAR licence depending on the end user.\n", encoding="utf-8")
    (notes / f"{INTERNAL}.meta.json").write_text(json.dumps(
        {"title": "Internal guidance: avionics to Cambodia", "visibility": "internal",
         "document_type": "guidance", "published": "2026-01-05"}), encoding="utf-8")
    home = tmp_path_factory.mktemp("access") / "home"
    sources = sorted(p for p in corpus_dir.glob("*cambodia*") if not p.name.endswith(".meta.json"))
    report = ingest_paths([notes, *sources], Settings(home=home))
    assert not report.failed, report.failed
    server = start_server(home, fake_slack.api_url, tmp_path_factory.mktemp("accesslog") / "serve.log",
                          REGBOT_SLACK_ALLOWED_CHANNELS='["CALLOWED"]',
                          REGBOT_SLACK_ALLOWED_USERS='["UASKER", "UOTHER"]')
    yield server
    stop_server(server)


def _replies(fake, channel):
    return [c for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel]


def test_internal_documents_are_cited_in_dms_but_not_in_channels(access_server, fake_slack):
    dm = sr.direct_message(QUESTION, channel="DACCESS")
    chan = sr.mention(QUESTION, channel="CALLOWED")
    for event in (dm, chan):
        assert sr.post(access_server.url, sr.event_body(event)).status_code == 200
    dm_reply = fake_slack.wait_for(lambda f: _replies(f, "DACCESS"), timeout=60)[0]
    chan_reply = fake_slack.wait_for(lambda f: _replies(f, "CALLOWED"), timeout=60)[0]
    # the brief quotes primary text only; the long form behind "More" cites the internal
    # guidance privately, and in a channel hides it and says so
    assert INTERNAL not in json.dumps(dm_reply.params["blocks"] + chan_reply.params["blocks"])
    long_forms = {}
    for channel, reply in (("DACCESS", dm_reply), ("CALLOWED", chan_reply)):
        message = next(m for m in fake_slack.state.messages[channel] if m.get("bot_id"))
        more = next(e for b in reply.params["blocks"] if b["type"] == "actions"
                    for e in b["elements"] if e["action_id"] == MORE_ACTION)
        click = sr.action_body(MORE_ACTION, more["value"], channel=channel, message=message,
                               response_url=fake_slack.response_url(f"more-{channel}"))
        assert sr.post(access_server.url, click, content_type=FORM).status_code == 200
        long_forms[channel] = json.dumps(fake_slack.wait_for(
            lambda f: _replies(f, channel)[1:], timeout=60)[0].params["blocks"])
    assert INTERNAL in long_forms["DACCESS"]  # retrieved and cited privately
    channel_text = long_forms["CALLOWED"]
    assert INTERNAL not in channel_text and "internal source(s) not shown" in channel_text


def test_allow_lists_silence_other_channels_and_users(access_server, fake_slack):
    blocked = [sr.mention(QUESTION, channel="CBLOCKED"),
               sr.mention(QUESTION, channel="CALLOWED", user="USTRANGER"),
               sr.direct_message(QUESTION, channel="DSTRANGER", user="USTRANGER")]
    for event in blocked:
        assert sr.post(access_server.url, sr.event_body(event)).status_code == 200
    allowed = sr.direct_message(QUESTION, channel="DOTHER", user="UOTHER")  # DMs skip the channel list
    assert sr.post(access_server.url, sr.event_body(allowed)).status_code == 200
    fake_slack.wait_for(lambda f: _replies(f, "DOTHER"), timeout=60)
    time.sleep(1.0)
    assert _replies(fake_slack, "CBLOCKED") == [] and _replies(fake_slack, "DSTRANGER") == []
    assert not [c for c in _replies(fake_slack, "CALLOWED") if c.params.get("thread_ts") == blocked[1]["ts"]]
    assert not [c for c in fake_slack.calls("reactions.add") if c.params.get("channel") == "CBLOCKED"]


def test_slash_command_outside_the_allow_list_is_refused_privately(access_server, fake_slack):
    hook = f"blocked-{time.time()}"
    body = sr.slash_body(QUESTION, fake_slack.response_url(hook), channel="CBLOCKED")
    assert sr.post(access_server.url, body, content_type=FORM).status_code == 200
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    assert sent.params["response_type"] == "ephemeral" and sent.params["text"] == NOT_ALLOWED


def test_buttons_obey_the_allow_lists(access_server, fake_slack):
    hook = f"button-stranger-{time.time()}"
    click = sr.action_body("regbot_feedback_up", "1", channel="CALLOWED", user="USTRANGER",
                           response_url=fake_slack.response_url(hook), message={"ts": "1.3", "blocks": []})
    assert sr.post(access_server.url, click, content_type=FORM).status_code == 200
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    assert sent.params["text"] == NOT_ALLOWED
    rows = read_rows(settings=Settings(home=access_server.home))
    assert not [r for r in rows if r["kind"] == "feedback"]
