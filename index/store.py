"""The index: a Chroma collection (vectors) + the chunk store (records) + BM25 (lexical).

* Embedded by default: `chromadb.PersistentClient(settings.chroma_path)`; with
  `settings.chroma_url` (REGBOT_CHROMA_URL=http://host:port) a `chromadb.HttpClient`.
* The collection never has an embedding function: vectors always come from
  `index.embedding` (Chroma's default function would download a model).
* Its metadata records model id, dimension, chunker/ingest version and a `generation`
  token; opening it with another model raises `ModelMismatchError`.
* Server mode: each chunk record is also stored in the collection (document + metadata),
  so a client whose local `chunks.sqlite` is absent or older than the collection's
  generation rebuilds it (and then BM25) from the server before searching.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from index.records import Passage
from ingest.records import Chunk
from index.chunkstore import ChunkStore, load_doc_meta
from index.embedding import DIM, MODEL_ID
from index.errors import IndexCorruptError, IndexMissingError, ModelMismatchError, RegbotIndexError

if TYPE_CHECKING:  # pragma: no cover
    from index.config import IndexSettings as Settings  # bot.settings.Settings satisfies it
    from index.embedding import Embedder
    from index.lexical import LexicalIndex
    from index.search import SearchFilters

INGEST_VERSION = "1"  # bump when chunk records change shape
CHUNKS_FILE = "chunks.sqlite"
PAGE = 1000
REFRESH_S = 30.0  # how often a long-lived server-mode Index checks for others' ingests

__all__ = ["Index", "open_index", "RegbotIndexError", "IndexMissingError", "IndexCorruptError",
           "ModelMismatchError", "chunk_metadata", "metadata_chunk"]


def _date_ord(value: str | None) -> int | None:
    """'2026-02-03' -> 20260203 (Chroma range filters need numbers)."""
    if not value:
        return None
    try:
        return int(value[:10].replace("-", ""))
    except ValueError:
        return None


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata for a chunk: the full record (for server-mode sync) + filter fields."""
    meta = chunk.meta
    record = {
        "doc_id": chunk.doc_id, "source": chunk.source, "path": chunk.path,
        "span_start": chunk.span[0], "span_end": chunk.span[1], "locator": chunk.locator,
        "section": chunk.section, "heading": chunk.heading, "ordinal": chunk.ordinal,
        "doc_meta": json.dumps(meta.to_dict(), sort_keys=True),
        "document_type": meta.document_type, "agency": meta.agency, "trust": meta.trust,
        "published": _date_ord(meta.published), "effective": _date_ord(meta.effective),
    }
    return {k: v for k, v in record.items() if v is not None}  # Chroma rejects None


def metadata_chunk(key: str, text: str, md: dict[str, Any]) -> Chunk:
    """Rebuild a Chunk from its Chroma document + metadata."""
    return Chunk(key=key, doc_id=md["doc_id"], source=md["source"], path=md["path"], text=text,
                 span=(int(md["span_start"]), int(md["span_end"])), locator=md["locator"],
                 section=md.get("section"), heading=md.get("heading", ""),
                 meta=load_doc_meta(md["doc_meta"]), ordinal=int(md.get("ordinal", 0)))


def _make_client(settings: "Settings", create: bool):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise RegbotIndexError(f"REGBOT_CHROMA_URL {settings.chroma_url!r} is not http://host:port")
        try:
            return chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        except Exception as exc:  # connection refused, bad server: say where
            raise RegbotIndexError(f"cannot reach Chroma server {settings.chroma_url}: {exc}") from exc
    path = settings.chroma_path
    if not create and not (path / "chroma.sqlite3").is_file():
        raise IndexMissingError(f"no index at {settings.home}: run `regbot ingest PATH`")
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # garbage sqlite, bad segments
        raise IndexCorruptError(
            f"vector index at {path} is unreadable ({type(exc).__name__}: {exc}); "
            "rebuild it with `regbot ingest --rebuild PATH`") from exc


def _expected_metadata(settings: "Settings") -> dict[str, Any]:
    return {"model_id": MODEL_ID, "dim": DIM, "ingest_version": INGEST_VERSION,
            "chunk_max_tokens": settings.chunk_max_tokens}


