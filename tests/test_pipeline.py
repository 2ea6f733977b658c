"""ingest_paths: idempotent, replaces changed files, prunes deleted ones, reports bad
input, and repairs a run killed mid-way (real model, real Chroma)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.settings import Settings
from index.search import SearchFilters
from index.store import open_index
from index.build import MANIFEST_FILE, ingest_paths

REPO = Path(__file__).resolve().parents[1]

# Short notices written for these tests (not taken from any source).
DOCS = {
    "alpha.md": "# Alpha notice\n\nThe agency added three trading firms to a restricted list.\n\n"
                "Exporters must screen every buyer against that list before shipping.\n",
    "bravo.txt": "Bravo bulletin.\n\nNavigation receivers classified as 7A994 need a licence for "
                 "some destinations.\n\nThe bulletin lists Country Group D:5 as one such group.\n",
    "charlie.md": "# Charlie update\n\nA conforming change removed one country from the embargo "
                  "table.\n\nThe change took effect on the day of publication.\n",
}


def write_corpus(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def consistent(settings: Settings) -> set[str]:
    """Vector ids == chunk-store keys == manifest keys; returns the keys."""
    index = open_index(settings)
    try:
        keys = index.chunks.keys()
        assert index.vector_keys() == keys
        manifest = json.loads((settings.home / MANIFEST_FILE).read_text())["documents"]
        assert {k for e in manifest.values() for k in e["chunk_keys"]} == keys
        return keys
    finally:
        index.close()


@pytest.fixture
def settings(regbot_home) -> Settings:
    return Settings(home=regbot_home)


def test_reingest_adds_nothing(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    first = ingest_paths([corpus], settings)
    assert first.documents == 3 and first.chunks_added > 0 and not first.failed
    second = ingest_paths([corpus], settings)
    assert (second.documents, second.chunks_added, second.chunks_removed) == (3, 0, 0)
    assert second.chunks_unchanged == first.chunks_added
    keys = consistent(settings)
    assert len(keys) == first.chunks_added
    entry = json.loads((settings.home / MANIFEST_FILE).read_text())["documents"][
        str((corpus / "alpha.md").resolve())]
    assert {"path", "sha256", "doc_id", "chunk_keys", "ingested_at"} <= set(entry)
    assert len(entry["sha256"]) == 64


def test_changed_file_replaces_its_old_chunks(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    ingest_paths([corpus], settings)
    (corpus / "alpha.md").write_text(
        "# Alpha notice\n\nThe agency removed the trading firms from the restricted list.\n\n"
        "Exporters must screen every buyer against that list before shipping.\n", encoding="utf-8")
    report = ingest_paths([corpus], settings)
    assert report.chunks_added >= 1 and report.chunks_removed >= 1
    consistent(settings)
    index = open_index(settings)
    texts = " ".join(c.text for c in index.chunks_by_source("alpha.md"))
    assert "removed the trading firms" in texts and "added three" not in texts
    top = index.search("firms removed from the restricted list", k=1)[0]
    assert top.chunk.source == "alpha.md" and "removed" in top.chunk.text
    index.close()


def test_sidecar_change_updates_metadata_without_reembedding(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    ingest_paths([corpus], settings)
    (corpus / "bravo.txt.meta.json").write_text(json.dumps(
        {"title": "Bravo bulletin", "document_type": "notice", "agency": "BIS",
         "published": "2026-01-05"}))
    report = ingest_paths([corpus], settings)
    assert report.chunks_added == 0 and report.chunks_unchanged > 0
    index = open_index(settings)
    assert {c.meta.document_type for c in index.chunks_by_source("bravo.txt")} == {"notice"}
    hits = index.search("navigation receivers", k=5, mode="dense",
                        filters=SearchFilters(agency="BIS"))
    assert hits and {p.chunk.source for p in hits} == {"bravo.txt"}
    index.close()


def test_new_chunk_size_rechunks_unchanged_files(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    first = ingest_paths([corpus], settings)
    small = Settings(home=settings.home, chunk_max_tokens=10)
    report = ingest_paths([corpus], small)
    assert report.chunks_added > 0 and report.chunks_removed > 0
    assert len(consistent(small)) > first.chunks_added
    entry = next(iter(json.loads((settings.home / MANIFEST_FILE).read_text())["documents"].values()))
    assert entry["chunking"].endswith("max_tokens=10")


def test_lost_vectors_are_re_embedded(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    first = ingest_paths([corpus], settings)
    index = open_index(settings)
    index.delete_vectors(k for k in list(index.chunks.keys())[:2])
    index.close()
    report = ingest_paths([corpus], settings)
    assert report.chunks_repaired == 2 and report.chunks_added == 0 and not report.failed
    assert report.summary_json()["chunks_repaired"] == 2
    assert len(consistent(settings)) == first.chunks_added


def test_prune_removes_documents_whose_files_are_gone(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    ingest_paths([corpus], settings)
    index = open_index(settings)
    charlie = len(index.chunks_by_source("charlie.md"))
    index.close()
    (corpus / "charlie.md").unlink()
    kept = ingest_paths([corpus], settings)
    assert kept.chunks_removed == 0 and kept.documents == 2
    pruned = ingest_paths([corpus], settings, prune=True)
    assert pruned.chunks_removed == charlie > 0
    keys = consistent(settings)
    index = open_index(settings)
    assert index.chunks_by_source("charlie.md") == [] and len(keys) == index.count()
    assert all(p.chunk.source != "charlie.md" for p in index.search("conforming change embargo"))
    index.close()


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    (corpus / "empty.md").write_text("", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02 not text \x00" * 50)
    report = ingest_paths([corpus], settings)
    assert report.documents == 3
    failed = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(failed) == {"empty.md", "binary.txt"}
    assert all(reason and "Traceback" not in reason for reason in failed.values())
    consistent(settings)


def test_rebuild_starts_from_scratch(tmp_path, settings):
    corpus = write_corpus(tmp_path / "c")
    first = ingest_paths([corpus], settings)
    again = ingest_paths([corpus], settings, rebuild=True)
    assert again.chunks_added == first.chunks_added and again.chunks_unchanged == 0
    consistent(settings)


KILL_SCRIPT = """
import sys
from bot.settings import Settings
from index.build import ingest_paths
ingest_paths([sys.argv[1]], Settings(home=sys.argv[2]))
"""


def test_run_killed_mid_ingest_is_repaired_by_the_next(tmp_path, settings):
    """SIGKILL a real ingest once a few documents are committed; the next run finishes
    the job and leaves vectors, chunk store and manifest in agreement."""
    docs = {f"notice-{i:02d}.md": f"# Notice {i}\n\n" + "\n\n".join(
        f"Paragraph {j} of notice {i} concerns licence case {i * 100 + j} for destination "
        f"group {chr(65 + j % 5)}:{j % 7}." for j in range(12)) for i in range(40)}
    corpus = write_corpus(tmp_path / "many", docs)
    manifest = settings.home / MANIFEST_FILE
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(corpus), str(settings.home)],
                            cwd=REPO, env=dict(os.environ), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.is_file() and len(json.loads(manifest.read_text())["documents"]) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read()!r}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    done = len(json.loads(manifest.read_text())["documents"])
    assert 3 <= done < len(docs)
    report = ingest_paths([corpus], settings)
    assert not report.failed and report.documents == len(docs)
    keys = consistent(settings)
    index = open_index(settings)
    assert {c.source for c in index.chunks.iter_chunks()} == set(docs)
    assert index.search("licence case 3907", k=1, mode="bm25")[0].chunk.source == "notice-39.md"
    index.close()
    assert ingest_paths([corpus], settings).chunks_added == 0
    assert consistent(settings) == keys


def test_progress_moves_per_embedded_slice_within_one_file(tmp_path, settings, monkeypatch):
    """One big file must not sit at 0 % until it is done: events arrive per slice of
    embedded chunks, with a growing fraction and chunk count."""
    import index.build as pipeline

    monkeypatch.setattr(pipeline, "EMBED_SLICE", 4)
    big = "# Big notice\n\n" + "\n\n".join(
        f"({chr(97 + i)}) Paragraph {i} sets out licence condition {i} for destination "
        f"group {chr(65 + i % 5)}:{i % 7}, with its own record-keeping duty. " * 3
        for i in range(14))
    corpus = write_corpus(tmp_path / "c", {"big.md": big, "small.txt": "Small note on 7A994.\n"})
    events: list = []
    report = ingest_paths([corpus], settings, progress=events.append)
    assert report.chunks_added >= 9 and not report.failed
    big_steps = [e for e in events if e.path.endswith("big.md") and e.stage == "embedding"]
    assert len(big_steps) >= 3, [(e.stage, e.fraction) for e in events]
    fractions = [e.fraction for e in big_steps]  # big.md comes first: starts at 0
    assert fractions == sorted(fractions) and fractions[0] == 0
    assert len([f for f in fractions if 0 < f < 1]) >= 2, fractions
    counts = [e.chunks_embedded for e in big_steps]
    assert counts == sorted(set(counts)) and counts[1] == 4
    assert events[-1].stage == "done" and events[-1].fraction == 1.0
    assert events[-1].files_done == events[-1].files_total == 2
    assert events[-1].chunks_embedded == report.chunks_added
    again: list = []
    ingest_paths([corpus], settings, progress=again.append)
    assert again[-1].chunks_embedded == 0 and again[-1].fraction == 1.0
