"""The Slack app end to end: signed requests over real HTTP to `regbot slack serve`
(gunicorn, real index and model), replies observed at the local fake Slack Web API."""
from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import slack_requests as sr
from bot.decision_log import read_rows
from bot.settings import Settings
from bot.slack import blocks
from bot.slack.brief import MORE_ACTION

pytestmark = pytest.mark.slow
FORM = "application/x-www-form-urlencoded"
QUESTION = "Can we sell avionics to Cambodia?"
_channels = itertools.count(1)


def new_channel(prefix: str = "C") -> str:
    return f"{prefix}T{next(_channels):05d}"


def posts(fake, channel, thread_ts=None):
    return [c for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel
            and (thread_ts is None or c.params.get("thread_ts") == thread_ts)]


def wait_posts(fake, channel, thread_ts=None, n=1, timeout=30.0):
    return fake.wait_for(lambda f: (found := posts(f, channel, thread_ts)) and len(found) >= n and found,
                         timeout)


def header(message_params) -> str:
    return message_params["blocks"][0]["text"]["text"]


def ask_in_channel(server, fake, text=QUESTION, channel=None, **kw):
    channel = channel or new_channel()
    event = sr.mention(text, channel=channel, **kw)
    response = sr.post(server.url, sr.event_body(event))
    assert response.status_code == 200
    reply = wait_posts(fake, channel, event.get("thread_ts") or event["ts"])[-1]
    return event, reply


def log_rows(server, kind=None):
    rows = read_rows(settings=Settings(home=server.home))
    return [r for r in rows if kind is None or r["kind"] == kind]


def test_url_verification_echoes_the_challenge(slack_server):
    body = json.dumps({"token": "x", "type": "url_verification", "challenge": "c-123"})
    response = sr.post(slack_server.url, body)
    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}


def test_mention_is_answered_in_its_thread_with_a_working_reaction(slack_server, fake_slack):
    event, reply = ask_in_channel(slack_server, fake_slack)
    params = reply.params
    assert params["thread_ts"] == event["ts"]
    # issue 12: the first message is the brief, bottom line first (the long form is behind More)
    assert header(params).startswith(blocks.STATUS_DISPLAY["depends"][0] + " It depends on ")
    assert len(params["blocks"]) <= blocks.MAX_BLOCKS
    text = json.dumps(params["blocks"])
    assert "*[1]*" in text and "Not legal advice" in text and "*Sources*" not in text
    more = [e for b in params["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"] == MORE_ACTION]
    assert len(more) == 1
    assert params["metadata"]["event_payload"]["f"]["destination"] == "KH"
    def reactions(fake):  # the removal follows the reply, so wait for it
        found = [(c.method, c.params["timestamp"], c.params["name"]) for c in fake.calls()
                 if c.method.startswith("reactions.") and c.params.get("channel") == event["channel"]]
        return found if len(found) >= 2 else None

    assert fake_slack.wait_for(reactions) == [("reactions.add", event["ts"], "eyes"),
                                              ("reactions.remove", event["ts"], "eyes")]
    add = next(c for c in fake_slack.calls("reactions.add") if c.params.get("channel") == event["channel"])
    assert add.at <= reply.at  # 👀 is there while the answer is being worked out
    logged = [r for r in log_rows(slack_server, "answer") if r["id"] == params["metadata"]["event_payload"]["log_id"]]
    assert logged and logged[0]["front_end"] == "slack" and logged[0]["user_id"] == "UASKER"


def test_more_button_posts_the_long_form_in_the_thread(slack_server, fake_slack):
    event, reply = ask_in_channel(slack_server, fake_slack)
    channel = event["channel"]
    message = next(m for m in fake_slack.state.messages[channel] if m.get("bot_id"))
    more = next(e for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == MORE_ACTION)
    click = sr.action_body(MORE_ACTION, more["value"], channel=channel,
                           response_url=fake_slack.response_url("unused-more"), message=message)
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    thread = message.get("thread_ts") or message["ts"]
    long_form = wait_posts(fake_slack, channel, thread, n=2)[-1].params
    text = json.dumps(long_form["blocks"])
    assert header(long_form) == blocks.verdict_title("depends")  # the long form's header
    assert "*How it turns out*" in text and "*Sources*" in text  # every case and every source
    assert len(long_form["blocks"]) <= blocks.MAX_BLOCKS
    assert not fake_slack.calls("chat.update") or all(
        c.params.get("ts") != message["ts"] for c in fake_slack.calls("chat.update"))  # brief kept


