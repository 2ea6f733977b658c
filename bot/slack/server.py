"""HTTP transport: the Bolt app as a WSGI app served by gunicorn's threaded worker.

One process with N threads over the embedded index (the embedding model and index are
loaded once, in the worker), or several processes when the index is a Chroma server
(REGBOT_CHROMA_URL): embedded Chroma must not be opened by several processes.
Requests are checked before Bolt sees them: a bad or stale signature or missing
headers -> 401; a correctly signed but malformed body (bad JSON, nested too deeply,
not a Slack payload) -> 400; a body over 1 MiB -> 413. The server keeps serving.

Readiness: a worker opens the public port itself, once its model, index and queue are
ready (gunicorn's master only holds a private Unix socket). Until then a connection is
refused at once instead of waiting out Slack's 3 s in a listen backlog.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from typing import Any
from urllib.parse import parse_qsl

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.settings import Settings, get_settings

log = logging.getLogger("regbot.slack")
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
WORKER_BOOT_ERROR = 3  # gunicorn halts the whole server on this worker exit code
MAX_DEPTH = 64  # Slack's payloads nest about 10 deep (blocks in a message in an event)
MAX_BODY_BYTES = 1 << 20  # Slack's own requests are a few kB
GRACEFUL_TIMEOUT = 30  # s: SIGTERM -> finish the queued answers -> exit


def _first(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    return value[0] if isinstance(value, (list, tuple)) and value else value


def payload_problem(body: str, content_type: str | None) -> str | None:
    """Why a (signed) body is not a Slack request we can handle, or None when it is fine."""
    if not body:
        return "empty body"
    try:
        if body.lstrip().startswith("{") or (content_type or "").startswith("application/json"):
            return _json_problem(_loads(body))
        form = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in form:
            return _interaction_problem(_loads(form["payload"]))
    except RecursionError:
        return f"body is nested more than {MAX_DEPTH} levels deep"
    except (ValueError, TypeError) as exc:
        return f"body is not valid JSON: {exc}"
    if "ssl_check" in form or {"command", "user_id", "channel_id"} <= form.keys():
        return None
    return "not a Slack event, slash command or interaction"


def _loads(text: str) -> Any:
    """json.loads, with RecursionError for data nested deeper than MAX_DEPTH (Python's own
    parser raises it, rather than ValueError, for very deep input)."""
    data = json.loads(text)
    if nesting_depth(data) > MAX_DEPTH:
        raise RecursionError(f"deeper than {MAX_DEPTH}")
    return data


def nesting_depth(data: Any) -> int:
    """How deep lists and objects nest in parsed JSON (iterative: no recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:  # deeper is refused anyway; no need to walk it all
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "JSON body must be an object with a 'type'"
    if data["type"] == "url_verification":
        return None if isinstance(data.get("challenge"), str) else "url_verification without a challenge"
    if data["type"] == "event_callback":
        event = data.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event object"
        return None if isinstance(data.get("event_id"), str) else "event_callback without an event_id"
    return None


def _interaction_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "interaction payload must be an object with a 'type'"
    if data["type"] == "block_actions":
        actions = data.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            return "block_actions without actions"
    return None


class RegbotRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter plus a health check and strict request checks."""

    def __init__(self, app: App, signing_secret: str, path: str = EVENTS_PATH,
                 service: Any = None) -> None:
        super().__init__(app, path)
        self.verifier = SignatureVerifier(signing_secret)
        self.service = service

    def drain(self, timeout: float = GRACEFUL_TIMEOUT - 5) -> None:
        """Finish the answers already acked (called when gunicorn stops a worker)."""
        if self.service is not None:
            self.service.stop(timeout)

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        body, headers = request.get_body(), request.get_headers()
        signature = _first(headers, "x-slack-signature")
        timestamp = _first(headers, "x-slack-request-timestamp")
        if not signature or not timestamp or not self._signed(body, timestamp, signature):
            return BoltResponse(status=401, body="invalid or missing Slack signature")
        problem = payload_problem(body, _first(headers, "content-type"))
        if problem:
            log.warning("rejected a signed request: %s", problem)
            return BoltResponse(status=400, body=problem)
        return self.app.dispatch(BoltRequest(body=body, query=request.query_string, headers=headers))

    def _signed(self, body: str, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature over this body, made within the last 5 minutes."""
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number
            return False

    def __call__(self, environ: dict[str, Any], start_response: Any):
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]  # only reachable once ready: the port opens after the load
        if _content_length(environ) > MAX_BODY_BYTES:
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"body too large"]
        try:
            return super().__call__(environ, start_response)
        except UnicodeDecodeError:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"body is not UTF-8"]


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def create_wsgi_app(settings: Settings | None = None, *, threads: int = 8) -> RegbotRequestHandler:
    """Check the Slack credentials, load the answerer (model + index, once), start the queue
    workers, wrap the Bolt app."""
    from bot.slack.app import create_app, require
    from bot.slack.client import make_web_client
    from bot.slack.service import start_service

    settings = settings or get_settings()
    secrets = require(settings, "slack_bot_token", "slack_signing_secret")
    client = make_web_client(settings, secrets["slack_bot_token"])
    client.auth_test()  # a bad token or an unreachable API fails here, before the slow load
    service = start_service(settings, client, threads=threads)
    app = create_app(settings, service.queue, client=client)
    return RegbotRequestHandler(app, secrets["slack_signing_secret"], service=service)


