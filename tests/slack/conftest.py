"""Fixtures for the Slack app tests: the fake Slack Web API and a real `regbot slack serve`
(gunicorn) over a private copy of the shared-corpus index, both started once per session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # slack_harness, slack_fake_api, slack_requests, ...
sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))  # bench_slack

from slack_fake_api import FakeSlackAPI  # noqa: E402
from slack_harness import copy_home, start_server, stop_server  # noqa: E402


@pytest.fixture(scope="session")
def fake_slack():
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture(scope="session")
def slack_home(corpus_home, tmp_path_factory) -> Path:
    """A copy of the corpus index, so our decision-log rows never touch the shared one."""
    return copy_home(corpus_home, tmp_path_factory.mktemp("slack") / "home")


@pytest.fixture(scope="session")
def slack_server(slack_home, fake_slack, tmp_path_factory):
    server = start_server(slack_home, fake_slack.api_url, tmp_path_factory.mktemp("slacklog") / "serve.log")
    yield server
    stop_server(server)
