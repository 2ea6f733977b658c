"""Socket Mode transport: no public URL needed; Slack pushes events over a WebSocket
opened with the app-level token (SLACK_APP_TOKEN). apps.connections.open goes through
settings.slack_api_url like every other Web API call."""
from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.settings import Settings
from bot.slack.app import create_app, require
from bot.slack.server import warm_up


def socket_handler(settings: Settings, *, threads: int = 8) -> SocketModeHandler:
    """A ready-to-start handler; raises SlackConfigError when a token is missing."""
    from bot.answer import Answerer
    from bot.slack.worker import AnswerWorker

    app_token = require(settings, "slack_app_token", "slack_bot_token")["slack_app_token"]
    answerer = AnswerWorker(lambda: Answerer(settings))
    warm_up(answerer)
    app = create_app(settings, answerer, threads=threads, socket_mode=True)
    return SocketModeHandler(app, app_token, trace_enabled=False)


def run_socket_mode(settings: Settings, *, threads: int = 8) -> None:
    """Connect and serve until interrupted."""
    socket_handler(settings, threads=threads).start()
