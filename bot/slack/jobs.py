"""What a worker does with a Slack job taken from the queue: hand it to the Responder, or
apologise when it waited too long, and never post a second reply (issue 14, point 6)."""
from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.slack.handlers import Responder, asked_from_event
from bot.slack.ledger import Job
from bot.slack.state import replied_to

log = logging.getLogger("regbot.slack")
KINDS = ("message", "command", "fact", "feedback", "share", "screen", "more")
LATE = ("Sorry, I could not answer this in time: regbot was not running when it was asked, {ago} ago. "
        "Please ask again if you still need an answer.")
HISTORY_LIMIT = 200


def ago(seconds: float) -> str:
    """'40 s', '12 min', '3 h' (how long a question waited)."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"


def event_key(body: dict[str, Any]) -> str:
    """The queue key of an Events API delivery: its event_id, the same on every retry."""
    return str(body["event_id"])


class JobRunner:
    """The queue's handler: one call per job, on a queue worker thread."""

    def __init__(self, settings: Settings, responder: Responder, client: WebClient) -> None:
        self.settings = settings
        self.responder = responder
        self.client = client

    def __call__(self, job: Job) -> None:
        if job.started and self.already_posted(job):
            log.info("Slack job %s: its reply was posted before its worker stopped; not posting again",
                     job.key)
            return
        if job.kind != "feedback" and job.age > self.settings.slack_queue_max_age:
            # Too late to be useful in the conversation (REGBOT_SLACK_QUEUE_MAX_AGE); a vote is
            # still recorded whenever it arrives.
            log.warning("Slack job %s (%s) waited %.0f s: apologising instead of answering",
                        job.key, job.kind, job.age)
            return self.responder.on_late(job.kind, job.payload, self.client, LATE.format(ago=ago(job.age)),
                                          job=job.key)
        self.dispatch(job)

    def dispatch(self, job: Job) -> None:
        r, p, c = self.responder, job.payload, self.client
        if job.kind == "message":
            r.on_message(p, c, job.bot_user_id, job=job.key)
        elif job.kind == "command":
            r.on_command(p)
        elif job.kind == "fact":
            r.on_fact(p, c)
        elif job.kind == "feedback":
            r.on_feedback(p, c)
        elif job.kind == "share":
            r.on_share(p, c, job=job.key)
        elif job.kind == "screen":
            r.on_screen(p, c)
        elif job.kind == "more":
            r.on_more(p, c)
        else:
            log.warning("Slack job %s has an unknown kind %r; dropped", job.key, job.kind)

    def already_posted(self, job: Job) -> bool:
        """Whether the reply of a job whose first worker died is in Slack already (messages and
        shares post where we can read them back; other kinds answer privately and are re-run)."""
        try:
            if job.kind == "message":
                asked = asked_from_event(job.payload)
                if asked.reply_ts:
                    found = self.client.conversations_replies(channel=asked.channel, ts=asked.reply_ts,
                                                              include_all_metadata=True, limit=HISTORY_LIMIT)
                else:
                    found = self.client.conversations_history(channel=asked.channel, oldest=asked.ts,
                                                              include_all_metadata=True, limit=HISTORY_LIMIT)
            elif job.kind == "share":
                channel = str((job.payload.get("channel") or {}).get("id"))
                found = self.client.conversations_history(channel=channel, oldest=f"{job.accepted_at:.6f}",
                                                          include_all_metadata=True, limit=HISTORY_LIMIT)
            else:
                return False
        except (SlackApiError, OSError) as exc:  # cannot tell: answering beats leaving the question open
            log.warning("Slack job %s: could not read back earlier replies (%s); answering", job.key, exc)
            return False
        return replied_to(found.get("messages") or [], job.key)
