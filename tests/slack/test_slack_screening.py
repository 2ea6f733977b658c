"""Screening in Slack (issue 10 point 5): hits in Block Kit and the "Screen another party" action,
end to end — signed requests over real HTTP to `regbot slack serve`, the modal and the answer
observed at the local fake Slack Web API, the list the package ships (2026-07-31)."""
from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

import pytest

import slack_requests as sr
from bot.slack import blocks

pytestmark = pytest.mark.slow
FORM = "application/x-www-form-urlencoded"
_channels = itertools.count(1)


def new_channel() -> str:
    return f"CS{next(_channels):05d}"


def ask(server, fake, text: str):
    channel = new_channel()
    event = sr.mention(text, channel=channel)
    assert sr.post(server.url, sr.event_body(event)).status_code == 200
    reply = fake.wait_for(lambda f: [c for c in f.calls("chat.postMessage")
                                     if c.params.get("channel") == channel], 60)[-1]
    message = next(m for m in fake.state.messages[channel] if m.get("bot_id"))
    return event, reply, message


def block(params, block_id):
    return next(b for b in params["blocks"] if b.get("block_id") == block_id)


def submission(metadata: str, name: str, user: str = "UASKER") -> str:
    payload = {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": user},
               "api_app_id": "A0001", "token": "x", "trigger_id": "trig2",
               "view": {"id": "V1", "type": "modal", "callback_id": blocks.SCREEN_VIEW,
                        "private_metadata": metadata, "state": {"values": {
                            blocks.SCREEN_INPUT_BLOCK: {blocks.SCREEN_INPUT_ACTION: {
                                "type": "plain_text_input", "value": name}}}}}}
    return urlencode({"payload": json.dumps(payload)})


def test_hits_are_shown_with_list_entry_and_licence_requirement(slack_server, fake_slack):
    _, reply, _ = ask(slack_server, fake_slack,
                      "Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?")
    # the brief's bottom line (issue 12), the hits under it as in the long form
    assert reply.params["blocks"][0]["text"]["text"] == (
        ":warning: Needs a licence from BIS (Commerce) — talk to compliance before quoting.")
    text = json.dumps(reply.params["blocks"], ensure_ascii=False)
    assert "Consolidated Screening List of 2026-07-31" in text
    assert "Entity List (EL)" in text and "“Beijing Academy of Artificial Intelligence” (90 FR 14046)" in text
    assert "*Licence requirement:* “For all items subject to the EAR." in text
    assert block(reply.params, blocks.SCREENING_BLOCK_ID)["elements"][0]["action_id"] == blocks.SCREEN_ACTION


def test_screen_another_party_opens_a_modal_and_answers_in_the_thread(slack_server, fake_slack):
    event, reply, message = ask(slack_server, fake_slack, "Can we ship EAR99 pumps to Cambodia?")
    assert "has not been screened" in reply.params["blocks"][1]["elements"][0]["text"]
    button = block(reply.params, blocks.SCREENING_BLOCK_ID)["elements"][0]
    click = sr.action_body(blocks.SCREEN_ACTION, button["value"], channel=event["channel"],
                           response_url=fake_slack.response_url("unused-screen"), message=message)
    assert sr.post(slack_server.url, click, content_type=FORM).status_code == 200
    opened = fake_slack.wait_for(lambda f: [c for c in f.calls("views.open")
                                            if event["channel"] in str(c.params.get("view"))])[-1]
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert opened.params["trigger_id"] == "trig" and view["callback_id"] == blocks.SCREEN_VIEW
    # a blank name keeps the modal open with the reason under the field
    blank = sr.post(slack_server.url, submission(view["private_metadata"], "   "), content_type=FORM)
    assert blank.status_code == 200 and blank.json()["response_action"] == "errors"
    assert blocks.SCREEN_INPUT_BLOCK in blank.json()["errors"]
    # a name: the same question answered again with it as the end user, under the answer
    started = time.time()
    done = sr.post(slack_server.url, submission(view["private_metadata"], "Try Pheap Group"),
                   content_type=FORM)
    assert done.status_code == 200 and time.time() - started < 3  # acked before answering
    answer = fake_slack.wait_for(lambda f: [c for c in f.calls("chat.postMessage")
                                            if c.params.get("channel") == event["channel"]
                                            and c.params.get("thread_ts") == event["ts"]
                                            and c.at > started], 60)[-1]
    assert answer.params["blocks"][0]["text"]["text"] == blocks.verdict_title("prohibited")
    text = json.dumps(answer.params["blocks"], ensure_ascii=False)
    assert "TRY PHEAP GROUP CO., LTD." in text and "Specially Designated Nationals" in text
    state = answer.params["metadata"]["event_payload"]
    assert state["o"]["end_user"] == "Try Pheap Group" and state["f"]["destination"] == "KH"
