"""Socket Mode transport: no public URL needed; Slack pushes events over a WebSocket
opened with the app-level token (SLACK_APP_TOKEN). apps.connections.open goes through
settings.slack_api_url like every other Web API call. The connection opens only once the
model, index and queue are ready; work goes through the same durable queue as over HTTP."""
from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.settings import Settings
from bot.slack.app import create_app, require
from bot.slack.client import make_web_client
from bot.slack.service import SlackService, start_service

STOP_TIMEOUT = 20.0  # s to finish acked answers on Ctrl-C / SIGTERM; the rest stays queued


def socket_handler(settings: Settings, *, threads: int = 8) -> tuple[SocketModeHandler, SlackService]:
    """A ready-to-start handler and its service; raises SlackConfigError when a token is missing."""
    tokens = require(settings, "slack_app_token", "slack_bot_token")
    client = make_web_client(settings, tokens["slack_bot_token"])
    service = start_service(settings, client, threads=threads)
    app = create_app(settings, service.queue, client=client, socket_mode=True)
    return SocketModeHandler(app, tokens["slack_app_token"], trace_enabled=False), service


def run_socket_mode(settings: Settings, *, threads: int = 8) -> None:
    """Connect and serve until interrupted, then finish what was acked."""
    handler, service = socket_handler(settings, threads=threads)
    try:
        handler.start()
    finally:
        service.stop(STOP_TIMEOUT)