class GunicornServer(BaseApplication):
    """gunicorn, configured in code: gthread workers, the WSGI app built in each worker, and
    the public port opened by each worker once it is ready (SO_REUSEPORT: one per worker)."""

    def __init__(self, options: dict[str, Any], threads: int, host: str, port: int) -> None:
        self.options = {**options, "worker_exit": self._worker_exit, "post_worker_init": self._listen}
        self.threads = threads
        self.address = (host, port)
        self.handler: RegbotRequestHandler | None = None
        super().__init__()

    def _worker_exit(self, server: Any, worker: Any) -> None:
        if self.handler is not None:  # in the worker process: answer what was acked
            self.handler.drain()

    def _listen(self, worker: Any) -> None:
        """After load: serve the public port from this worker (the master's socket is private)."""
        try:
            worker.sockets = [listen_socket(*self.address, backlog=worker.cfg.backlog)]
        except OSError as exc:
            log.error("regbot slack cannot listen on %s:%d: %s", *self.address, exc)
            sys.exit(WORKER_BOOT_ERROR)
        log.info("ready: worker %d accepts Slack requests on %s:%d", os.getpid(), *self.address)

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> RegbotRequestHandler:
        logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
        logging.getLogger("regbot").setLevel(logging.INFO)
        from slack_bolt.error import BoltError
        from slack_sdk.errors import SlackApiError

        from bot.slack.app import SlackConfigError
        from bot.slack.queue import QueueError
        from index.errors import RegbotIndexError

        try:
            self.handler = create_wsgi_app(threads=self.threads)
            return self.handler
        except (RegbotIndexError, SlackConfigError, QueueError, BoltError, SlackApiError) as exc:
            log.error("regbot slack cannot start: %s", exc)
            sys.exit(WORKER_BOOT_ERROR)  # gunicorn then stops with exit code 3
        except OSError as exc:  # the Web API is unreachable (auth.test at start-up)
            log.error("regbot slack cannot start: Slack Web API at %s unreachable: %s",
                      get_settings().slack_api_url, exc)
            sys.exit(WORKER_BOOT_ERROR)  # gunicorn then stops with exit code 3


def listen_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A non-blocking listening TCP socket; SO_REUSEPORT lets each worker bind the same port
    (the kernel spreads connections over the workers that are ready)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


def gunicorn_options(private_socket: str, workers: int, threads: int) -> dict[str, Any]:
    return {"bind": f"unix:{private_socket}", "workers": workers,
            "worker_class": "gthread", "threads": threads, "timeout": 120,
            "graceful_timeout": GRACEFUL_TIMEOUT, "keepalive": 5, "backlog": 512, "accesslog": None,
            "errorlog": "-", "loglevel": "info", "proc_name": "regbot-slack", "control_socket_disable": True}


def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Run until interrupted (gunicorn handles SIGTERM/SIGINT gracefully)."""
    private, master = tempfile.mkdtemp(prefix="regbot-slack-"), os.getpid()
    try:
        options = gunicorn_options(os.path.join(private, "master.sock"), workers, threads)
        GunicornServer(options, threads, host, port).run()
    finally:  # a worker is a fork that exits through here too: only the master cleans up
        if os.getpid() == master:
            shutil.rmtree(private, ignore_errors=True)