def test_retried_event_ids_produce_exactly_one_answer(slack_server, fake_slack):
    channel = new_channel()
    event = sr.mention(QUESTION, channel=channel)
    body = sr.event_body(event, event_id=f"Ev-retry-{channel}")
    with ThreadPoolExecutor(4) as pool:  # Slack's retries can overlap the first delivery
        statuses = list(pool.map(lambda n: sr.post(slack_server.url, body, retry_num=n).status_code,
                                 [0, 1, 2, 3]))
    assert statuses == [200] * 4
    wait_posts(fake_slack, channel, event["ts"])
    time.sleep(1.5)  # a duplicate would have arrived by now
    assert len(posts(fake_slack, channel)) == 1


def test_direct_message_is_answered_in_the_dm(slack_server, fake_slack):
    channel = new_channel("D")
    event = sr.direct_message(QUESTION, channel=channel)
    assert sr.post(slack_server.url, sr.event_body(event)).status_code == 200
    reply = wait_posts(fake_slack, channel)[0]
    assert reply.params.get("thread_ts") is None  # top level of the DM, not a thread
    assert header(reply.params).startswith(":")


def test_thread_follow_up_reuses_the_threads_facts(slack_server, fake_slack):
    event, first = ask_in_channel(slack_server, fake_slack)
    channel, thread = event["channel"], event["ts"]
    fake_slack.add_message(channel, event["ts"], event["text"])  # what Slack would hold
    follow = sr.mention("what if the buyer is the army?", channel=channel, thread_ts=thread)
    assert sr.post(slack_server.url, sr.event_body(follow)).status_code == 200
    second = wait_posts(fake_slack, channel, thread, n=2)[-1]
    facts = second.params["metadata"]["event_payload"]["f"]
    assert facts.get("destination") == "KH" and facts.get("item") == "avionics"  # from the thread
    assert "army" in json.dumps(facts).lower() or facts.get("end_use") == "military"
    replies = [c for c in fake_slack.calls("conversations.replies") if c.params.get("channel") == channel]
    assert replies and replies[-1].params["ts"] == thread


def test_mention_under_a_colleagues_question_reads_the_thread(slack_server, fake_slack):
    channel, parent = new_channel(), sr.next_ts()
    fake_slack.add_message(channel, parent, "Can we sell avionics to Cambodia for the army?", user="UCOLLEAGUE")
    follow = sr.mention("what do you think?", channel=channel, thread_ts=parent)
    assert sr.post(slack_server.url, sr.event_body(follow)).status_code == 200
    reply = wait_posts(fake_slack, channel, parent)[0]
    facts = reply.params["metadata"]["event_payload"]["f"]
    assert (facts.get("destination"), facts.get("item"), facts.get("end_use")) == ("KH", "avionics", "military")
    assert header(reply.params) != blocks.verdict_title("cannot_determine")


def test_slash_command_is_ephemeral_and_can_be_shared(slack_server, fake_slack):
    channel, hook = new_channel(), f"slash-{time.time()}"
    body = sr.slash_body(QUESTION, fake_slack.response_url(hook), channel=channel)
    response = sr.post(slack_server.url, body, content_type=FORM)
    assert response.status_code == 200
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    assert sent.params["response_type"] == "ephemeral"
    assert posts(fake_slack, channel) == []  # nothing public
    share = sent.params["blocks"][-1]["elements"][0]
    assert share["action_id"] == blocks.SHARE_ACTION
    share_hook = f"share-{time.time()}"
    click = sr.action_body(share["action_id"], share["value"], channel=channel,
                           response_url=fake_slack.response_url(share_hook))
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    public = wait_posts(fake_slack, channel)[0]
    assert public.params.get("thread_ts") is None and header(public.params) == header(sent.params)
    deleted = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == share_hook])
    assert deleted[0].params == {"delete_original": True}


@pytest.mark.parametrize("text", ["", "help", " HELP "])
def test_empty_or_help_gets_the_usage_hint(slack_server, fake_slack, text):
    from bot.slack.handlers import USAGE

    hook = f"usage-{time.time()}"
    sr.post(slack_server.url, sr.slash_body(text, fake_slack.response_url(hook)), content_type=FORM)
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    assert sent.params["response_type"] == "ephemeral" and sent.params["text"] == USAGE
    event, reply = ask_in_channel(slack_server, fake_slack, text=text)
    assert reply.params["text"] == USAGE
    assert not [r for r in log_rows(slack_server, "answer") if r["question"].strip().lower() == "help"]