def check_model(metadata: dict[str, Any] | None, where: str) -> None:
    """Raise ModelMismatchError unless the collection was built with our model."""
    metadata = metadata or {}
    model, dim = metadata.get("model_id"), metadata.get("dim")
    if model != MODEL_ID or dim != DIM:
        raise ModelMismatchError(
            f"the index at {where} was built with embedding model {model!r} (dim {dim}), but this "
            f"regbot uses {MODEL_ID!r} (dim {DIM}); rebuild it with `regbot ingest --rebuild PATH`")


class Index:
    """Vectors + chunk records + BM25, opened once; search via `Index.search`."""

    def __init__(self, settings: "Settings", client, collection, chunks: ChunkStore) -> None:
        self.settings = settings
        self.client = client
        self.collection = collection
        self.chunks = chunks
        self._embedder: Embedder | None = None
        self._lexical: LexicalIndex | None = None
        self._checked_at = time.monotonic()

    # ------------------------------------------------------------- lazily loaded parts
    @property
    def embedder(self) -> "Embedder":
        if self._embedder is None:
            from index.embedding import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def lexical(self) -> "LexicalIndex":
        """BM25 over the chunk store, rebuilt when stale."""
        from index.lexical import load_or_build

        if self._lexical is None or self._lexical.generation != self.chunks.generation:
            self._lexical = load_or_build(self.settings.lexical_path, self.chunks)
        return self._lexical

    def rebuild_lexical(self) -> None:
        """Build BM25 from the chunk store again and save it, whatever the saved one says."""
        from index.lexical import build, save

        self._lexical = build(self.chunks)
        save(self._lexical, self.settings.lexical_path)

    @property
    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.home)

    # ------------------------------------------------------------- reads
    def search(self, query: str, k: int | None = None, filters: "SearchFilters | None" = None,
               mode: str | None = None) -> list[Passage]:
        from index.search import search

        self.refresh()
        return search(self, query, k=k, filters=filters, mode=mode)

    def refresh(self, max_age_s: float = REFRESH_S) -> bool:
        """Server mode: re-sync the local chunk store when another client has ingested since
        (checked at most every `max_age_s`); returns True when it re-synced."""
        if not self.settings.chroma_url or time.monotonic() - self._checked_at < max_age_s:
            return False
        self._checked_at = time.monotonic()
        try:
            self.collection = self.client.get_collection(self.settings.collection,
                                                         embedding_function=None)
        except Exception as exc:  # server gone or collection dropped
            raise RegbotIndexError(f"cannot refresh from {self.where}: {exc}") from exc
        check_model(self.collection.metadata, self.where)
        generation = (self.collection.metadata or {}).get("generation")
        if generation and generation != self.chunks.generation:
            self.sync_from_collection()
            return True
        return False

    def get_chunks(self, keys: Iterable[str]) -> list[Chunk]:
        return self.chunks.get_chunks(keys)

    def get_chunk(self, key: str) -> Chunk | None:
        return self.chunks.get_chunk(key)

    def chunks_by_source(self, source: str) -> list[Chunk]:
        return self.chunks.chunks_by_source(source)

    def chunks_by_citation(self, citation: str) -> list[Chunk]:
        return self.chunks.chunks_by_citation(citation)

    def count(self) -> int:
        return self.chunks.count()

    def dense_query(self, vector: np.ndarray, k: int, where: dict | None) -> list[tuple[str, float]]:
        """(key, cosine similarity) of the k nearest vectors."""
        if k <= 0:
            return []
        try:
            if self.collection.count() == 0:
                return []
            result = self.collection.query(query_embeddings=[vector.tolist()], n_results=k,
                                           where=where or None, include=["distances"])
        except Exception as exc:  # broken segment files show up at query time
            raise IndexCorruptError(f"vector query failed on {self.where}: {exc}; "
                                    "rebuild with `regbot ingest --rebuild PATH`") from exc
        return [(key, 1.0 - float(d)) for key, d in zip(result["ids"][0], result["distances"][0])]

    # ------------------------------------------------------------- writes (ingest)
    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Vectors + records into Chroma (step 1 of a document's commit)."""
        for start in range(0, len(chunks), PAGE):
            part = chunks[start:start + PAGE]
            self.collection.upsert(
                ids=[c.key for c in part], embeddings=vectors[start:start + PAGE].tolist(),
                documents=[c.text for c in part], metadatas=[chunk_metadata(c) for c in part])

    def update_records(self, chunks: Sequence[Chunk]) -> None:
        """Refresh the metadata of existing vectors (a key is a hash of the text, so the
        document text is unchanged; passing it would make Chroma try to embed it)."""
        for start in range(0, len(chunks), PAGE):
            part = chunks[start:start + PAGE]
            self.collection.update(ids=[c.key for c in part],
                                   metadatas=[chunk_metadata(c) for c in part])

    def delete_vectors(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), PAGE):
            self.collection.delete(ids=keys[start:start + PAGE])

    def vector_keys(self) -> set[str]:
        keys: set[str] = set()
        for offset in range(0, self.collection.count(), PAGE):
            keys.update(self.collection.get(limit=PAGE, offset=offset, include=[])["ids"])
        return keys

    def publish_generation(self) -> None:
        """Stamp the chunk store's generation on the collection (server-mode clients sync on it)."""
        metadata = dict(self.collection.metadata or {}) | {"generation": self.chunks.generation}
        self.collection.modify(metadata=metadata)

    def sync_from_collection(self) -> None:
        """Rebuild the local chunk store from the collection's documents + metadata."""
        chunks: list[Chunk] = []
        for offset in range(0, self.collection.count(), PAGE):
            page = self.collection.get(limit=PAGE, offset=offset, include=["documents", "metadatas"])
            chunks.extend(metadata_chunk(k, t, m) for k, t, m in
                          zip(page["ids"], page["documents"], page["metadatas"]))
        generation = (self.collection.metadata or {}).get("generation", "")
        self.chunks.replace_all(chunks, generation)

    def close(self) -> None:
        self.chunks.close()


