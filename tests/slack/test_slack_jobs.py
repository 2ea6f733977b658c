"""What a queue worker does with a job (bot.slack.jobs): an apology for work that waited too long,
and no second reply for a job whose first worker died after posting. Replies go to the local
fake of Slack's Web API; no index is needed (the answerer is never reached)."""
from __future__ import annotations

import time

import pytest

from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.handlers import Responder
from bot.slack.jobs import JobRunner, ago
from bot.slack.ledger import Job
from bot.slack.state import mark_reply, replied_to
from slack_fake_api import FakeSlackAPI


class NoAnswers:
    """An answerer that must not be called."""

    def answer(self, *args, **kwargs):
        raise AssertionError("this job must not be answered")


@pytest.fixture
def fake():
    with FakeSlackAPI() as api:
        yield api


def runner(fake, max_age: float = 900.0) -> JobRunner:
    settings = Settings(slack_api_url=fake.api_url, slack_queue_max_age=max_age)
    return JobRunner(settings, Responder(settings, NoAnswers()), make_web_client(settings, "xoxb-test"))


def job(kind: str, payload: dict, age: float = 0.0, started: bool = False) -> Job:
    return Job("Ev42", kind, payload, "UBOT", time.time() - age, started=started)


def test_a_mention_that_waited_too_long_gets_an_apology_in_its_thread(fake):
    event = {"type": "app_mention", "text": "<@UBOT> Can we sell avionics to Cambodia?", "channel": "C1",
             "user": "U1", "ts": "1700000000.000100"}
    runner(fake, max_age=60)(job("message", event, age=40 * 60))
    posted = fake.wait_for(lambda f: f.calls("chat.postMessage"))[0].params
    assert posted["thread_ts"] == event["ts"] and posted["channel"] == "C1"
    assert "could not answer this in time" in posted["text"] and "40 min ago" in posted["text"]
    assert posted["metadata"]["event_payload"]["job"] == "Ev42"  # so a take-over can see it was sent


def test_a_slash_command_that_waited_too_long_is_told_privately(fake):
    command = {"command": "/regbot", "text": "Can we sell avionics to Cambodia?", "user_id": "U1",
               "channel_id": "C1", "response_url": fake.response_url("late")}
    runner(fake, max_age=60)(job("command", command, age=3 * 3600))
    sent = fake.wait_for(lambda f: f.calls("response_url"))[0].params
    assert sent["response_type"] == "ephemeral" and "3 h ago" in sent["text"]


def test_a_reply_already_in_the_thread_is_not_posted_again(fake):
    event = {"type": "app_mention", "text": "<@UBOT> avionics to Cambodia?", "channel": "C2", "user": "U1",
             "ts": "1700000000.000200"}
    client = make_web_client(Settings(slack_api_url=fake.api_url), "xoxb-test")
    client.chat_postMessage(channel="C2", thread_ts=event["ts"], **mark_reply({"text": "Depends"}, "Ev42"))
    fake.reset_calls()
    runner(fake)(job("message", event, started=True))  # its first worker died after posting
    assert fake.calls("chat.postMessage") == [] and fake.calls("conversations.replies")


def test_a_dm_reply_is_looked_for_in_the_dm_history(fake):
    event = {"type": "message", "channel_type": "im", "text": "avionics to Cambodia?", "channel": "D1",
             "user": "U1", "ts": "1700000000.000300"}
    client = make_web_client(Settings(slack_api_url=fake.api_url), "xoxb-test")
    client.chat_postMessage(channel="D1", **mark_reply({"text": "Depends"}, "Ev42"))
    fake.reset_calls()
    runner(fake)(job("message", event, started=True))
    assert fake.calls("chat.postMessage") == [] and fake.calls("conversations.history")


def test_replied_to_and_ago():
    assert replied_to([{"metadata": {"event_payload": {"job": "Ev1"}}}], "Ev1")
    assert not replied_to([{"metadata": {"event_payload": {"job": "Ev2"}}}, {"text": "x"}], "Ev1")
    assert (ago(40), ago(600), ago(3 * 3600)) == ("40 s", "10 min", "3 h")


def test_a_taken_over_job_without_a_reply_is_answered(fake):
    event = {"type": "app_mention", "text": "<@UBOT> avionics to Cambodia?", "channel": "C3", "user": "U1",
             "ts": "1700000000.000400"}
    runner(fake)(job("message", event, started=True))  # its first worker died before posting
    posted = fake.wait_for(lambda f: f.calls("chat.postMessage"))[0].params
    assert posted["thread_ts"] == event["ts"]  # (an apology here: this test's answerer refuses)
    assert posted["metadata"]["event_payload"]["job"] == "Ev42"
