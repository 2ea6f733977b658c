"""`regbot ingest` and `regbot search` as a user runs them (subprocesses, real index)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SUMMARY_KEYS = ["documents", "chunks_added", "chunks_unchanged", "chunks_removed", "failed",
                "chunks_repaired"]


def regbot(*args: str, home: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, REGBOT_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_second_ingest_of_the_shared_corpus_adds_nothing(corpus_home, corpus_dir):
    """The session fixture did the first run (none failed); the CLI's run is the second."""
    result = regbot("ingest", str(corpus_dir), "--json", home=corpus_home)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert list(summary) == SUMMARY_KEYS
    n_docs = len([p for p in corpus_dir.iterdir() if not p.name.endswith(".meta.json")])
    assert summary["documents"] == n_docs and summary["failed"] == []
    assert summary["chunks_added"] == 0 and summary["chunks_removed"] == 0
    assert summary["chunks_repaired"] == 0
    assert summary["chunks_unchanged"] > 0


@pytest.mark.parametrize("query, check", [
    ("Cambodia removed from the ITAR 126.1 list",
     lambda hits: "2026-02-03_bis_ear-conforming-change-cambodia.md" in
     [h["source"] for h in hits[:3]]),
    ("7A994", lambda hits: hits[0]["source"] == "2026-09-01_ecfr_ccl-usml-fragments_excerpt.md"),
    ("national police military end user", lambda hits: hits[0]["locator"] == "15 CFR 744.21(g)"),
])
def test_search_json_done_when_queries(use_corpus_home, query, check):
    result = regbot("search", query, "--json", "-k", "5", home=use_corpus_home)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 5 and check(hits), [(h["source"], h["locator"]) for h in hits]
    assert set(hits[0]) == {"key", "source", "locator", "citation", "title", "published",
                            "effective", "score", "text", "span", "trust", "label", "flags"}
    assert all(h["trust"] in ("primary", "official", "commentary", "unknown") for h in hits)
    assert all((h["label"] is None) == (h["trust"] == "primary") and h["flags"] == [] for h in hits)


def test_search_human_output_and_filters(use_corpus_home):
    result = regbot("search", "national police military end user", "-k", "2",
                    "--type", "regulation_text", "--published-from", "2026-01-01",
                    home=use_corpus_home)
    assert result.returncode == 0, result.stderr
    assert "15 CFR 744.21(g)" in result.stdout and "score" in result.stdout
    assert " 1. " in result.stdout and " 2. " in result.stdout and " 3. " not in result.stdout
    typo = regbot("search", "military end user", "--type", "rule", home=use_corpus_home)
    assert typo.returncode == 2 and typo.stdout == "", typo.stdout
    assert "--type 'rule'" in typo.stderr and "final_rule" in typo.stderr
    assert "regulation_text" in typo.stderr and "Traceback" not in typo.stderr


def test_batch_loads_once_and_prints_one_list_per_line(use_corpus_home, tmp_path):
    queries = ["7A994", "", "national police military end user"]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(queries) + "\n", encoding="utf-8")
    result = regbot("search", "--batch", str(batch), "--json", "-k", "2", home=use_corpus_home)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3 and lines[1] == []
    assert lines[0][0]["source"].startswith("2026-09-01_ecfr_ccl")
    assert lines[2][0]["locator"] == "15 CFR 744.21(g)"
    stdin = regbot("search", "--batch", "-", "--json", home=use_corpus_home, stdin="7A994\n")
    assert stdin.returncode == 0 and len(stdin.stdout.splitlines()) == 1


@pytest.mark.parametrize("args, code, message", [
    (["search", ""], 2, "empty query"),
    (["search"], 2, "empty query"),
    (["search", "x", "--published-to", "2026-02-30"], 2, "YYYY-MM-DD"),
    (["search", "x", "--mode", "fuzzy"], 2, "fuzzy"),
    (["search", "x", "-k", "0"], 2, "-k"),
    (["search", "x", "--effective-from", "2026-03-01", "--effective-to", "2026-01-01"], 2,
     "is after"),
    (["ingest", "/no/such/folder"], 2, "does not exist"),
    (["ingest"], 2, "PATHS"),
])
def test_usage_errors(regbot_home, args, code, message):
    result = regbot(*args, home=regbot_home)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_batch_file_that_is_not_text_is_a_usage_error(use_corpus_home, tmp_path):
    batch = tmp_path / "q.bin"
    batch.write_bytes("7A994\n".encode() + b"\xff\xfe\x00 binary\n")
    result = regbot("search", "--batch", str(batch), "--json", home=use_corpus_home)
    # with --json the error is the one JSON object on stdout (issue 12): no partial results before it
    error = json.loads(result.stdout)
    assert result.returncode == 2 and error["exit_code"] == 2 and "not UTF-8" in error["error"]
    assert "Traceback" not in result.stderr


