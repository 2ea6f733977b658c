"""The Bolt app: thin listeners that write each piece of Slack work to the durable queue and
then ack (bot.slack.queue); queue workers parse -> answer -> render -> post (bot.slack.jobs,
bot.slack.handlers).

process_before_response=True: the listener runs on the HTTP request thread and Slack's 200
goes out only once the work is on disk (or in Redis). A write that fails raises, so Slack
gets a 500 and retries instead of an ack for work that would be lost.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack import blocks
from bot.slack.client import make_web_client
from bot.slack.handlers import is_from_bot
from bot.slack.jobs import event_key
from bot.slack.queue import SlackQueue

log = logging.getLogger("regbot.slack")
SLASH_COMMAND = "/regbot"


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


def create_app(settings: Settings, queue: SlackQueue, *, client: WebClient | None = None,
               socket_mode: bool = False) -> App:
    """A Bolt App whose every Web API call goes through settings.slack_api_url and whose
    listeners hand their work to `queue`."""
    secrets = require(settings, "slack_bot_token") if client is None else {}
    if not socket_mode:
        secrets |= require(settings, "slack_signing_secret")
    client = client or make_web_client(settings, secrets["slack_bot_token"])
    app = App(client=client, signing_secret=secrets.get("slack_signing_secret"),
              process_before_response=True, logger=log)
    register_listeners(app, queue)
    return app


def submit_event(queue: SlackQueue, body: dict[str, Any], bot_user_id: str | None) -> None:
    """Queue an Events API delivery under its event_id; a redelivery is never dropped silently."""
    state = queue.submit("message", body["event"], bot_user_id, key=event_key(body))
    if state != "queued":
        log.info("duplicate delivery of event %s: %s", event_key(body), state)


def register_listeners(app: App, queue: SlackQueue) -> None:
    """Each listener: queue the work, then ack (all on the request thread, a few ms)."""

    def on_mention(ack: Ack, body: dict, context: BoltContext) -> None:
        if not is_from_bot(body["event"], context.bot_user_id):
            submit_event(queue, body, context.bot_user_id)
        ack()

    def on_message(ack: Ack, body: dict, context: BoltContext) -> None:
        event = body["event"]  # channel messages arrive as app_mention; regbot's own DMs come back here
        if event.get("channel_type") == "im" and not is_from_bot(event, context.bot_user_id):
            submit_event(queue, body, context.bot_user_id)
        ack()

    def queued(kind: str) -> Callable[..., None]:
        def listener(ack: Ack, body: dict, context: BoltContext) -> None:
            queue.submit(kind, body, context.bot_user_id)
            ack()
        return listener

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.command(SLASH_COMMAND)(queued("command"))
    app.action(blocks.FACT_ACTION_RE)(queued("fact"))
    app.action(blocks.FEEDBACK_ACTION_RE)(queued("feedback"))
    app.action(blocks.SHARE_ACTION)(queued("share"))

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        log.error("unhandled error for a %s request: %s", body.get("type"), error, exc_info=error)
