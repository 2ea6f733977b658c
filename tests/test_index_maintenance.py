"""One writer per home, `regbot index check|repair|compact`, concurrent ingests (real Chroma,
real model, real processes). The lost-vector state is made the way issue 14 met it: two
processes writing one embedded Chroma folder, the second persisting its HNSW graph over
the first's."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.settings import Settings
from index.store import open_index
from index.build import ingest_paths
from regbot_paths import REPO, SAMPLE_CORPUS

# Two writers in sequence: A loads the collection, B adds vectors and exits, A adds its own
# and persists a graph that never saw B's (what two concurrent ingests did before the lock).
RACE = textwrap.dedent("""
    import json, subprocess, sys
    import numpy as np, chromadb
    from chromadb.config import Settings as CS
    home, role = sys.argv[1], sys.argv[2]
    spec = json.loads(open(sys.argv[3], encoding="utf-8").read())
    client = chromadb.PersistentClient(path=home + "/chroma", settings=CS(anonymized_telemetry=False))
    col = client.get_collection("regbot", embedding_function=None)
    col.get(limit=1, include=["embeddings"])
    if role == "a":
        subprocess.run([sys.executable, "-c", sys.argv[4], home, "b", sys.argv[3], sys.argv[4]], check=True)
    mine = spec[role]
    for i in range(0, len(mine["ids"]), 100):
        col.add(ids=mine["ids"][i:i + 100], embeddings=mine["vectors"][i:i + 100],
                documents=mine["documents"][i:i + 100], metadatas=mine["metadatas"][i:i + 100])
    rng = np.random.default_rng(1 if role == "a" else 2)
    for i in range(0, 1100, 100):  # past Chroma's sync threshold (1,000): the graph is persisted
        col.add(ids=[f"filler-{role}-{j}" for j in range(i, i + 100)],
                embeddings=rng.random((100, 384)).tolist())
