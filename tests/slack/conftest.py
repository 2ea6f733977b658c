"""Fixtures for the Slack app tests: the fake Slack Web API and a real `regbot slack serve`
(gunicorn) over a copy of the shared-corpus index, both started once per session."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.slack.fake_api import FakeSlackAPI

sys.path.insert(0, str(Path(__file__).parent))  # slack_requests, slack_answers

from slack_requests import SECRET  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REGBOT = REPO / ".venv" / "bin" / "regbot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SlackServer:
    url: str  # .../slack/events
    base: str
    home: Path
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def slack_env(home: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGBOT_", "SLACK_"))}
    env.update({"REGBOT_HOME": str(home), "REGBOT_SLACK_API_URL": api_url, "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SECRET, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start_server(home: Path, api_url: str, log_path: Path, *, threads: int = 8,
                 timeout: float = 180.0, **env: str) -> SlackServer:
    """`regbot slack serve` as a subprocess; returns once /healthz answers."""
    port = free_port()
    out = open(log_path, "wb")
    process = subprocess.Popen([str(REGBOT), "slack", "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--threads", str(threads)], env=slack_env(home, api_url, **env),
                               stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    server = SlackServer(f"{base}/slack/events", base, home, log_path, process)
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


def stop_server(server: SlackServer) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def copy_home(corpus_home: Path, dst: Path) -> Path:
    """A private copy of the shared-corpus index (the decision log written here is ours)."""
    shutil.copytree(corpus_home, dst, ignore=shutil.ignore_patterns("decisions.sqlite*", "slack_*"))
    return dst


@pytest.fixture(scope="session")
def fake_slack():
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture(scope="session")
def slack_home(corpus_home, tmp_path_factory) -> Path:
    return copy_home(corpus_home, tmp_path_factory.mktemp("slack") / "home")


@pytest.fixture(scope="session")
def slack_server(slack_home, fake_slack, tmp_path_factory):
    server = start_server(slack_home, fake_slack.api_url, tmp_path_factory.mktemp("slacklog") / "serve.log")
    yield server
    stop_server(server)
