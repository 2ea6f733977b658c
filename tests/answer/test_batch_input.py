"""`regbot ask --batch`: strict JSON lines (depth limit, finite numbers), lines split on "\\n"
only, bad lines reported while later lines are answered, and distinct exit codes for "some
lines failed" (1) and "batch unreadable" (2)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands.ask import BatchLineError, parse_line, read_batch

REGBOT = str(Path(sys.executable).with_name("regbot"))
Q = "Can we sell avionics to Cambodia?"


def _strict(line: str) -> dict:
    def refuse(name):
        raise AssertionError(f"{name} printed: not JSON")
    return json.loads(line, parse_constant=refuse)


@pytest.mark.parametrize("line, reason", [
    ('{"id": 1e999, "question": "q"}', "not finite"),
    ('{"id": -1e999, "question": "q"}', "not finite"),
    ('{"id": NaN, "question": "q"}', "NaN"),
    ('{"id": Infinity, "question": "q"}', "Infinity"),
    ('{"id": 1, "question": "q", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than"),
    ('{"id": 1, "question": "q", "x": ' + "[" * 10_000, "nested more than"),
    ('{"id": ' + "9" * 5000 + ', "question": "q"}', "not valid JSON"),
    ('{"id": {"a": 1}, "question": "q"}', '"id" must be'),
    ('{"id": 3, "question": ["q"]}', '"question" string'),
    ("{not json", "not valid JSON"),
])
def test_bad_json_lines_are_line_errors(line, reason):
    with pytest.raises(BatchLineError, match=reason.replace("[", r"\[")):
        parse_line(line)


def test_plain_text_splits_on_newline_only():
    data = ("Can we sell avionics\u2028to Cambodia?\r\nTwo\u0085halves\x1cone line\n"
            "third\u2029line\x1d\x1e\x0b\x0cstill third\n\n").encode("utf-8")
    lines = read_batch(data, "test")
    assert lines == ["Can we sell avionics\u2028to Cambodia?", "Two\u0085halves\x1cone line",
                     "third\u2029line\x1d\x1e\x0b\x0cstill third", ""]
    assert parse_line(lines[0]) == (None, lines[0], None)


def test_good_json_line_keeps_id_question_and_date():
    item_id, question, as_of = parse_line('{"id": 7, "question": "Q\u2028two", "as_of": "2023-03-01"}')
    assert item_id == 7 and question == "Q\u2028two" and as_of.isoformat() == "2023-03-01"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([REGBOT, "ask", *args], input=stdin, capture_output=True, timeout=300,
                          env=dict(os.environ))
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return done


@pytest.mark.slow
def test_hostile_batch_is_answered_or_rejected_line_by_line(use_corpus_home, tmp_path):
    lines = [
        Q,
        '{"id": "deep", "question": "q", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": 1e999, "question": "' + Q + '"}',
        '{"id": NaN, "question": "' + Q + '"}',
        "Can we sell avionics\u2028to Cambodia?",
        "Can we sell avionics\u0085to\x1cCambodia?",
        json.dumps({"id": "last", "question": Q}),
    ]
    batch = tmp_path / "hostile.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run("--batch", str(batch), "--json", "--no-log")
    out = [_strict(line) for line in done.stdout.decode().split("\n") if line]
    assert done.returncode == 1 and len(out) == len(lines), done.stderr
    assert out[0]["verdict"]["status"] == "depends"
    assert out[1] == {"line": 2, "error": out[1]["error"]} and "nested" in out[1]["error"]
    assert out[2]["line"] == 3 and "not finite" in out[2]["error"]
    assert out[3]["line"] == 4 and "NaN" in out[3]["error"]
    for whole in out[4:6]:  # one answer each holding both halves (not two half-answers)
        assert whole["question"].startswith("Can we sell avionics")
        assert whole["question"].endswith("Cambodia?") and "verdict" in whole
    assert out[6]["id"] == "last" and out[6]["verdict"]["status"] == "depends"
    assert b"3 line(s) could not be answered" in done.stderr


@pytest.mark.slow
def test_all_good_batch_exits_0(use_corpus_home, tmp_path):
    batch = tmp_path / "ok.txt"
    batch.write_text(Q + "\n" + json.dumps({"id": 2.5, "question": Q}) + "\n", encoding="utf-8")
    done = run("--batch", str(batch), "--json", "--no-log")
    out = [_strict(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 0 and len(out) == 2 and out[1]["id"] == 2.5


def test_unreadable_batch_is_exit_2(tmp_path):
    assert run("--batch", str(tmp_path)).returncode == 2  # a folder
    (tmp_path / "latin1.txt").write_bytes("Pouvons-nous vendre à Phnom Penh?\n".encode("latin-1"))
    bad = run("--batch", str(tmp_path / "latin1.txt"))
    assert bad.returncode == 2 and b"not UTF-8" in bad.stderr and bad.stdout == b""