def _recover_compaction(client, settings: "Settings") -> bool:
    """Undo a compaction interrupted between its renames (embedded index, lock free);
    True when something was tried."""
    from index.compact import recover_interrupted
    from index.lock import IndexBusyError, write_lock

    if settings.chroma_url:
        return False
    try:
        with write_lock(settings.home, wait=False):  # never while a compaction runs
            recover_interrupted(client, settings.collection)
    except (IndexBusyError, OSError):
        return False
    return True


def _open_collection(client, settings: "Settings", create: bool):
    from chromadb.errors import NotFoundError

    name = settings.collection
    try:
        try:
            collection = client.get_collection(name, embedding_function=None)
        except NotFoundError:  # maybe a compaction was interrupted between its two renames
            if not _recover_compaction(client, settings):
                raise
            collection = client.get_collection(name, embedding_function=None)
    except NotFoundError:
        if not create:
            raise IndexMissingError(
                f"no index at {settings.chroma_url or settings.home} (collection {name!r} not found):"
                " run `regbot ingest PATH`") from None
        return client.create_collection(name, embedding_function=None,
                                        metadata=_expected_metadata(settings),
                                        configuration={"hnsw": {"space": "cosine"}})
    except RegbotIndexError:
        raise
    except Exception as exc:
        raise IndexCorruptError(f"cannot open collection {name!r} at "
                                f"{settings.chroma_url or settings.chroma_path}: {exc}") from exc
    check_model(collection.metadata, settings.chroma_url or str(settings.home))
    return collection


def delete_collection(settings: "Settings") -> None:
    """Drop the collection (for `--rebuild`); a missing one is fine."""
    client = _make_client(settings, create=True)
    try:
        client.delete_collection(settings.collection)
    except Exception:  # NotFoundError / ValueError depending on the backend
        pass


def open_index(settings: "Settings", *, create: bool = False) -> Index:
    """Open (or with `create`, make) the index for `settings`; raises RegbotIndexError kinds."""
    client = _make_client(settings, create)
    collection = _open_collection(client, settings, create)
    chunk_path = settings.home / CHUNKS_FILE
    remote = bool(settings.chroma_url)
    needs_sync = not chunk_path.is_file() and collection.count() > 0
    try:
        chunks = ChunkStore(chunk_path, create=create or remote or needs_sync)
    except sqlite3.Error as exc:  # pragma: no cover - ChunkStore maps the usual ones
        raise IndexCorruptError(f"chunk store {chunk_path} is unreadable: {exc}") from exc
    index = Index(settings, client, collection, chunks)
    remote_generation = (collection.metadata or {}).get("generation")
    if needs_sync or (remote and remote_generation and remote_generation != chunks.generation):
        index.sync_from_collection()
    return index
