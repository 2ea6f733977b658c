"""`regbot chat` driven as a person would: through a pseudo-terminal (pexpect), and through a pipe."""
from __future__ import annotations

import os
import shutil
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

REGBOT = str(Path(sys.executable).with_name("regbot"))
PROMPT = "regbot>"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ANSWERED = r"as of \d{4}-\d\d-\d\d"  # the verdict panel's subtitle, never typed by the user


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "200",
            "HF_HUB_OFFLINE": "1", **extra}


def _ask(child: pexpect.spawn, line: str, until: str) -> str:
    """Send one line, wait for `until` (a regex the reply prints) and the next prompt."""
    child.sendline(line)
    child.expect(until)
    out = child.before + child.after
    child.expect_exact(PROMPT)
    return ANSI.sub("", out + child.before)


@pytest.mark.slow
def test_chat_in_a_terminal_keeps_context(corpus_home, tmp_path):
    home = tmp_path / "home"  # a copy: the chat writes its history and the decision log
    shutil.copytree(corpus_home, home, ignore=shutil.ignore_patterns("decisions.sqlite*"))
    child = pexpect.spawn(REGBOT, ["chat"], env=_env(REGBOT_HOME=str(home)), encoding="utf-8",
                          timeout=120, dimensions=(60, 200))
    try:
        child.expect_exact(PROMPT)
        first = _ask(child, "Can we sell avionics to Cambodia?", ANSWERED)
        assert "It depends" in first and "[1]" in first and "“" in first
        army = _ask(child, "what if the buyer is the army?", ANSWERED)
        assert "Needs a licence" in army and "Cambodia" in army  # the brief: bottom line first
        facts = _ask(child, "/facts", "Understood: .*as of")
        assert "Cambodia" in facts and "army" in facts and "avionics" in facts
        past = _ask(child, "and back in 2023?", ANSWERED)
        assert "as of 2023-" in past and "prohibited" in past  # USML items were, in 2023
        why = _ask(child, "/why", "Rules: ")  # the full reasons, rule ids and values behind /why
        assert "Cambodia" in why and "126.1(o)" in why and "itar.126_1.KH" in why
        assert "Answering as of 2023-03-01" in _ask(child, "/date 2023-03-01", "Answering as of")
        assert "Not a date" in _ask(child, "/date someday", "Not a date")
        assert "retrieved #1" in _ask(child, "/sources", "retrieved #1")
        assert "/quit" in _ask(child, "/help", "/quit +leave")
        _ask(child, "/reset", "Forgotten")
        assert "No facts yet" in _ask(child, "/facts", "No facts yet")
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert "Cambodia" in (home / "chat_history").read_text()
    from bot.decision_log import read_rows
    from bot.settings import Settings

    rows = read_rows(settings=Settings(home=home))
    assert [r["front_end"] for r in rows] == ["chat"] * 3
    assert [r["facts"]["end_user"] for r in rows] == [None, "army", "army"]


@pytest.mark.slow
def test_chat_reads_lines_when_stdin_is_not_a_terminal(use_corpus_home):
    lines = (b"Can we sell avionics to Cambodia?\nwhat if the buyer is the army?\n/facts\n"
             + b"x" * 100_000 + b"\n\xff\xfe avionics?\n/bogus\n")  # huge line, non-UTF-8 bytes
    done = subprocess.run([REGBOT, "chat", "--no-log"], input=lines, capture_output=True,
                          env=_env(), timeout=120)
    done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("It depends") + done.stdout.count("Needs a licence") >= 2
    assert "end user: army" in done.stdout
    assert "too long" in done.stdout and "Unknown command /bogus" in done.stdout
    assert "Traceback" not in done.stderr


def test_ctrl_c_during_an_answer_returns_to_the_prompt():
    """Ctrl-C while an answer is being made stops that answer; the session goes on."""
    import io

    from rich.console import Console

    from bot.chat import ChatSession, run_chat

    asked: list[str] = []

    def ask(line, **_):
        asked.append(line)
        raise KeyboardInterrupt

    out = io.StringIO()
    session = ChatSession(ask=ask, console=Console(file=out, width=100))
    run_chat(session, ["Can we sell avionics to Cambodia?", "/facts", "again?"])
    assert asked == ["Can we sell avionics to Cambodia?", "again?"]
    assert out.getvalue().count("interrupted") == 2 and "No facts yet" in out.getvalue()


def test_chat_without_an_index_says_run_ingest(regbot_home):
    done = subprocess.run([REGBOT, "chat"], input=b"", capture_output=True, env=_env(), timeout=120)
    assert done.returncode == 3 and b"regbot ingest" in done.stderr and b"Traceback" not in done.stderr
