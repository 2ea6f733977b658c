"""`regbot index compact`: give back the disk space of deleted vectors without re-embedding.

Chroma 1.5's embedded store never reclaims a deleted vector: its HNSW graph only marks it
deleted, its SQLite file keeps the free pages and its full-text index keeps tombstones, so
a home that churned grows far past a clean build of the same chunks (43 MB against 16 MB in
issue 14). Chroma has no call that drops deleted HNSW entries in place, so the vectors are
read back and re-inserted into a fresh collection (nothing is embedded again); then the
old collection's files, the full-text tombstones and the free pages are released (what
`chroma vacuum` also does). The swap goes through two renames, so an interruption
leaves either the old or the new collection under the configured name
(`recover_interrupted` finishes the job on the next open).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from index.errors import RegbotIndexError

PAGE = 1000
NEW_SUFFIX, OLD_SUFFIX = ".compact-new", ".compact-old"
_SEGMENT_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class _Settings(Protocol):
    home: Path
    chroma_url: str | None
    collection: str

    @property
    def chroma_path(self) -> Path: ...


@dataclass(frozen=True)
class CompactReport:
    """Sizes of the home before and after, and how many vectors were carried over."""

    before_bytes: int
    after_bytes: int
    vectors: int
    reembedded: int  # lost vectors re-embedded by the repair that runs first

    def to_dict(self) -> dict[str, Any]:
        return {"before_bytes": self.before_bytes, "after_bytes": self.after_bytes,
                "reclaimed_bytes": self.before_bytes - self.after_bytes, "vectors": self.vectors,
                "reembedded": self.reembedded}


def home_size(home: Path) -> int:
    """Bytes of every file under `home` (index, chunk store, BM25, manifest, logs)."""
    return sum((Path(d) / f).stat().st_size for d, _, files in os.walk(home) for f in files
               if (Path(d) / f).is_file())


def recover_interrupted(client, name: str) -> None:
    """Finish or undo a compaction a crash interrupted: put the old collection back if the
    configured name is gone, and drop the leftovers."""
    names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    if name not in names and name + OLD_SUFFIX in names:
        client.get_collection(name + OLD_SUFFIX, embedding_function=None).modify(name=name)
        names = (names - {name + OLD_SUFFIX}) | {name}
    for leftover in (name + NEW_SUFFIX, name + OLD_SUFFIX):
        if leftover in names:
            client.delete_collection(leftover)


def _copy(old, new, on_step: Callable[[int, int], None] | None) -> int:
    total = old.count()
    for offset in range(0, total, PAGE):
        page = old.get(limit=PAGE, offset=offset, include=["embeddings", "documents", "metadatas"])
        new.add(ids=page["ids"], embeddings=page["embeddings"], documents=page["documents"],
                metadatas=page["metadatas"])
        if on_step is not None:
            on_step(min(offset + PAGE, total), total)
    return total


def _swap(client, old, name: str, on_step) -> int:
    """Copy `old` into a fresh collection and put it under `name`; returns vectors copied."""
    new = client.create_collection(name + NEW_SUFFIX, embedding_function=None,
                                   metadata=dict(old.metadata or {}),
                                   configuration={"hnsw": {"space": "cosine"}})
    copied = _copy(old, new, on_step)
    if new.count() != old.count():
        client.delete_collection(name + NEW_SUFFIX)
        raise RegbotIndexError(f"compaction copied {new.count()} of {old.count()} vectors; "
                               "nothing was changed")
    old.modify(name=name + OLD_SUFFIX)
    new.modify(name=name)
    client.delete_collection(name + OLD_SUFFIX)
    return copied


def _release_files(chroma_path: Path) -> None:
    """With no client open: delete segment folders no segment row names (Chroma leaves a
    dropped collection's HNSW files behind), merge the full-text index, VACUUM."""
    db_path = chroma_path / "chroma.sqlite3"
    db = sqlite3.connect(db_path, timeout=30)
    try:
        live = {row[0] for row in db.execute("SELECT id FROM segments")}
        for entry in chroma_path.iterdir():
            if entry.is_dir() and _SEGMENT_DIR.match(entry.name) and entry.name not in live:
                shutil.rmtree(entry, ignore_errors=True)
        try:  # FTS5 keeps tombstones of deleted rows until its segments are merged
            db.execute("INSERT INTO embedding_fulltext_search(embedding_fulltext_search) "
                       "VALUES('optimize')")
            db.commit()
        except sqlite3.DatabaseError:
            pass  # another Chroma schema: VACUUM alone still frees the pages
        db.execute("VACUUM")
    finally:
        db.close()


def _close_client(client) -> None:
    from chromadb.api.client import SharedSystemClient

    try:
        client._system.stop()  # releases Chroma's SQLite connections before VACUUM
    finally:
        SharedSystemClient.clear_system_cache()


def compact_index(settings: _Settings,
                  on_step: Callable[[int, int], None] | None = None) -> CompactReport:
    """Repair, then rebuild the collection from its own vectors and release the space.

    Embedded indexes only (a Chroma server manages its own storage). Callers hold the
    home's write lock."""
    from index.health import repair_index
    from index.store import open_index

    if settings.chroma_url:
        raise RegbotIndexError(f"compaction works on an embedded index; the server at "
                               f"{settings.chroma_url} manages its own storage (`chroma vacuum` "
                               "on the server's host)")
    before = home_size(settings.home)
    index = open_index(settings)
    try:
        repaired = repair_index(index)
        vectors = _swap(index.client, index.collection, settings.collection, on_step)
        index.chunks.vacuum()
    finally:
        index.close()
        _close_client(index.client)
    _release_files(settings.chroma_path)
    return CompactReport(before, home_size(settings.home), vectors, repaired.reembedded)
