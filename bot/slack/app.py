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
from bot.slack.brief import MORE_ACTION
from bot.slack.handlers import allowed, is_from_bot
from bot.slack.screening import party_error, screen_request, submitted_party
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

    def on_screen_button(ack: Ack, body: dict, client: WebClient) -> None:
        """"Screen another party": the modal must open within the click's 3 s trigger, so it is
        opened here (one Web API call), not from the queue; the submission is queued."""
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        ack()
        if not allowed(queue.settings, channel, user):
            log.info("screen button from %s in %s refused (not allowed)", user, channel)
            return
        try:
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.screen_modal(screen_request(body)))
        except Exception:  # noqa: BLE001 - an expired trigger or Slack refusing: logged, no crash
            log.exception("could not open the screening modal for %s", user)

    def on_screen_submit(ack: Ack, body: dict, context: BoltContext) -> None:
        name = submitted_party(body)
        problem = party_error(name)
        if problem:  # shown under the field; the modal stays open
            return ack(response_action="errors", errors={blocks.SCREEN_INPUT_BLOCK: problem})
        view = body.get("view") or {}
        queue.submit("screen", {"name": name, "user": (body.get("user") or {}).get("id"),
                                "metadata": view.get("private_metadata") or "{}"}, context.bot_user_id)
        ack()

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.command(SLASH_COMMAND)(queued("command"))
    app.action(blocks.FACT_ACTION_RE)(queued("fact"))
    app.action(blocks.FEEDBACK_ACTION_RE)(queued("feedback"))
    app.action(blocks.SHARE_ACTION)(queued("share"))
    app.action(MORE_ACTION)(queued("more"))
    app.action(blocks.SCREEN_ACTION)(on_screen_button)
    app.view(blocks.SCREEN_VIEW)(on_screen_submit)

    @app.error
    def on_error(error: Exception, body: dict) -> None:
        log.error("unhandled error for a %s request: %s", body.get("type"), error, exc_info=error)
