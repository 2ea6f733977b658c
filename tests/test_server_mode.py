"""REGBOT_CHROMA_URL: ingest and search of ../shared/corpus against a real `chroma run`
server process, including a second client whose data folder has no chunk store of its own."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parents[1]
BIS_RULE = "2026-02-03_bis_ear-conforming-change-cambodia.md"
CCL = "2026-09-01_ecfr_ccl-usml-fragments_excerpt.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A `chroma run` process on a free port; killed at teardown."""
    binary = Path(sys.executable).with_name("chroma")
    assert binary.is_file(), f"chroma CLI not found at {binary}"
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen([str(binary), "run", "--path", str(data / "db"), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None, (data / "server.log").read_text()
        assert time.monotonic() < deadline, "chroma server did not answer its heartbeat"
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory, corpus_dir) -> Path:
    """A temp copy of the whole ../shared/corpus (so --prune may delete from it): the
    issue's checks must hold against the server on the same documents as locally."""
    folder = tmp_path_factory.mktemp("corpus-copy") / "corpus"
    shutil.copytree(corpus_dir, folder)
    return folder


def n_documents(folder: Path) -> int:
    return len([p for p in folder.iterdir() if not p.name.endswith(".meta.json")])


def regbot(*args: str, home: Path, url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, REGBOT_HOME=str(home), REGBOT_CHROMA_URL=url)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def ingested(chroma_url, corpus_copy, tmp_path_factory) -> Path:
    """Client A's data folder after ingesting the corpus copy into the server."""
    home = tmp_path_factory.mktemp("client-a")
    result = regbot("ingest", str(corpus_copy), "--json", home=home, url=chroma_url)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["documents"] == n_documents(corpus_copy) and summary["failed"] == []
    assert summary["chunks_added"] > 0
    return home


def test_ingest_goes_to_the_server_and_is_idempotent(ingested, chroma_url, corpus_copy):
    assert not (ingested / "chroma").exists()  # no embedded Chroma folder was made
    again = json.loads(regbot("ingest", str(corpus_copy), "--json", home=ingested,
                              url=chroma_url).stdout)
    assert again["chunks_added"] == 0 and again["chunks_unchanged"] > 0


@pytest.mark.parametrize("query, check", [
    ("Cambodia removed from the ITAR 126.1 list",
     lambda hits: BIS_RULE in [h["source"] for h in hits[:3]]),
    ("7A994", lambda hits: hits[0]["source"] == CCL),
    ("national police military end user", lambda hits: hits[0]["locator"] == "15 CFR 744.21(g)"),
])
def test_search_through_the_server(ingested, chroma_url, query, check):
    result = regbot("search", query, "--json", "-k", "5", home=ingested, url=chroma_url)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert check(hits), [(h["source"], h["locator"]) for h in hits]


def test_second_client_without_local_chunk_store_can_search(ingested, chroma_url, tmp_path,
                                                           corpus_copy):
    other = tmp_path / "client-b"
    result = regbot("search", "7A994", "--json", home=other, url=chroma_url)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["source"] == CCL
    assert (other / "chunks.sqlite").is_file() and (other / "lexical").is_dir()
    # client A adds a document: client B notices the new generation and re-syncs
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "memo.md").write_text("# Memo\n\nThe quartermaster ledger lists spare rotor blades.\n",
                                   encoding="utf-8")
    assert regbot("ingest", str(extra), home=ingested, url=chroma_url).returncode == 0
    again = json.loads(regbot("search", "quartermaster ledger rotor blades", "--json", "--mode",
                              "bm25", home=other, url=chroma_url).stdout)
    assert again and again[0]["source"] == "memo.md"
    prune = regbot("ingest", str(corpus_copy), "--prune", "--json", home=ingested,
                   url=chroma_url)
    assert prune.returncode == 0, prune.stderr
    (extra / "memo.md").unlink()
    pruned = json.loads(regbot("ingest", str(corpus_copy), "--prune", "--json", home=ingested,
                               url=chroma_url).stdout)
    assert pruned["chunks_removed"] >= 1
    gone = json.loads(regbot("search", "quartermaster ledger rotor blades", "--json", "--mode",
                             "bm25", home=other, url=chroma_url).stdout)
    assert all(hit["source"] != "memo.md" for hit in gone)


def test_unreachable_server_is_a_clear_error(regbot_home):
    url = f"http://localhost:{_free_port()}"
    result = regbot("search", "anything", home=regbot_home, url=url)
    assert result.returncode == 3
    assert "cannot reach Chroma server" in result.stderr and "Traceback" not in result.stderr


def test_long_lived_index_picks_up_another_clients_ingest(ingested, chroma_url, tmp_path):
    """A Slack worker keeps one Index open; it re-syncs when the generation moves on."""
    from bot.settings import Settings
    from index.store import open_index

    index = open_index(Settings(home=tmp_path / "worker", chroma_url=chroma_url))
    try:
        before = index.search("hangar inventory of spare propellers", k=3, mode="bm25")
        assert all(p.chunk.source != "hangar.md" for p in before)
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "hangar.md").write_text(
            "# Hangar\n\nThe hangar inventory lists spare propellers.\n", encoding="utf-8")
        assert regbot("ingest", str(extra), home=ingested, url=chroma_url).returncode == 0
        assert index.refresh(max_age_s=0.0) is True
        hits = index.search("hangar inventory of spare propellers", k=3, mode="bm25")
        assert hits and hits[0].chunk.source == "hangar.md"
        assert index.refresh(max_age_s=0.0) is False  # nothing new since
    finally:
        index.close()
