"""Ingest never stalls (issue 14): symlink loops, FIFOs, sockets, one-line giants, a 300,000-
character "word" and deeply nested JSON each end as one `failed` entry with a reason, or
are chunked quickly, and the rest of the run is ingested. Each run has a hard timeout: a
hang is a failure, not a slow pass."""
from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.records import DocMeta, Document
from ingest.chunking import MAX_CHUNK_CHARS, chunk_document, count_model_tokens
from ingest.readers import IngestError, iter_source_files, read_document
from regbot_paths import REPO

GOOD = "# Export note\n\nExporters screen every buyer before shipping controlled items.\n"


def _words(n: int, seed: int = 7) -> str:
    """A line of n words and no sentence end (our own vocabulary)."""
    rng = random.Random(seed)
    vocab = ("export control licence item destination military end user regulation section "
             "paragraph national security classification embargo screening").split()
    return " ".join(rng.choice(vocab) for _ in range(n))


def _doc(text: str, name: str = "line.txt") -> Document:
    return Document(doc_id="d" * 16, path=f"/virtual/{name}", source=name, format="text",
                    text=text, sha256="0" * 64, meta=DocMeta(title=name))


def _hostile_folder(root: Path) -> Path:
    """Good files beside every kind of hostile entry."""
    folder = root / "hostile"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "also-good.txt").write_text("A second note about destination groups.\n")
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    os.symlink("..", folder / "sub" / "up")  # a folder link back to its own parent
    os.symlink("missing.md", folder / "broken.md")
    os.symlink("sub", folder / "sub-link")  # a second way into sub: walked once, no problem
    os.mkfifo(folder / "pipe.txt")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "side.md").write_text(GOOD, encoding="utf-8")
    (folder / "side.md.meta.json").write_text('{"title": ' + "[" * 50_000 + "]" * 50_000 + "}")
    return folder


def test_walk_reports_each_hostile_entry_once_and_opens_none(tmp_path):
    folder = _hostile_folder(tmp_path)
    with tempfile.TemporaryDirectory(dir="/tmp") as short:  # AF_UNIX paths must be short
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(Path(short) / "s.txt"))
        os.symlink(Path(short) / "s.txt", folder / "socket.txt")
        files, problems = iter_source_files([folder])
        sock.close()
    names = sorted(p.name for p in files)
    assert names == ["also-good.txt", "deep.json", "good.md", "side.md"]
    why = {p.name: reason for p, reason in problems}
    assert len(problems) == len(why) == 6, problems
    assert "symlink loop" in why["loop-a.txt"] and "symlink loop" in why["loop-b.txt"]
    assert "symlink loop" in why["up"] and "broken symlink" in why["broken.md"]
    assert "named pipe (FIFO)" in why["pipe.txt"] and "socket" in why["socket.txt"]


def test_deep_json_document_and_sidecar_are_clear_errors(tmp_path):
    folder = _hostile_folder(tmp_path)
    with pytest.raises(IngestError, match="nested more than 64 levels"):
        read_document(folder / "deep.json")
    with pytest.raises(IngestError, match=r"side\.md\.meta\.json is not valid JSON: nested"):
        read_document(folder / "side.md")
    line = folder / "deep.jsonl"
    line.write_text('{"text": "fine"}\n' + '{"text": ' + "[" * 5000 + "]" * 5000 + "}\n")
    with pytest.raises(IngestError, match="line 2: nested"):
        read_document(line)


@pytest.mark.timeout(120)
def test_hostile_folder_ingests_the_rest_within_a_minute(tmp_path):
    """Through the real CLI: one failed entry per hostile entry, the good files ingested."""
    folder = _hostile_folder(tmp_path)
    (folder / "one-line.txt").write_text(_words(40_000) + "\n", encoding="utf-8")
    (folder / "one-word.txt").write_text("x" * 300_000 + "\n", encoding="utf-8")
    env = dict(os.environ, REGBOT_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ingest", str(folder), "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=100)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    summary = json.loads(done.stdout)
    failed = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    assert set(failed) == {"loop-a.txt", "loop-b.txt", "up", "broken.md", "pipe.txt",
                           "deep.json", "side.md"}, failed
    assert all("Error" not in why and "Traceback" not in why for why in failed.values())
    assert summary["documents"] == 4  # good.md, also-good.txt, one-line.txt, one-word.txt


@pytest.mark.timeout(120)
def test_a_one_line_file_is_chunked_in_linear_time():
    """40,000 words without a sentence end took 83 s before; 1.4 MB did not finish in 600 s.
    Not a timed assertion: the timeout only turns a hang into a failure. Linear time is
    checked by the tokenizer calls, which must grow with the text, not with its square."""
    calls = []

    def counting(text: str) -> int:
        calls.append(len(text))
        return count_model_tokens(text)

    small = _doc(_words(2_000) + "\n")
    big = _doc(_words(20_000) + "\n")
    chunk_document(small, count_tokens=counting)
    small_chars = sum(calls)
    calls.clear()
    chunks = chunk_document(big, count_tokens=counting)
    big_chars = sum(calls)
    ratio = big_chars / small_chars
    assert ratio < 10 * 2, f"tokenised {big_chars:,} chars for 10x the text (x{ratio:.1f})"
    assert all(count_model_tokens(c.text) <= 240 for c in chunks)
    assert "".join(c.text.replace(" ", "") for c in chunks) == big.text.replace(" ", "").strip()
    for c in chunks:
        assert big.text[c.span[0]:c.span[1]] == c.text
        assert not c.text[0].isspace() and not c.text[-1].isspace()


def test_the_model_counter_path_cuts_at_word_ends():
    chunks = chunk_document(_doc(_words(20_000) + "\n"))
    text = _doc(_words(20_000) + "\n").text
    assert len(chunks) > 50
    for c in chunks[:-1]:
        end = c.span[1]
        assert text[end].isspace(), "a chunk ends inside a word"
        assert count_model_tokens(c.text) <= 240


def test_a_huge_word_is_capped_in_characters():
    """all-MiniLM reads a 300,000-character word as one [UNK] word-piece."""
    chunks = chunk_document(_doc("x" * 300_000 + "\n"))
    assert len(chunks) == 300_000 // MAX_CHUNK_CHARS
    assert max(len(c.text) for c in chunks) == MAX_CHUNK_CHARS
    mixed = chunk_document(_doc("Short words first. " + "y" * 9_000 + " and after.\n"),
                           max_chars=2_000)
    assert max(len(c.text) for c in mixed) <= 2_000 and len(mixed) >= 5


def test_character_cap_applies_to_merged_and_counter_chunks():
    text = "\n\n".join(f"Para {i} " + "z" * 700 for i in range(6)) + "\n"
    chunks = chunk_document(_doc(text), max_tokens=240, count_tokens=lambda t: len(t.split()),
                            max_chars=1_000)
    assert all(len(c.text) <= 1_000 for c in chunks) and len(chunks) == 6


def test_max_chars_must_be_sane():
    with pytest.raises(ValueError, match="max_chars"):
        chunk_document(_doc("text\n"), max_chars=3)
