"""The Bolt app: thin listeners (ack, then parse -> answer -> render -> post in bot.slack.handlers).

process_before_response=True with lazy listeners: the ack runs on the HTTP request
thread and returns at once, and the slow work runs afterwards on the listener pool.
So an ack never waits behind a backlog of answers (Slack's deadline is 3 s).
"""
from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack import blocks
from bot.slack.client import make_web_client
from bot.slack.dedupe import EventDedupe
from bot.slack.handlers import AnswersQuestions, Responder

log = logging.getLogger("regbot.slack")
SLASH_COMMAND = "/regbot"
DEDUPE_FILE = "slack_events.sqlite"


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt warns "`token` will be unused" whenever SLACK_BOT_TOKEN is set and a client is given;
    our client is built from that very token, so the warning only misleads whoever reads the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


log.addFilter(_DropTokenSkippedWarning())


class SlackConfigError(ValueError):
    """A missing token or secret; the message says which env var to set."""


def require(settings: Settings, *names: str) -> dict[str, str]:
    """The named secrets' values, or SlackConfigError naming the env vars that are unset."""
    values = {n: getattr(settings, n) for n in names}
    missing = [n.upper() for n, v in values.items() if v is None or not v.get_secret_value()]
    if missing:
        raise SlackConfigError(f"set {' and '.join(missing)} (see README.md, 'Slack app')")
    return {n: v.get_secret_value() for n, v in values.items()}


def dedupe_middleware(store: EventDedupe):
    """Global middleware: a retried event (same event_id) is acked and dropped."""

    def drop_retried_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not store.claim(str(event_id)):
            log.info("duplicate delivery of event %s ignored", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return drop_retried_events


def create_app(settings: Settings, answerer: AnswersQuestions, *, client: WebClient | None = None,
               threads: int = 8, socket_mode: bool = False, executor: Executor | None = None) -> App:
    """A Bolt App whose every Web API call goes through settings.slack_api_url; its work after
    each ack runs on `executor` (a pool of `threads` threads when not given)."""
    secrets = require(settings, "slack_bot_token") if client is None else {}
    if not socket_mode:
        secrets |= require(settings, "slack_signing_secret")
    client = client or make_web_client(settings, secrets["slack_bot_token"])
    app = App(client=client, signing_secret=secrets.get("slack_signing_secret"),
              process_before_response=True, logger=log,
              listener_executor=executor or ThreadPoolExecutor(threads, thread_name_prefix="regbot-slack"))
    app.middleware(dedupe_middleware(EventDedupe(settings.home / DEDUPE_FILE)))
    register_listeners(app, Responder(settings, answerer))
    return app


def ack_now(ack: Ack) -> None:
    """Runs on the HTTP request thread: Slack gets its 200 however busy the answer queue is."""
    ack()


def register_listeners(app: App, responder: Responder) -> None:
    """Each listener = an instant ack plus a lazy function run on the listener pool."""

    def answer_mention(event: dict, client: WebClient, context: BoltContext) -> None:
        responder.on_message(event, client, context.bot_user_id)

    def answer_dm(event: dict, client: WebClient, context: BoltContext) -> None:
        if event.get("channel_type") == "im":  # channel messages arrive as app_mention
            responder.on_message(event, client, context.bot_user_id)

    def answer_command(command: dict) -> None:
        responder.on_command(command)

    def apply_fact(body: dict, client: WebClient) -> None:
        responder.on_fact(body, client)

    def record_feedback(body: dict, client: WebClient) -> None:
        responder.on_feedback(body, client)

    def share(body: dict, client: WebClient) -> None:
        responder.on_share(body, client)

    app.event("app_mention")(ack=ack_now, lazy=[answer_mention])
    app.event("message")(ack=ack_now, lazy=[answer_dm])
    app.command(SLASH_COMMAND)(ack=ack_now, lazy=[answer_command])
    app.action(blocks.FACT_ACTION_RE)(ack=ack_now, lazy=[apply_fact])
    app.action(blocks.FEEDBACK_ACTION_RE)(ack=ack_now, lazy=[record_feedback])
    app.action(blocks.SHARE_ACTION)(ack=ack_now, lazy=[share])

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        log.error("unhandled error for a %s request: %s", body.get("type"), error, exc_info=error)