def test_share_where_regbot_is_not_a_member_says_how_to_invite_it(slack_server, fake_slack):
    channel, hook = new_channel(), f"notin-{time.time()}"
    sr.post(slack_server.url, sr.slash_body(QUESTION, fake_slack.response_url(hook), channel=channel),
            content_type=FORM)
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    share = sent.params["blocks"][-1]["elements"][0]
    fake_slack.fail_next("chat.postMessage", 200, error="not_in_channel")
    share_hook = f"notin-share-{time.time()}"
    click = sr.action_body(share["action_id"], share["value"], channel=channel,
                           response_url=fake_slack.response_url(share_hook))
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    told = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == share_hook])
    assert [c.params["response_type"] for c in told] == ["ephemeral"]  # the private answer is kept
    assert told[0].params["replace_original"] is False and "/invite @regbot" in told[0].params["text"]


def test_fact_button_re_evaluates_and_updates_the_message(slack_server, fake_slack):
    event, reply = ask_in_channel(slack_server, fake_slack)
    facts_block = next(b for b in reply.params["blocks"] if b.get("block_id") == blocks.FACTS_BLOCK_ID)
    message = next(m for m in fake_slack.state.messages[event["channel"]] if m.get("bot_id"))
    for button in facts_block["elements"]:  # every fact button
        chosen = json.loads(button["value"])["o"]
        click = sr.action_body(button["action_id"], button["value"], channel=event["channel"],
                               response_url=fake_slack.response_url("unused"), message=message)
        assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
        update = fake_slack.wait_for(lambda f: [c for c in f.calls("chat.update")
                                                if c.params.get("ts") == message["ts"]
                                                and c.params["metadata"]["event_payload"]["o"] == chosen])[0]
        state = update.params["metadata"]["event_payload"]
        assert all(state["f"].get(k) == v for k, v in chosen.items())
        assert button["text"]["text"] not in json.dumps(update.params["blocks"])  # now settled
    assert len(posts(fake_slack, event["channel"])) == 1  # updated, not re-posted


def test_fact_button_on_an_ephemeral_answer_replaces_it(slack_server, fake_slack):
    channel, hook = new_channel(), f"eph-{time.time()}"
    sr.post(slack_server.url, sr.slash_body(QUESTION, fake_slack.response_url(hook), channel=channel),
            content_type=FORM)
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    button = next(b for b in sent.params["blocks"] if b.get("block_id") == blocks.FACTS_BLOCK_ID)["elements"][0]
    hook2 = f"eph2-{time.time()}"
    click = sr.action_body(button["action_id"], button["value"], channel=channel,
                           response_url=fake_slack.response_url(hook2))
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    replaced = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook2])[0]
    assert replaced.params["replace_original"] is True
    assert replaced.params["blocks"][-1]["elements"][0]["action_id"] == blocks.SHARE_ACTION


@pytest.mark.parametrize("action_id, value", [(blocks.FEEDBACK_UP, "up"), (blocks.FEEDBACK_DOWN, "down")])
def test_feedback_buttons_are_recorded_in_the_decision_log(slack_server, fake_slack, action_id, value):
    event, reply = ask_in_channel(slack_server, fake_slack)
    log_id = reply.params["metadata"]["event_payload"]["log_id"]
    message = next(m for m in fake_slack.state.messages[event["channel"]] if m.get("bot_id"))
    click = sr.action_body(action_id, str(log_id), channel=event["channel"], user="UFEEDBACK",
                           response_url=fake_slack.response_url("fb"), message=message)
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    update = fake_slack.wait_for(lambda f: [c for c in f.calls("chat.update") if c.params.get("ts") == message["ts"]
                                            and "Feedback recorded" in json.dumps(c.params["blocks"])])[0]
    assert blocks.FEEDBACK_BLOCK_ID not in json.dumps(update.params["blocks"])
    rows = [r for r in log_rows(slack_server, "feedback") if r["ref_id"] == log_id]
    assert [(r["value"], r["user_id"], r["front_end"]) for r in rows] == [(value, "UFEEDBACK", "slack")]


