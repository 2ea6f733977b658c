"""A local fake of Slack's Web API (and of `response_url`s) for tests and the benchmark.

A small threaded HTTP server that records every call, keeps posted messages so
`conversations.replies` can return a thread (with metadata), and can be told to
answer a method with 429 + Retry-After or a 5xx first. Start it, point
`REGBOT_SLACK_API_URL` at `fake.api_url`, then assert on `fake.calls(...)`.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

RESPONSE_PREFIX = "/response/"


@dataclass(frozen=True)
class Call:
    """One request the fake received; `method` is e.g. 'chat.postMessage' or 'response_url'."""

    method: str
    params: dict[str, Any]
    at: float  # time.time() when received
    status: int  # what the fake answered
    token: str | None = None
    hook: str | None = None  # the response_url name, for method == 'response_url'


@dataclass
class _Fault:
    status: int
    remaining: int
    retry_after: int | None
    error: str | None = None


@dataclass
class FakeState:
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"
    socket_url: str | None = None  # what apps.connections.open hands out (Socket Mode)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    faults: dict[str, list[_Fault]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_ts: int = 0  # µs

    def next_ts(self) -> str:
        """A message ts as Slack makes them: the posting time, unique and increasing."""
        self.last_ts = max(time.time_ns() // 1000, self.last_ts + 1)  # integer µs: no float rounding
        return f"{self.last_ts // 1_000_000}.{self.last_ts % 1_000_000:06d}"


class FakeSlackAPI:
    """`with FakeSlackAPI() as fake:` runs the fake on a free local port."""

    def __init__(self, bot_user_id: str = "UBOT") -> None:
        self.state = FakeState(bot_user_id=bot_user_id)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> "FakeSlackAPI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeSlackAPI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}{RESPONSE_PREFIX}{name}"

    # ----------------------------------------------------------------- control
    def fail_next(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None,
                  error: str | None = None) -> None:
        """Answer the next `times` calls of `method` with `status` (e.g. 429 or 503), or with
        200 and `{"ok": false, "error": error}` (e.g. error="not_in_channel")."""
        with self.state.lock:
            self.state.faults.setdefault(method, []).append(_Fault(status, times, retry_after, error))

    def add_message(self, channel: str, ts: str, text: str, user: str = "UHUMAN",
                    thread_ts: str | None = None) -> None:
        """Seed a human message (so threads hold what Slack would hold)."""
        with self.state.lock:
            self.state.messages.setdefault(channel, []).append(
                {"type": "message", "ts": ts, "thread_ts": thread_ts, "text": text, "user": user})

    def calls(self, method: str | None = None, *, ok_only: bool = True) -> list[Call]:
        with self.state.lock:
            found = list(self.state.calls)
        return [c for c in found if (method is None or c.method == method)
                and (not ok_only or c.status == 200)]

    def reset_calls(self) -> None:
        with self.state.lock:
            self.state.calls.clear()

    def wait_for(self, predicate: Callable[["FakeSlackAPI"], Any], timeout: float = 20.0) -> Any:
        """Poll until `predicate(self)` is truthy; return its value (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate(self)
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"fake Slack API: condition not met in {timeout}s; calls: "
                             f"{[c.method for c in self.calls(ok_only=False)]}")


# --------------------------------------------------------------------------- request handling


def _parse(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    query = dict(parse_qsl(urlsplit(handler.path).query))
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length).decode("utf-8") if length else ""
    if "json" in (handler.headers.get("Content-Type") or "") and raw:
        body = json.loads(raw)
    else:
        body = dict(parse_qsl(raw))
        for key in ("blocks", "metadata"):
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
    return {**query, **body}


def _take_fault(state: FakeState, method: str) -> _Fault | None:
    queue = state.faults.get(method) or []
    if not queue:
        return None
    fault = queue[0]
    fault.remaining -= 1
    if fault.remaining <= 0:
        queue.pop(0)
    return fault


def _respond(state: FakeState, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The fake's answer to one successful Web API call (caller holds the lock)."""
    if method == "auth.test":
        return {"ok": True, "user_id": state.bot_user_id, "bot_id": state.bot_id, "team_id": "T0001",
                "user": "regbot", "team": "Test", "url": "https://test.slack.com/"}
    if method == "chat.postMessage":
        ts = state.next_ts()
        message = {"type": "message", "ts": ts, "thread_ts": params.get("thread_ts"),
                   "text": params.get("text"), "blocks": params.get("blocks"),
                   "metadata": params.get("metadata"), "user": state.bot_user_id, "bot_id": state.bot_id}
        state.messages.setdefault(str(params.get("channel")), []).append(message)
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
    if method == "chat.update":
        for message in state.messages.get(str(params.get("channel")), []):
            if message["ts"] == params.get("ts"):
                message.update({k: params[k] for k in ("text", "blocks", "metadata") if k in params})
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
    if method == "conversations.replies":
        thread = str(params.get("ts"))
        found = [dict(m) for m in state.messages.get(str(params.get("channel")), [])
                 if thread in (m["ts"], m.get("thread_ts"))]
        if str(params.get("include_all_metadata")).lower() not in ("1", "true"):
            for m in found:
                m.pop("metadata", None)
        return {"ok": True, "messages": sorted(found, key=lambda m: m["ts"]), "has_more": False}
    if method == "conversations.history":  # top-level messages, newest first
        oldest = _ts_key(params.get("oldest") or "0")
        found = [dict(m) for m in state.messages.get(str(params.get("channel")), [])
                 if not m.get("thread_ts") and _ts_key(m["ts"]) >= oldest]
        if str(params.get("include_all_metadata")).lower() not in ("1", "true"):
            for m in found:
                m.pop("metadata", None)
        return {"ok": True, "messages": sorted(found, key=lambda m: _ts_key(m["ts"]), reverse=True),
                "has_more": False}
    if method == "apps.connections.open":
        if state.socket_url is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": state.socket_url}
    if method == "chat.postEphemeral":
        return {"ok": True, "message_ts": state.next_ts()}
    return {"ok": True}


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = str(ts).partition(".")
    return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])


def _handler_for(state: FakeState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            path = urlsplit(self.path).path
            hook = path[len(RESPONSE_PREFIX):] if path.startswith(RESPONSE_PREFIX) else None
            method = "response_url" if hook is not None else path.rsplit("/", 1)[-1]
            try:
                params = _parse(self)
            except (ValueError, UnicodeDecodeError):
                return self._send(400, {"ok": False, "error": "invalid_body"})
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or None
            with state.lock:
                fault = _take_fault(state, method)
                status = fault.status if fault else 200
                error = fault and (fault.error or ("ratelimited" if status == 429 else "fatal_error"))
                body = {"ok": False, "error": error} if fault else _respond(state, method, params)
                state.calls.append(Call(method, params, time.time(), status, token, hook))
            headers = {"Retry-After": str(fault.retry_after)} if fault and fault.retry_after else {}
            self._send(status, body if hook is None or fault else "ok", headers)

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
