"""`regbot ask` as a process: done-when questions, batch, JSON contract and every bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REGBOT = str(Path(sys.executable).with_name("regbot"))
Q = "Can we sell avionics to Cambodia?"


def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([REGBOT, "ask", *args], input=stdin, capture_output=True, timeout=180,
                          env={**os.environ, **(env or {})})
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return done


@pytest.mark.slow
def test_ask_human_output(use_corpus_home):
    done = run(Q, "--no-log")
    out = done.stdout.decode()
    assert done.returncode == 0
    lines = out.rstrip("\n").split("\n")
    assert lines[0].startswith("It depends on ") and len(lines) <= 12  # the brief (issue 12)
    assert "[1]" in out and "“" in out  # quotes are shown
    assert "744.21" not in out and "ear.744_21" not in out  # rule ids and the rest: --full
    full = run(Q, "--no-log", "--full").stdout.decode()
    assert "How it turns out" in full and "744.21" in full and "ear.744_21.group1" in full


@pytest.mark.slow
def test_ask_json_today_and_2023(use_corpus_home, verify_quotes):
    today = json.loads(run(Q, "--json", "--no-log").stdout)
    assert today["verdict"]["status"] == "depends" and today["verdict"]["clarifying_questions"]
    assert today["timings_ms"]["total"] > 0
    verify_quotes(today)
    past = json.loads(run(Q, "--as-of", "2023-03-01", "--json", "--no-log").stdout)
    assert past["as_of"] == "2023-03-01"
    assert any("126.1(o)" in (c["citation"] or "") for c in past["citations"])
    assert any(b["status"] == "prohibited" for b in past["verdict"]["branches"])
    verify_quotes(past)


@pytest.mark.slow
def test_batch_plain_and_jsonl_lines(use_corpus_home, tmp_path, verify_quotes):
    batch = tmp_path / "qs.txt"
    batch.write_text("\n".join([
        Q,
        json.dumps({"id": "q2", "question": Q, "as_of": "2023-03-01"}),
        "",
        json.dumps({"id": "q3", "question": "   "}),
        "{not json",
        json.dumps({"id": "q5", "question": Q, "as_of": "2023-02-30"}),
    ]), encoding="utf-8")
    done = run("--batch", str(batch), "--json", "--no-log")
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 1 and len(lines) == 5
    assert "id" not in lines[0] and lines[0]["verdict"]["status"] == "depends"
    assert lines[1]["id"] == "q2" and lines[1]["as_of"] == "2023-03-01"
    assert lines[2] == {"id": "q3", "error": lines[2]["error"]} and "empty" in lines[2]["error"]
    assert lines[3]["line"] == 5 and "JSON" in lines[3]["error"]
    assert lines[4]["id"] == "q5" and "YYYY-MM-DD" in lines[4]["error"]
    for answer in lines[:2]:
        verify_quotes(answer)


def test_non_utf8_stdin_is_rejected_clearly():
    done = run("--batch", "-", "--json", stdin=b"Can we sell \xff\xfe avionics?\n")
    assert done.returncode == 2  # unreadable batch: exit 2, and under --json the error is JSON (issue 12)
    error = json.loads(done.stdout)
    assert error["exit_code"] == 2 and "not UTF-8" in error["error"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 100_000])
def test_empty_or_huge_question(question):
    done = run(question)
    assert done.returncode == 1 and b"error:" in done.stderr and done.stdout == b""



def test_question_limit_follows_settings():
    done = run("Can we sell avionics to Cambodia today?", env={"REGBOT_MAX_QUESTION_CHARS": "20"})
    assert done.returncode == 1 and b"the limit is 20" in done.stderr


@pytest.mark.parametrize("var, value", [("REGBOT_RELEVANCE_THRESHOLD", "high"),
                                        ("REGBOT_MAX_QUESTION_CHARS", "-5")])
def test_bad_configuration_is_a_clear_usage_error(var, value):
    done = run(Q, env={var: value})
    assert done.returncode == 2 and b"bad configuration" in done.stderr
    assert var.removeprefix("REGBOT_").lower().encode() in done.stderr

def test_usage_errors():
    assert run().returncode == 2
    assert run(Q, "--batch", "f.txt").returncode == 2
    bad = run(Q, "--as-of", "2023-13-01")
    assert bad.returncode == 2 and b"YYYY-MM-DD" in bad.stderr
    missing = run("--batch", "/no/such/file.txt")
    assert missing.returncode == 2 and b"cannot read" in missing.stderr


def test_missing_index_says_run_ingest(regbot_home):
    done = run(Q)
    assert done.returncode == 3 and b"regbot ingest" in done.stderr


@pytest.mark.slow
def test_corrupt_index_says_run_ingest(corpus_home, tmp_path):
    import shutil

    home = tmp_path / "corrupt"
    shutil.copytree(corpus_home, home)
    (home / "chunks.sqlite").write_bytes(b"garbage" * 1000)
    done = run(Q, env={"REGBOT_HOME": str(home)})
    assert done.returncode == 3 and b"regbot ingest" in done.stderr


@pytest.mark.slow
def test_misconfigured_llm_falls_back(use_corpus_home):
    done = run(Q, "--json", "--no-log", env={"REGBOT_LLM_PROVIDER": "openai",
                                              "REGBOT_LLM_MODEL": "gpt-4o-mini",
                                              "REGBOT_LLM_API_KEY": "sk-bad"})
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["model"] is None
    assert any("language model unavailable" in n for n in data["notes"])
    assert data["verdict"]["status"] == "depends"


@pytest.mark.slow
def test_impossible_date_and_unknown_country(use_corpus_home):
    bad = run("Could we sell avionics to Cambodia on 31 February 2023?", "--no-log")
    assert bad.returncode == 1 and b"not a real date" in bad.stderr
    done = run("Can we sell avionics to Wakanda?", "--json", "--no-log")
    unknown = json.loads(done.stdout)  # still answered in full, but the input is rejected: exit 1
    assert done.returncode == 1 and unknown["verdict"]["status"] == "cannot_determine"
    assert "Wakanda" in unknown["text"]


def test_impossible_date_is_rejected_before_the_index_is_needed(regbot_home):
    bad = run("Could we sell avionics to Cambodia on 31 February 2023?", "--no-log")
    assert bad.returncode == 1 and b"not a real date" in bad.stderr and b"Traceback" not in bad.stderr


@pytest.mark.slow
def test_answers_are_logged_unless_no_log(corpus_home, tmp_path):
    import shutil

    home = tmp_path / "logged"
    shutil.copytree(corpus_home, home, ignore=shutil.ignore_patterns("decisions.sqlite*"))
    env = {"REGBOT_HOME": str(home), "SLACK_BOT_TOKEN": "xoxb-never-logged-42"}
    assert run(Q, "--json", env=env).returncode == 0
    assert run(Q, "--json", "--no-log", env=env).returncode == 0

    def regbot_log(*args):
        return subprocess.run([REGBOT, "log", *args], capture_output=True, text=True,
                              env={**os.environ, **env}, timeout=60)

    rows = json.loads(regbot_log("--json").stdout)
    assert len(rows) == 1 and rows[0]["front_end"] == "cli" and rows[0]["status"] == "depends"
    assert rows[0]["facts"]["destination"] == "KH" and rows[0]["passage_keys"]
    assert rows[0]["rulebook_version"] and rows[0]["index_name"] and rows[0]["timings"]["total"] > 0
    assert regbot_log("verify").returncode == 0
    blob = b"".join(p.read_bytes() for p in home.glob("decisions.sqlite*"))
    assert b"xoxb-never-logged-42" not in blob



@pytest.mark.slow
def test_ask_never_imports_torch_or_langchain(use_corpus_home):
    """Cold start: `regbot ask` must not pay for torch, sentence-transformers or langchain."""
    probe = ("import sys\nfrom bot.cli import main\ntry:\n"
             "    main(['ask', 'Can we sell avionics to Cambodia?', '--json', '--no-log'])\n"
             "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
             "heavy = [m for m in ('torch', 'sentence_transformers', 'langchain', 'langchain_core')"
             " if m in sys.modules]\nprint('HEAVY', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
    assert json.loads(done.stdout)["verdict"]["status"] == "depends"