""")


def regbot(*args: str, home: Path, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    env = dict(os.environ, REGBOT_HOME=str(home))
    cmd = [sys.executable, "-m", "bot.cli", *args]
    if not wait:
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def sample_home(regbot_home) -> Path:
    report = ingest_paths([SAMPLE_CORPUS], Settings(home=regbot_home))
    assert report.documents > 0 and not report.failed
    return regbot_home


def _break_vectors(home: Path) -> set[str]:
    """Lose vectors of stored chunks the way two writers did; returns the chunk keys hit."""
    index = open_index(Settings(home=home))
    page = index.collection.get(include=["embeddings", "documents", "metadatas"])
    index.delete_vectors(page["ids"])
    index.close()
    rows = [dict(ids=i, vectors=list(map(float, v)), documents=d, metadatas=m)
            for i, v, d, m in zip(page["ids"], page["embeddings"], page["documents"], page["metadatas"])]
    half = len(rows) // 2
    spec = {side: {k: [r[k] for r in part] for k in ("ids", "vectors", "documents", "metadatas")}
            for side, part in (("a", rows[:half]), ("b", rows[half:]))}
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # this process must not persist its own graph later
    spec_file = home.parent / f"{home.name}-race.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    subprocess.run([sys.executable, "-c", RACE, str(home), "a", str(spec_file), RACE],
                   check=True, timeout=600)
    return set(spec["b"]["ids"])


def test_index_check_finds_lost_vectors_and_repair_restores_them(sample_home):
    clean = regbot("index", "check", "--json", home=sample_home)
    assert clean.returncode == 0 and json.loads(clean.stdout)["ok"], clean.stdout + clean.stderr
    hit = _break_vectors(sample_home)
    broken = regbot("index", "check", "--json", home=sample_home)
    assert broken.returncode == 1, broken.stderr
    found = json.loads(broken.stdout)
    kinds = {p["kind"]: p["count"] for p in found["problems"]}
    assert kinds.get("unreadable_vectors", 0) > 0 and kinds["orphan_vectors"] >= 1100
    assert "regbot index repair" in found["repair"]
    # counts agree on the stored chunks: only reading every vector back shows the loss
    assert found["counts"]["records"] <= found["counts"]["vectors"]
    human = regbot("index", "check", home=sample_home)
    assert human.returncode == 1 and "unreadable_vectors" in human.stdout
    fixed = regbot("index", "repair", "--json", home=sample_home)
    assert fixed.returncode == 0, fixed.stderr
    done = json.loads(fixed.stdout)
    assert 0 < done["reembedded"] <= len(hit) and done["orphans_removed"] >= 1100
    after = regbot("index", "check", "--json", home=sample_home)
    assert after.returncode == 0 and json.loads(after.stdout)["ok"], after.stdout
    index = open_index(Settings(home=sample_home))
    try:  # a chunk whose vector was lost is found again by dense search on its own text
        chunk = index.get_chunk(sorted(hit)[0])
        hits = index.search(chunk.text, k=3, mode="dense")
        assert chunk.key in [p.chunk.key for p in hits]
    finally:
        index.close()


def test_ingest_repairs_lost_vectors_by_id_not_count(sample_home):
    _break_vectors(sample_home)
    again = regbot("ingest", str(SAMPLE_CORPUS), "--json", home=sample_home)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["chunks_repaired"] > 0 and summary["chunks_added"] == 0
    assert json.loads(regbot("index", "check", "--json", home=sample_home).stdout)["ok"]


def test_index_check_missing_or_corrupt_is_exit_3(regbot_home, tmp_path):
    missing = regbot("index", "check", home=tmp_path / "nowhere")
    assert missing.returncode == 3 and "regbot ingest" in missing.stderr
    assert not (tmp_path / "nowhere").exists()  # checking creates nothing
    (regbot_home / "chroma").mkdir()
    (regbot_home / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    corrupt = regbot("index", "check", "--json", home=regbot_home)
    assert corrupt.returncode == 3 and "Traceback" not in corrupt.stderr


def _hold_lock(home: Path, seconds: float) -> subprocess.Popen:
    code = ("import sys, time; from pathlib import Path; from index.lock import write_lock\n"
            "with write_lock(Path(sys.argv[1]), command='regbot ingest big-folder'):\n"
            "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(home), str(seconds)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_waits_and_says_who_holds_the_lock(sample_home, tmp_path):
    holder = _hold_lock(sample_home, 4)
    busy = regbot("ingest", str(SAMPLE_CORPUS), "--no-wait", home=sample_home)
    assert busy.returncode == 1
    assert f"pid {holder.pid}" in busy.stderr and "regbot ingest big-folder" in busy.stderr
    assert "since 20" in busy.stderr
    started = time.monotonic()
    waited = regbot("ingest", str(SAMPLE_CORPUS), "--json", home=sample_home)
    assert waited.returncode == 0 and f"waiting: the index is being written by pid {holder.pid}" \
        in waited.stderr
    assert time.monotonic() - started > 1.0  # it really waited for the holder
    holder.wait(10)
    for args in (("index", "repair", "--no-wait"), ("index", "compact", "--no-wait"),
                 ("index", "check", "--no-wait")):
        holder = _hold_lock(sample_home, 30)
        result = regbot(*args, home=sample_home)
        holder.kill()
        holder.wait(10)
        assert result.returncode == 1 and f"pid {holder.pid}" in result.stderr, args


def test_kill_9_of_the_holder_frees_the_lock(sample_home):
    holder = _hold_lock(sample_home, 300)
    holder.kill()
    holder.wait(10)
    done = regbot("ingest", str(SAMPLE_CORPUS), "--no-wait", "--json", home=sample_home)
    assert done.returncode == 0, done.stderr


def _round_files(folder: Path, round_no: int) -> list[Path]:
    """Two folders of notes written for this test (our own words), different each round."""
    dirs = []
    for side in "ab":
        d = folder / f"r{round_no}{side}"
        d.mkdir(parents=True)
        for n in range(3):
            (d / f"note-{n}.md").write_text(
                f"# Round {round_no} note {side}{n}\n\n" + "\n\n".join(
                    f"Paragraph {p} of note {side}{n} in round {round_no}: exporters screen the "
                    f"buyer, classify item {p} and check destination group {n} before shipping."
                    for p in range(12)) + "\n", encoding="utf-8")
        dirs.append(d)
    return dirs


def test_two_concurrent_ingests_lose_nothing(sample_home, tmp_path):
    """Issue 14's scenario, three rounds (tests/bench/stress_ingest.py runs twenty)."""
    expected = open_index(Settings(home=sample_home)).count()
    waits = 0
    for round_no in range(3):
        procs = [regbot("ingest", str(d), "--json", home=sample_home, wait=False)
                 for d in _round_files(tmp_path, round_no)]
        results = [p.communicate(timeout=600) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        expected += sum(json.loads(out)["chunks_added"] for out, _ in results)
        waits += sum("waiting: the index is being written by" in err for _, err in results)
        check = json.loads(regbot("index", "check", "--json", home=sample_home).stdout)
        assert check["ok"] and check["counts"]["records"] == expected, check
    assert waits >= 1  # the lock serialised them at least once (each run waits or goes first)


def test_compact_reclaims_space_without_re_embedding(sample_home, tmp_path):
    notes = tmp_path / "churn"
    notes.mkdir()
    for version in range(4):  # each version re-keys every chunk: the old vectors are deleted
        (notes / "n.md").write_text(f"# Churn {version}\n\n" + "\n\n".join(
            f"Version {version}, paragraph {p}: the licence condition {p} applies to item "
            f"{p + version} for destination group D:{p % 5 + 1}." for p in range(120)) + "\n",
            encoding="utf-8")
        assert regbot("ingest", str(notes), "--json", home=sample_home).returncode == 0
    before = json.loads(regbot("index", "check", "--json", home=sample_home).stdout)
    done = regbot("index", "compact", "--json", home=sample_home)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["after_bytes"] < report["before_bytes"] and report["reembedded"] == 0
    assert report["vectors"] == before["counts"]["vectors"]
    after = json.loads(regbot("index", "check", "--json", home=sample_home).stdout)
    assert after["ok"] and after["counts"] == before["counts"]
    human = regbot("index", "compact", home=sample_home)
    assert human.returncode == 0 and "MB ->" in human.stdout
    search = regbot("search", "licence condition destination group", "--json", home=sample_home)
    assert search.returncode == 0 and json.loads(search.stdout)


def test_compact_refuses_a_chroma_server(regbot_home, monkeypatch):
    monkeypatch.setenv("REGBOT_CHROMA_URL", "http://127.0.0.1:9")
    result = regbot("index", "compact", home=regbot_home)
    assert result.returncode == 1 and "embedded index" in result.stderr


def test_interrupted_compaction_is_undone_on_open(sample_home):
    from chromadb.api.client import SharedSystemClient

    settings = Settings(home=sample_home)
    index = open_index(settings)
    count = index.collection.count()
    index.collection.modify(name="regbot.compact-old")  # crash between the two renames
    index.client.create_collection("regbot.compact-new", embedding_function=None)
    index.close()
    SharedSystemClient.clear_system_cache()
    again = open_index(settings)
    try:
        names = {c.name for c in again.client.list_collections()}
        assert names == {"regbot"} and again.collection.count() == count
    finally:
        again.close()