def _unsigned_cases(body: str) -> dict[str, dict]:
    good = sr.signed_headers(body)
    stale = sr.signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    return {"bad signature": sr.signed_headers(body, secret="not-the-secret"),
            "stale timestamp": stale,
            "future timestamp": sr.signed_headers(body, timestamp=int(time.time()) + 6 * 60),
            "timestamp not a number": {**good, "X-Slack-Request-Timestamp": "soon"},
            "missing signature": {k: v for k, v in good.items() if k != "X-Slack-Signature"},
            "missing timestamp": {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
            "no slack headers": {"Content-Type": "application/json"}}


def test_unsigned_stale_or_headerless_requests_get_401_and_no_reply(slack_server, fake_slack):
    channel = new_channel()
    body = sr.event_body(sr.mention(QUESTION, channel=channel))
    for name, headers in _unsigned_cases(body).items():
        response = sr.post(slack_server.url, body, headers=headers)
        assert response.status_code == 401, name
    time.sleep(1.0)
    assert posts(fake_slack, channel) == []
    assert not [c for c in fake_slack.calls() if c.params.get("channel") == channel]


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("[1, 2, 3]", "application/json"),
    (json.dumps({"type": "event_callback", "event_id": "Ev1"}), "application/json"),
    (json.dumps({"type": "event_callback", "event": "text", "event_id": "Ev2"}), "application/json"),
    ("payload=%7Bbroken", FORM),
    ("payload=" + json.dumps({"type": "block_actions", "actions": []}), FORM),
    ("hello=world", FORM),
    ("", "application/json"),
    ('{"type": "event_callback", "event_id": "Ev3", "event": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "application/json"),  # deeper than Python's parser goes: a 500 before (issue 14)
    ('{"type": "event_callback", "event_id": "Ev4", "event": {"type": "app_mention", "x": '
     + "[" * 70 + "]" * 70 + "}}", "application/json"),  # parses, but no Slack payload nests so deep
    ("payload=" + "%5B" * 50_000 + "%5D" * 50_000, FORM),
])
def test_malformed_bodies_get_4xx_and_the_server_keeps_serving(slack_server, body, content_type):
    response = sr.post(slack_server.url, body, content_type=content_type)
    assert 400 <= response.status_code < 500, response.text
    assert requests.get(f"{slack_server.base}/healthz", timeout=5).status_code == 200


def test_deeply_nested_signed_body_is_a_400_that_says_why(slack_server):
    body = '{"type": "event_callback", "event_id": "Ev5", "event": ' + "[" * 5000 + "]" * 5000 + "}"
    response = sr.post(slack_server.url, body)
    assert response.status_code == 400 and "nested more than 64 levels" in response.text


def test_oversized_body_gets_413(slack_server, fake_slack):
    channel = new_channel()
    body = sr.event_body(sr.mention("avionics " * 150_000, channel=channel))  # > 1 MiB
    response = sr.post(slack_server.url, body)
    assert response.status_code == 413
    time.sleep(0.5)
    assert posts(fake_slack, channel) == []


def test_non_utf8_body_gets_400(slack_server):
    raw = b"\xff\xfe{\x00"
    headers = sr.signed_headers("x")
    response = requests.post(slack_server.url, data=raw, headers=headers, timeout=10)
    assert 400 <= response.status_code < 500


def test_slack_api_429_and_5xx_are_retried_and_the_answer_arrives(slack_server, fake_slack):
    fake_slack.fail_next("chat.postMessage", 429, retry_after=1)
    fake_slack.fail_next("chat.postMessage", 503)
    started = time.monotonic()
    event, reply = ask_in_channel(slack_server, fake_slack)
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    failed = [c.status for c in fake_slack.calls("chat.postMessage", ok_only=False) if c.status != 200]
    assert 429 in failed and 503 in failed
    time.sleep(0.5)
    assert len(posts(fake_slack, event["channel"])) == 1


def test_messages_from_bots_and_itself_are_ignored(slack_server, fake_slack):
    channel = new_channel("D")
    for event in (sr.direct_message(QUESTION, channel=channel, bot_id="BOTHER"),
                  sr.direct_message(QUESTION, channel=channel, user="UBOT"),
                  sr.direct_message(QUESTION, channel=channel, subtype="message_changed")):
        assert sr.post(slack_server.url, sr.event_body(event)).status_code == 200
    time.sleep(1.5)
    assert posts(fake_slack, channel) == []


def test_internal_errors_become_an_apology_in_the_thread(slack_server, fake_slack):
    channel = new_channel()
    fake_slack.fail_next("conversations.replies", 500, times=50)  # Slack keeps failing
    try:
        event = sr.mention("and for the army?", channel=channel, thread_ts=sr.next_ts())
        assert sr.post(slack_server.url, sr.event_body(event)).status_code == 200
        reply = wait_posts(fake_slack, channel, event["thread_ts"], timeout=60)[0]
    finally:
        fake_slack.state.faults.pop("conversations.replies", None)
    assert reply.params["text"] == blocks.APOLOGY
    assert "Traceback" not in json.dumps(reply.params)
    assert "answering message" in slack_server.log()
    assert "will be unused" not in slack_server.log()  # Bolt's misleading start-up warning is dropped


