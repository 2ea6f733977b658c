"""Issue 12's small things: `--json` errors are JSON objects, a closed pipe ends quietly,
`exit` / `quit` / `bye` leave the chat."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from bot.chat import ChatSession
from bot.cli import cli

REGBOT = str(Path(sys.executable).with_name("regbot"))


@pytest.mark.parametrize("args, code", [
    (["check", "-d", "Atlantis", "--json"], 1),
    (["check", "--json"], 2),
    (["check", "-d", "KH", "--as-of", "2025-13-01", "--json"], 1),
    (["check", "-d", "KH", "-c", "USML XXV", "--json"], 2),
    (["ask", "--json"], 2),
    (["ask", "   ", "--json"], 1),
    (["ask", "x", "--as-of", "someday", "--json"], 2),
    (["ask", "Can we sell avionics to Cambodia?", "--json"], 3),  # no index in this REGBOT_HOME
    (["search", "", "--json"], 2),
    (["search", "7A994", "--json"], 3),
    (["screen", "--json"], 2),
    (["rules", "info", "--json", "--bogus"], 2),
])
def test_json_errors_are_one_object_on_stdout(args, code):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"error", "exit_code"} and data["exit_code"] == code and data["error"]
    assert "Traceback" not in result.output


def test_without_json_errors_stay_plain_text_on_stderr():
    result = CliRunner().invoke(cli, ["check", "-d", "Atlantis"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "error: I don't know the country 'Atlantis'" in result.stderr


@pytest.mark.parametrize("args", [["rules", "info"], ["check", "-d", "KH", "-i", "avionics"],
                                  ["rules", "info", "--json"]])
def test_a_closed_pipe_ends_quietly_with_exit_0(args):
    """`regbot ... | head -1`: the reader goes away after one line."""
    proc = subprocess.Popen([REGBOT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "Broken pipe" not in err and "BrokenPipeError" not in err


@pytest.mark.parametrize("word", ["exit", "quit", "bye", "Bye!", "/quit", "EXIT"])
def test_chat_leaves_on_exit_words(word):
    asked = []
    session = ChatSession(ask=lambda *a, **k: asked.append(a), console=Console(file=None))
    assert session.handle(word) is False and asked == []


def test_chat_still_answers_questions_that_mention_exit():
    from bot.question import QuestionError

    asked = []

    def ask(question, **kwargs):
        asked.append(question)
        raise QuestionError("stand-in: not answered here")

    session = ChatSession(ask=ask, console=Console(quiet=True))
    assert session.handle("exit controls for Cambodia?") is True
    assert asked == ["exit controls for Cambodia?"]
