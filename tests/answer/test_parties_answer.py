"""Screening in every answer (issue 10 points 3 and 5): `regbot ask`, `--end-user`, a chat
follow-up, `regbot check --end-user` and the decision log, over the real ../shared/corpus index
and the list the package ships (2026-07-31)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from bot.answer import Answerer, answer_to_json
from bot.settings import Settings
from regbot_paths import SHARED

pytestmark = pytest.mark.slow
REGBOT = str(Path(sys.executable).with_name("regbot"))
BAAI = "Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?"
LIST_DATE = "2026-07-31"
TODAY = date(2026, 12, 1)


def regbot(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([REGBOT, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def answerer(corpus_home, tmp_path_factory) -> Answerer:
    """The corpus index, with a decision log of its own (the shared home stays read-only)."""
    home = tmp_path_factory.mktemp("parties") / "home"
    shutil.copytree(corpus_home, home, ignore=shutil.ignore_patterns("decisions.sqlite*"))
    return Answerer(Settings(home=home))


@pytest.fixture(scope="module")
def baai_row() -> dict:
    for line in (SHARED / "screening" / "csl.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["name"] == "Beijing Academy of Artificial Intelligence":
            return row
    raise AssertionError("the Entity List entry is not in the shared list")


def test_done_when_regbot_ask_baai(use_corpus_home, baai_row, verify_quotes):
    done = regbot("ask", BAAI, "--json", "--no-log")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["verdict"]["status"] == "license_required"
    verify_quotes(data)
    text = data["text"]
    assert text.startswith("Licence required:") and f"List of {LIST_DATE}" in text.split("\n")[0]
    for column in ("license_requirement", "license_policy", "federal_register_notice"):
        assert baai_row[column] in text  # the entry, quoted as the list gives it
    screening = data["verdict"]["screening"]
    assert screening["list_date"] == LIST_DATE
    assert [h["list_code"] for h in screening["hits"]] == ["EL"]
    assert data["facts"]["parties"] == ["Beijing Academy of Artificial Intelligence"]


def test_unscreened_answers_say_so_on_their_first_line(answerer):
    answer = answerer.answer("Can we sell 7A994 avionics to a Cambodian airline?", as_of=TODAY,
                             log=False)
    assert answer.verdict.status == "no_license_required"
    first = answer.text.split("\n")[0]
    assert first.startswith("No licence required:") and "has not been screened" in first
    assert any("not been screened" in q for q in answer.verdict.clarifying_questions)


def test_a_screened_no_licence_answer_names_the_list_date(answerer):
    answer = answerer.answer("Can we ship EAR99 pumps to Mekong Star Logistics in Cambodia?",
                             as_of=TODAY, log=False)
    assert answer.verdict.status == "no_license_required"
    assert f"Consolidated Screening List of {LIST_DATE}: no match" in answer.text.split("\n")[0]


def test_end_user_option_is_screened(use_corpus_home):
    done = regbot("ask", "Can we ship EAR99 pumps to Cambodia?", "--end-user", "Try Pheap Group",
                  "--json", "--no-log")
    data = json.loads(done.stdout)
    assert data["verdict"]["status"] == "prohibited"
    assert data["facts"]["end_user"] == "Try Pheap Group"
    assert any(h["list_code"] == "SDN" for h in data["verdict"]["screening"]["hits"])
    bad = regbot("ask", "Can we ship EAR99 pumps to Cambodia?", "--end-user", "x" * 300)
    assert bad.returncode == 2 and "too long" in bad.stderr


def test_check_end_user_is_screened():
    done = regbot("check", "-d", "CN", "-c", "EAR99", "--end-user",
                  "Beijing Academy of Artificial Intelligence", "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["status"] == "license_required"
    assert data["screening"]["list_date"] == LIST_DATE
    human = regbot("check", "-d", "KH", "-c", "EAR99", "--end-user", "Try Pheap Group")
    assert "PROHIBITED" in human.stdout and "SDN" in human.stdout


def test_a_chat_follow_up_names_the_buyer(answerer):
    from bot.chat import ChatSession

    out = StringIO()
    session = ChatSession(ask=answerer.answer, console=Console(file=out, width=200), log=False)
    session.handle("Can we ship EAR99 pumps to Cambodia?")
    assert session.last.verdict.status == "no_license_required"
    assert not session.last.verdict.screening.parties
    session.handle("the buyer is Try Pheap Group")
    assert session.last.facts.destination == "KH" and session.last.facts.classification == "EAR99"
    assert session.last.verdict.status == "prohibited"
    assert "TRY PHEAP GROUP" in out.getvalue()


def test_the_decision_log_records_the_list_date_and_the_hits(answerer):
    from bot.decision_log import read_rows, verify

    answer = answerer.answer(BAAI, as_of=TODAY, log=True, front_end="cli")
    clean = answerer.answer("Can we sell 7A994 avionics to a Cambodian airline?", as_of=TODAY,
                            log=True, front_end="cli")
    rows = {r["id"]: r for r in read_rows(settings=answerer.settings)}
    logged = rows[answer.log_id]["verdict"]["screening"]
    assert logged["list_date"] == LIST_DATE
    assert [(h["name"], h["list_code"], h["status"]) for h in logged["hits"]] == [
        ("Beijing Academy of Artificial Intelligence", "EL", "license_required")]
    assert rows[answer.log_id]["facts"]["parties"] == ["Beijing Academy of Artificial Intelligence"]
    assert rows[clean.log_id]["verdict"]["screening"]["parties"] == []  # logged: not screened
    assert verify(answerer.settings).ok
    assert answer_to_json(answer)["verdict"]["screening"] == logged