def test_slack_markup_in_a_question_is_read_as_text_and_never_echoed_as_a_ping(slack_server, fake_slack):
    raw = "Can we sell avionics &amp; spares to <#C0123|sales> Cambodia? <!here>"
    event, reply = ask_in_channel(slack_server, fake_slack, text=raw)
    sent = json.dumps(reply.params)
    assert "<!here>" not in sent and "&amp;amp;" not in sent
    payload = reply.params["metadata"]["event_payload"]
    assert payload["q"] == "Can we sell avionics & spares to #sales Cambodia?"
    assert payload["f"]["destination"] == "KH" and payload["f"]["item"]
    row = next(r for r in log_rows(slack_server, "answer") if r["id"] == payload["log_id"])
    assert row["question"] == payload["q"]


def test_too_long_question_gets_a_clear_reason_not_an_apology(slack_server, fake_slack):
    event, reply = ask_in_channel(slack_server, fake_slack, text="avionics " * 400)
    assert reply.params["text"].startswith("I can't answer that as asked") and "too long" in reply.params["text"]


def test_acks_are_fast_even_while_answering(slack_server, fake_slack):
    channel = new_channel()
    events = [sr.mention(QUESTION, channel=channel) for _ in range(10)]

    def send(event):
        started = time.perf_counter()
        status = sr.post(slack_server.url, sr.event_body(event)).status_code
        return status, time.perf_counter() - started

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(send, events))
    assert all(status == 200 for status, _ in results)
    assert max(seconds for _, seconds in results) < 3.0  # Slack's ack deadline
    wait_posts(fake_slack, channel, n=10, timeout=60)
    assert sorted(c.params["thread_ts"] for c in posts(fake_slack, channel)) == sorted(e["ts"] for e in events)


def test_slash_command_and_button_acks_do_not_wait_behind_a_backlog(slack_server, fake_slack):
    channel = new_channel()
    with ThreadPoolExecutor(30) as pool:  # 30 answers queued up
        list(pool.map(lambda e: sr.post(slack_server.url, sr.event_body(e)),
                      [sr.mention(QUESTION, channel=channel) for _ in range(30)]))
    hook = f"backlog-{time.time()}"
    started = time.perf_counter()
    response = sr.post(slack_server.url, sr.slash_body(QUESTION, fake_slack.response_url(hook), channel=channel),
                       content_type=FORM)
    assert response.status_code == 200 and time.perf_counter() - started < 1.0
    fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook], timeout=60)
    wait_posts(fake_slack, channel, n=30, timeout=90)


def test_a_broken_button_leaves_the_answer_alone_and_apologises_in_the_thread(slack_server, fake_slack):
    event, reply = ask_in_channel(slack_server, fake_slack)
    message = next(m for m in fake_slack.state.messages[event["channel"]] if m.get("bot_id"))
    click = sr.action_body("regbot_fact_0", "{not a state", channel=event["channel"],
                           response_url=fake_slack.response_url("broken"), message=message)
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    apology = wait_posts(fake_slack, event["channel"], event["ts"], n=2)[-1]
    assert apology.params["text"] == blocks.APOLOGY
    assert not [c for c in fake_slack.calls("chat.update") if c.params.get("ts") == message["ts"]]


def test_feedback_on_an_unknown_answer_is_refused_privately(slack_server, fake_slack):
    hook = f"fb-unknown-{time.time()}"
    click = sr.action_body(blocks.FEEDBACK_UP, "987654321", channel=new_channel(),
                           response_url=fake_slack.response_url(hook), message={"ts": "1.2", "blocks": []})
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    sent = fake_slack.wait_for(lambda f: [c for c in f.calls("response_url") if c.hook == hook])[0]
    assert sent.params["response_type"] == "ephemeral" and "could not record" in sent.params["text"]
    assert not [r for r in log_rows(slack_server, "feedback") if r["ref_id"] == 987654321]


def test_stopping_the_server_finishes_the_answers_already_acked(corpus_home, fake_slack, tmp_path):
    from slack_harness import copy_home, start_server

    server = start_server(copy_home(corpus_home, tmp_path / "home"), fake_slack.api_url, tmp_path / "stop.log")
    channel = new_channel()
    events = [sr.mention(QUESTION, channel=channel) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        assert set(pool.map(lambda e: sr.post(server.url, sr.event_body(e)).status_code, events)) == {200}
    server.process.terminate()  # SIGTERM, as a deploy would
    assert server.process.wait(timeout=60) == 0
    assert sorted(c.params["thread_ts"] for c in posts(fake_slack, channel)) == sorted(e["ts"] for e in events)