def test_ingest_exit_codes_and_failed_report(regbot_home, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.md.meta.json").write_text('{"title": "only a sidecar"}', encoding="utf-8")
    empty = regbot("ingest", str(bad), "--json", home=regbot_home)
    assert empty.returncode == 1 and json.loads(empty.stdout)["documents"] == 0
    assert "nothing to ingest" in empty.stderr and str(bad) in empty.stderr
    (bad / "empty.txt").write_text("", encoding="utf-8")
    (bad / "nul.md").write_bytes(b"\x00\x00binary\x00")
    nothing = regbot("ingest", str(bad), "--json", home=regbot_home)
    assert nothing.returncode == 1, nothing.stderr
    summary = json.loads(nothing.stdout)
    assert summary["documents"] == 0 and len(summary["failed"]) == 2
    assert all(set(f) == {"path", "error"} and f["error"] for f in summary["failed"])
    good = tmp_path / "good.md"
    good.write_text("# Note\n\nLicence Exception GOV covers some government end users.\n",
                    encoding="utf-8")
    mixed = regbot("ingest", str(bad), str(good), home=regbot_home)
    assert mixed.returncode == 0, mixed.stderr
    assert "failed: 2" in mixed.stderr and "empty.txt" in mixed.stderr
    assert mixed.stdout == ""  # no progress bar or JSON when not on a terminal
    hits = json.loads(regbot("search", "government end users", "--json", home=regbot_home).stdout)
    assert hits[0]["source"] == "good.md"


def test_progress_bar_on_a_terminal_only(regbot_home):
    """stderr on a pseudo-terminal gets a live bar (percent, files, chunks); stdout stays clean."""
    import pty

    from regbot_paths import SAMPLE_CORPUS

    master, slave = pty.openpty()
    env = dict(os.environ, REGBOT_HOME=str(regbot_home), COLUMNS="160")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", str(SAMPLE_CORPUS)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    stdout, _ = proc.communicate(timeout=300)
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0 and stdout == b"", screen[-2000:]
    n = len([f for f in SAMPLE_CORPUS.iterdir() if not f.name.endswith(".meta.json")])
    assert "ingest" in screen and "%" in screen and f"files {n}/{n}" in screen, screen[-2000:]
    assert f"documents: {n}" in screen  # the summary, after the bar is gone
    assert "Traceback" not in screen


INTERRUPT_DOCS = {f"notice-{i:02d}.md": f"# Notice {i}\n\n" + "\n\n".join(
    f"Paragraph {j} of notice {i} concerns licence case {i * 100 + j} for destination "
    f"group {chr(65 + j % 5)}:{j % 7}." for j in range(12)) for i in range(40)}


def test_ctrl_c_mid_ingest_exits_130_and_the_next_run_finishes(regbot_home, tmp_path):
    import signal
    import time

    corpus = tmp_path / "many"
    corpus.mkdir()
    for name, text in INTERRUPT_DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    manifest = regbot_home / "manifest.json"
    env = dict(os.environ, REGBOT_HOME=str(regbot_home))
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", str(corpus), "--json"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(json.loads(manifest.read_text())["documents"]) >= 3:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "ingest ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "Traceback" not in err and "Aborted" not in err
    assert out == ""  # no summary that would claim a finished run
    done = len(json.loads(manifest.read_text())["documents"])
    again = regbot("ingest", str(corpus), "--json", home=regbot_home)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["failed"] == [] and summary["documents"] == len(INTERRUPT_DOCS)
    assert summary["chunks_unchanged"] >= done and summary["chunks_added"] > 0
    hits = json.loads(regbot("search", "licence case 3907", "--json", "--mode", "bm25", "-k", "1",
                             home=regbot_home).stdout)
    assert hits[0]["source"] == "notice-39.md"
