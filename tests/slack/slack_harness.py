"""Drive a real `regbot slack serve` the way Slack does: signed requests over HTTP.
Used by the tests and the benchmarks (tests/bench), together with slack_fake_api.
Test code only: it is not part of the installed package."""
from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from slack_sdk.signature import SignatureVerifier

TEST_SECRET = "test-signing-secret"
_ids = itertools.count(1)
_ts_lock = threading.Lock()
_last_ts = [0]


# --------------------------------------------------------------------------- requests


def signed_headers(body: str, secret: str = TEST_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "Content-Type": content_type,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def post_signed(url: str, body: str, *, content_type: str = "application/json", secret: str = TEST_SECRET,
                timestamp: int | None = None, headers: dict[str, str] | None = None,
                retry_num: int | None = None, session: Any = requests) -> requests.Response:
    """POST `body` as Slack would (headers=... replaces the signed headers entirely)."""
    sent = signed_headers(body, secret, timestamp, content_type) if headers is None else headers
    if retry_num:
        sent = {**sent, "X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return session.post(url, data=body.encode("utf-8"), headers=sent, timeout=30)


def next_ts() -> str:
    """A message ts as Slack makes them: the sending time, unique and increasing."""
    with _ts_lock:
        _last_ts[0] = max(time.time_ns() // 1000, _last_ts[0] + 1)  # integer µs: no float rounding
        return f"{_last_ts[0] // 1_000_000}.{_last_ts[0] % 1_000_000:06d}"


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps({"token": "x", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
                       "event_id": event_id or f"Ev{time.time_ns()}{next(_ids)}",
                       "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
                       "event": event})


def mention(text: str, *, channel: str = "C0CHAN", user: str = "UASKER", ts: str | None = None,
            thread_ts: str | None = None) -> dict[str, Any]:
    ts = ts or next_ts()
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel,
             "ts": ts, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


# --------------------------------------------------------------------------- the server process


@dataclass
class ServerProcess:
    url: str  # .../slack/events
    base: str
    home: Path
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(home: Path, api_url: str, secret: str = TEST_SECRET, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGBOT_", "SLACK_"))}
    env.update({"REGBOT_HOME": str(home), "REGBOT_SLACK_API_URL": api_url, "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": secret, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def regbot_executable() -> str:
    candidate = Path(sys.executable).with_name("regbot")
    return str(candidate) if candidate.exists() else "regbot"


def start_server(home: Path, api_url: str, log_path: Path, *, threads: int = 8, workers: int | None = None,
                 timeout: float = 180.0, **env: str) -> ServerProcess:
    """Start `regbot slack serve` and return once /healthz answers (AssertionError otherwise)."""
    port = free_port()
    with open(log_path, "wb") as out:
        process = subprocess.Popen([regbot_executable(), "slack", "serve", "--host", "127.0.0.1",
                                    "--port", str(port), "--threads", str(threads),
                                    *(["--workers", str(workers)] if workers else [])],
                                   env=server_env(home, api_url, **env), stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    server = ServerProcess(f"{base}/slack/events", base, Path(home), Path(log_path), process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"regbot slack serve exited {process.returncode}:\n{server.log()}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise AssertionError(f"regbot slack serve did not come up in {timeout}s:\n{server.log()}")


def stop_server(server: ServerProcess) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=40)  # gunicorn's graceful stop answers what is queued first
    except subprocess.TimeoutExpired:
        for pid in worker_pids(server):
            os.kill(pid, signal.SIGKILL)
        server.process.kill()
        server.process.wait()


def worker_pids(server: ServerProcess) -> list[int]:
    """The live gunicorn worker processes of `server` (children of its master), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rpartition(")")[2].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == server.process.pid and state != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def kill_worker(server: ServerProcess) -> int:
    """kill -9 one gunicorn worker of `server` (its master then boots a new one); the pid."""
    pid = worker_pids(server)[0]
    os.kill(pid, signal.SIGKILL)
    return pid


def wait_healthy(server: ServerProcess, timeout: float = 180.0, not_pid: int | None = None) -> None:
    """Until /healthz answers again (after a worker was killed: from a worker other than `not_pid`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            alive = [p for p in worker_pids(server) if p != not_pid]
            if alive and requests.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"regbot slack serve did not come back in {timeout}s:\n{server.log()}")


def deliver(urls: list[str], body: str, *, attempts: int = 60, pause: float = 0.5,
            timeout: float = 3.0) -> tuple[int, float, float]:
    """Send an event as Slack does, until it gets a 200: a refused or reset connection, no answer
    within Slack's 3 s, or an error status is retried (X-Slack-Retry-Num), each try going to the
    next of `urls` as a load balancer would. Slack waits 1 and 5 minutes between its retries;
    here `pause` s. (tries, seconds the first try took to be acked or to fail, time.time() of the 200)"""
    first = None
    for n in range(attempts):
        sent = signed_headers(body)
        if n:
            sent = {**sent, "X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
        started = time.perf_counter()
        try:
            status = requests.post(urls[n % len(urls)], data=body.encode(), headers=sent, timeout=timeout).status_code
        except requests.RequestException:
            status = None
        first = time.perf_counter() - started if first is None else first
        if status == 200:
            return n + 1, first, time.time()
        time.sleep(pause)
    raise AssertionError(f"no 200 after {attempts} deliveries")


@dataclass
class RedisServer:
    """A private `redis-server` (Debian package redis-server) on a free port in a temp folder."""

    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_redis(folder: Path) -> RedisServer:
    """Start redis-server (AOF on, as a deployment should run it) and wait until it answers."""
    import redis

    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    assert Path(exe).exists(), "redis-server not installed (apt-get install -y redis-server; .ci/run does it)"
    port = free_port()
    log = open(folder / "redis.log", "wb")
    process = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                                "--save", "", "--appendonly", "yes", "--daemonize", "no"],
                               stdout=log, stderr=subprocess.STDOUT)
    server = RedisServer(f"redis://127.0.0.1:{port}/0", process)
    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis.from_url(server.url, socket_connect_timeout=1).ping()
            return server
        except redis.RedisError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise AssertionError((folder / "redis.log").read_text(errors="replace"))
            time.sleep(0.1)


def copy_home(src: Path, dst: Path) -> Path:
    """A private copy of an index folder (its decision log and Slack queue left behind)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("decisions.sqlite*", "slack_*"))
    return dst
