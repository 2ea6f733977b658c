"""Fixtures for the Slack app tests: the fake Slack Web API and a real `regbot slack serve`
(gunicorn) over a private copy of the shared-corpus index, both started once per session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.slack.fake_api import FakeSlackAPI
from bot.slack.harness import copy_home, start_server, stop_server

sys.path.insert(0, str(Path(__file__).parent))  # slack_requests, slack_answers


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
