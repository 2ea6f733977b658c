"""`regbot slack serve --port N` (HTTP, gunicorn) and `regbot slack socket` (Socket Mode).

Tokens come only from the environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP),
SLACK_APP_TOKEN (Socket Mode); REGBOT_SLACK_API_URL sets the Web API base URL;
REGBOT_SLACK_QUEUE (sqlite | redis) and REGBOT_REDIS_URL the durable queue.
"""
from __future__ import annotations

import socket as socket_lib
import sys
from urllib.parse import urlsplit

import click

from bot.cli import EXIT_INDEX, EXIT_USAGE
from bot.settings import get_settings


def _check_index(settings) -> None:
    """Fail fast (exit 3) when there is no local index and no Chroma server is configured."""
    if settings.chroma_url:
        return
    if not (settings.home / "chunks.sqlite").exists() and not settings.chroma_path.exists():
        click.echo(f"error: no index in {settings.home}; run `regbot ingest PATH` first "
                   "(or set REGBOT_HOME / REGBOT_CHROMA_URL)", err=True)
        sys.exit(EXIT_INDEX)


def _check_api_url(settings) -> None:
    """REGBOT_SLACK_API_URL must be an http(s) URL with a host (exit 2 otherwise)."""
    url = urlsplit(settings.slack_api_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        click.echo(f"error: REGBOT_SLACK_API_URL={settings.slack_api_url!r} is not an http(s) URL "
                   "(default https://slack.com/api/)", err=True)
        sys.exit(EXIT_USAGE)


def _check_port(host: str, port: int) -> None:
    """Fail fast (exit 2) when HOST:PORT cannot be listened on, before loading the index."""
    try:
        with socket_lib.create_server((host, port)):
            pass
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


def _check_queue(settings) -> None:
    """Fail fast (exit 2) when the durable queue cannot be opened (e.g. Redis unreachable)."""
    from bot.slack.queue import QueueError, check_queue

    try:
        check_queue(settings)
    except QueueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _check_secrets(settings, *names: str) -> None:
    from bot.slack.app import SlackConfigError, require

    try:
        require(settings, *names)
    except SlackConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.group()
def slack() -> None:
    """Run regbot as a Slack app (see README.md, 'Slack app')."""


@slack.command()
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True)
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes (default 1; 2 when REGBOT_CHROMA_URL is set).")
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Request threads per process (also the pool for Slack I/O after each ack).")
def serve(port: int, host: str, workers: int | None, threads: int) -> None:
    """Serve Slack's Events API and interactivity at http://HOST:PORT/slack/events (gunicorn)."""
    settings = get_settings()
    _check_secrets(settings, "slack_bot_token", "slack_signing_secret")
    _check_api_url(settings)
    _check_index(settings)
    workers = workers or (2 if settings.chroma_url else 1)
    if workers > 1 and not settings.chroma_url:
        raise click.UsageError("several --workers need a Chroma server (REGBOT_CHROMA_URL): "
                               "an embedded index must be opened by one process; use --threads")
    _check_port(host, port)
    _check_queue(settings)
    from bot.slack.server import serve as run_server

    click.echo(f"regbot slack: serving http://{host}:{port}/slack/events once the model and index "
               f"are loaded ({workers} worker(s) x {threads} threads)", err=True)
    run_server(host, port, workers, threads)


@slack.command()
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True)
def socket(threads: int) -> None:
    """Connect to Slack over Socket Mode (SLACK_APP_TOKEN) and serve until interrupted."""
    settings = get_settings()
    _check_secrets(settings, "slack_app_token", "slack_bot_token")
    _check_api_url(settings)
    _check_index(settings)
    _check_queue(settings)
    from bot.slack.socket import run_socket_mode
    from index.errors import RegbotIndexError
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    try:
        run_socket_mode(settings, threads=threads)
    except RegbotIndexError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INDEX)
    except (BoltError, SlackApiError) as exc:
        click.echo(f"error: Slack refused the app's tokens: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"error: cannot reach the Slack Web API at {settings.slack_api_url}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
