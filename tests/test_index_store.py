"""Chunk store, Chroma collection metadata and the index error cases (real chromadb)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.records import Chunk, DocMeta
from bot.settings import Settings
from index.chunkstore import ChunkStore
from index.embedding import DIM, MODEL_ID
from index.errors import IndexCorruptError, IndexMissingError, ModelMismatchError, RegbotIndexError
from index.search import SearchError, SearchFilters, chroma_where, matches, rrf_fuse
from index.store import chunk_metadata, metadata_chunk, open_index

REPO = Path(__file__).resolve().parents[1]


def make_chunk(key: str, text: str, *, ordinal: int = 0, doc_type: str | None = "final_rule",
               agency: str | None = "BIS", published: str | None = "2026-02-03",
               locator: str = "15 CFR 744.21(g)", source: str = "rule.md",
               citation: str | None = "15 CFR 744.21") -> Chunk:
    meta = DocMeta(title="A rule", agency=agency, document_type=doc_type, published=published,
                   effective=published, citation=citation)
    return Chunk(key=key, doc_id="doc-1", source=source, path=f"/corpus/{source}", text=text,
                 span=(10, 10 + len(text)), locator=locator, section="§ 744.21",
                 heading="PART 744 > § 744.21", meta=meta, ordinal=ordinal)


def regbot(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, REGBOT_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def small_index(regbot_home):
    """An index with three chunks and random unit vectors (no model needed)."""
    index = open_index(Settings(home=regbot_home), create=True)
    chunks = [make_chunk("k1", "military end user means national police"),
              make_chunk("k2", "Country Group D:5", ordinal=1, locator="15 CFR 744.21(a)(1)"),
              make_chunk("k3", "a news item", ordinal=2, doc_type="news", agency=None,
                         published="2025-11-07", source="news.txt", locator="news.txt ¶1",
                         citation=None)]
    vectors = np.random.default_rng(0).normal(size=(3, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.upsert(chunks, vectors)
    index.chunks.apply(chunks)
    index.publish_generation()
    yield index, chunks, vectors
    index.close()


def test_chunk_round_trips_through_store_and_chroma_metadata(tmp_path):
    chunk = make_chunk("k1", "text")
    store = ChunkStore(tmp_path / "c.sqlite", create=True)
    store.apply([chunk])
    assert store.get_chunk("k1") == chunk
    assert metadata_chunk("k1", "text", chunk_metadata(chunk)) == chunk
    assert None not in chunk_metadata(make_chunk("k", "t", agency=None)).values()


def test_store_lookups(small_index):
    index, chunks, _ = small_index
    assert index.chunks.meta_values("document_type") == ["final_rule", "news"]
    assert index.chunks.meta_values("agency") == ["BIS"]
    assert [c.key for c in index.get_chunks(["k3", "nope", "k1"])] == ["k3", "k1"]
    assert [c.key for c in index.chunks_by_source("rule.md")] == ["k1", "k2"]
    assert {c.key for c in index.chunks_by_citation("15 CFR 744.21(a)")} == {"k2"}
    assert {c.key for c in index.chunks_by_citation("15 CFR 744.21")} == {"k1", "k2"}
    assert index.count() == 3


def test_dense_query_and_where_filter(small_index):
    index, _, vectors = small_index
    hits = index.dense_query(vectors[1], 3, None)
    assert hits[0][0] == "k2" and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    where = chroma_where(SearchFilters(document_type="news"))
    assert [k for k, _ in index.dense_query(vectors[1], 3, where)] == ["k3"]
    where = chroma_where(SearchFilters(published_from="2026-01-01", agency="BIS"))
    assert {k for k, _ in index.dense_query(vectors[0], 3, where)} == {"k1", "k2"}


def test_lexical_filter_twin_agrees_with_where():
    rule, news = make_chunk("a", "x"), make_chunk("b", "y", doc_type="news", published=None)
    assert matches(rule, SearchFilters(published_to="2026-02-03"))
    assert not matches(rule, SearchFilters(published_to="2026-02-02"))
    assert not matches(news, SearchFilters(published_from="2000-01-01"))
    assert matches(news, SearchFilters(document_type="news"))
    assert not matches(rule, SearchFilters(agency="DDTC"))


@pytest.mark.parametrize("filters", [
    SearchFilters(document_type="news"), SearchFilters(agency="BIS"),
    SearchFilters(published_from="2026-01-01"), SearchFilters(published_to="2025-12-31"),
    SearchFilters(effective_from="2025-11-07", effective_to="2025-11-07"),
    SearchFilters(document_type="final_rule", published_to="2026-02-03"),
])
def test_sql_key_filter_agrees_with_the_python_twin(small_index, filters):
    from index.search import _allowed_keys

    index, chunks, _ = small_index
    assert _allowed_keys(index, filters) == {c.key for c in chunks if matches(c, filters)}


def test_bad_filter_date_is_rejected():
    with pytest.raises(SearchError, match="YYYY-MM-DD"):
        SearchFilters(published_from="03/02/2026")
    with pytest.raises(SearchError, match="is after"):
        SearchFilters(published_from="2026-03-02", published_to="2026-03-01")
    assert SearchFilters(effective_from="2026-03-01", effective_to="2026-03-01").effective_to


def test_rrf_fuses_by_reciprocal_rank():
    fused = dict(rrf_fuse([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert list(dict(rrf_fuse([["a", "b"], ["b"]], 60))) == ["b", "a"]
    assert rrf_fuse([["a"], ["b"]], 60, weights=[1.0, 3.0])[0][0] == "b"


def test_collection_records_model(small_index):
    metadata = small_index[0].collection.metadata
    assert metadata["model_id"] == MODEL_ID and metadata["dim"] == DIM
    assert metadata["generation"] == small_index[0].chunks.generation


def test_missing_index(regbot_home):
    with pytest.raises(IndexMissingError, match="regbot ingest"):
        open_index(Settings(home=regbot_home))
    result = regbot("search", "anything", home=regbot_home)
    assert result.returncode == 3
    assert "no index" in result.stderr and "regbot ingest" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_mismatch_is_an_error_not_a_silent_mix(small_index, regbot_home, tmp_path):
    index = small_index[0]
    index.collection.modify(metadata={"model_id": "BAAI/bge-base-en-v1.5", "dim": 768})
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        open_index(Settings(home=regbot_home))
    result = regbot("search", "military end user", home=regbot_home)
    assert result.returncode == 3
    assert "bge-base-en-v1.5" in result.stderr and "regbot ingest --rebuild" in result.stderr
    assert "Traceback" not in result.stderr
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nA short note about licence reviews.\n", encoding="utf-8")
    ingest = regbot("ingest", str(note), "--json", home=regbot_home)  # never mixes vectors
    assert ingest.returncode == 3 and "--rebuild" in ingest.stderr, ingest.stderr
    assert ingest.stdout == "" and "Traceback" not in ingest.stderr


@pytest.mark.parametrize("target", ["chroma/chroma.sqlite3", "chunks.sqlite"])
def test_corrupt_index_gives_clear_error_and_exit_3(small_index, regbot_home, target):
    small_index[0].close()
    for suffix in ("-wal", "-shm"):
        (regbot_home / (target + suffix)).unlink(missing_ok=True)
    (regbot_home / target).write_bytes(b"this is not a database " * 400)
    result = regbot("search", "military end user", home=regbot_home)
    assert result.returncode == 3, result.stderr
    assert "unreadable" in result.stderr and "--rebuild" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_chunk_store_raises_typed_error(tmp_path):
    path = tmp_path / "chunks.sqlite"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(IndexCorruptError):
        ChunkStore(path)
    assert issubclass(IndexCorruptError, RegbotIndexError)


def test_data_folder_is_per_user_unless_regbot_home_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("REGBOT_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings().home == tmp_path / "xdg" / "regbot"
    monkeypatch.setenv("REGBOT_HOME", str(tmp_path / "elsewhere"))
    assert Settings().home == tmp_path / "elsewhere"
    assert Settings().chroma_path.parent == tmp_path / "elsewhere"


def test_chroma_telemetry_is_off(small_index):
    assert small_index[0].client.get_settings().anonymized_telemetry is False
