"""Ingest files into the index: read -> chunk -> embed -> Chroma + chunk store -> manifest.

Idempotent: chunk keys are content hashes and a manifest (`manifest.json`) records
each file's fingerprint, so unchanged files are skipped without reading them.
Crash-safe: each document commits in the order embed -> upsert vectors -> chunk
store transaction -> manifest. A run killed anywhere leaves at worst vectors the
chunk store does not know (ignored by search) and a stale manifest entry, and the
next run re-processes that document and removes what is left over.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from index.config import IndexSettings as Settings  # bot.settings.Settings satisfies it
from index.errors import IndexCorruptError, RegbotIndexError
from index.lock import LockHolder, write_lock
from index.store import CHUNKS_FILE, INGEST_VERSION, Index, delete_collection, open_index
from ingest.records import Chunk, Record

MANIFEST_FILE = "manifest.json"
EMBED_SLICE = 128  # chunks embedded and upserted per step, so a big file shows progress


@dataclass(frozen=True)
class IngestProgress(Record):
    """Where a run stands, sent to the `progress` callback while it works."""

    files_done: int
    files_total: int
    fraction: float  # 0..1 of the run, by bytes of the files, advanced per embedded slice
    chunks_embedded: int  # new chunks embedded so far in this run
    path: str  # the file being worked on
    stage: str  # "reading" | "embedding" | "done"


Progress = Callable[[IngestProgress], None]


class _Ticker:
    """Turns per-file and per-slice steps into `IngestProgress` events (bytes-weighted)."""

    def __init__(self, files: list[Path], callback: Progress | None) -> None:
        self.callback, self.files_total = callback, len(files)
        self.sizes = [_size(p) for p in files]
        self.total = float(sum(self.sizes)) or 1.0
        self.bytes_done, self.files_done, self.embedded = 0, 0, 0

    def emit(self, index: int, path: Path, stage: str, within: float = 0.0) -> None:
        if self.callback is None:
            return
        done = self.bytes_done + self.sizes[index] * min(max(within, 0.0), 1.0)
        self.callback(IngestProgress(self.files_done, self.files_total, min(done / self.total, 1.0),
                                     self.embedded, str(path), stage))

    def file_done(self, index: int, path: Path) -> None:
        self.bytes_done += self.sizes[index]
        self.files_done += 1
        self.emit(index, path, "done")


def _size(path: Path) -> int:
    try:
        return max(path.stat().st_size, 1)
    except OSError:
        return 1


@dataclass(frozen=True)
class IngestReport(Record):
    """What one `ingest_paths` run did (the `regbot ingest --json` contract)."""

    documents: int = 0  # documents ingested or already up to date
    chunks_added: int = 0
    chunks_unchanged: int = 0
    chunks_removed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # [{"path", "error"}]
    chunks_repaired: int = 0  # lost or unreadable vectors re-embedded before the run

    def summary_json(self) -> dict[str, Any]:
        return {"documents": self.documents, "chunks_added": self.chunks_added,
                "chunks_unchanged": self.chunks_unchanged, "chunks_removed": self.chunks_removed,
                "failed": [{"path": f["path"], "error": f["error"]} for f in self.failed],
                "chunks_repaired": self.chunks_repaired}


@dataclass
class _Tally:
    documents: int = 0
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    repaired: int = 0

    def report(self) -> IngestReport:
        return IngestReport(self.documents, self.added, self.unchanged, self.removed, self.failed,
                            self.repaired)


# --------------------------------------------------------------------------- manifest


def load_manifest(home: Path) -> dict[str, dict[str, Any]]:
    """path -> {sha256, doc_id, chunk_keys, ingested_at}; unreadable = empty (the chunk
    store still knows every chunk, so the next run only re-reads files)."""
    try:
        data = json.loads((home / MANIFEST_FILE).read_text(encoding="utf-8"))
        return dict(data["documents"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def save_manifest(home: Path, documents: dict[str, dict[str, Any]]) -> None:
    """Atomic write: temp file in the same folder, then rename."""
    home.mkdir(parents=True, exist_ok=True)
    blob = json.dumps({"version": 1, "ingest_version": INGEST_VERSION, "documents": documents},
                      indent=1, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=home, prefix=f".{MANIFEST_FILE}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, home / MANIFEST_FILE)


def _sha256(path: Path) -> str:
    from ingest.readers import open_regular

    digest = hashlib.sha256()
    with open_regular(path) as fh:  # never a FIFO: hashing one would block forever
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(path: Path) -> dict[str, str | None] | None:
    """{"sha256": of the file, "sidecar_sha256": of `X.meta.json` or None}; None when
    unreadable (the reader then reports why)."""
    try:
        sidecar = path.with_name(path.name + ".meta.json")
        return {"sha256": _sha256(path),
                "sidecar_sha256": _sha256(sidecar) if sidecar.is_file() else None}
    except OSError:
        return None


# --------------------------------------------------------------------------- per document


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its own text, which the chunker keeps inside the
    model's 256 word-piece window. (Prefixing the document title was measured: it let
    one commentary whose title matches a query crowd out the primary sources.)"""
    return chunk.text


def _read_and_chunk(path: Path, settings: Settings, trust: str | None = None) -> list[Chunk]:
    from ingest.chunking import chunk_document
    from ingest.readers import read_document

    return chunk_document(read_document(path, trust), max_tokens=settings.chunk_max_tokens)


def _commit_document(index: Index, chunks: list[Chunk], stale: set[str],
                     on_slice: Callable[[int, int], None] | None = None) -> tuple[int, int, int]:
    """Embed what is new (slice by slice, calling `on_slice(done, len(new))`), then
    vectors -> chunk store; returns (added, unchanged, removed)."""
    known = index.chunks.keys_for_doc(chunks[0].doc_id) if chunks else set()
    new = [c for c in chunks if c.key not in known]
    kept = [c for c in chunks if c.key in known]
    removed = stale - {c.key for c in chunks}
    if new and on_slice is not None:
        on_slice(0, len(new))
    for start in range(0, len(new), EMBED_SLICE):
        part = new[start:start + EMBED_SLICE]
        index.upsert(part, index.embedder.embed([embedding_text(c) for c in part]))
        if on_slice is not None:
            on_slice(start + len(part), len(new))
    if kept:  # metadata (sidecar) may have changed while the text did not
        index.update_records(kept)
    index.chunks.apply(add=chunks, remove=removed)
    index.delete_vectors(removed)
    return len(new), len(kept), len(removed)


def _is_current(entry: dict[str, Any] | None, digest: dict | None, index: Index) -> bool:
    if not entry or digest is None or any(entry.get(k) != v for k, v in digest.items()):
        return False
    keys = set(entry.get("chunk_keys", []))
    return bool(keys) and keys == index.chunks.keys_for_doc(entry.get("doc_id", ""))


def _ingest_file(path: Path, index: Index, manifest: dict, tally: _Tally,
                 on_slice: Callable[[int, int], None] | None = None,
                 trust: str | None = None) -> bool:
    """One file; returns True when the index changed. `trust`: the folder's level, if given."""
    name = str(path)
    try:
        digest = fingerprint(path)
        if digest is not None:  # new chunking settings re-chunk every file
            digest["chunking"] = f"v{INGEST_VERSION}/max_tokens={index.settings.chunk_max_tokens}"
            digest["trust"] = trust  # another folder level re-reads the file's metadata
        entry = manifest.get(name)
        if _is_current(entry, digest, index):
            tally.documents += 1
            tally.unchanged += len(entry["chunk_keys"])
            return False
        chunks = _read_and_chunk(path, index.settings, trust)
    except RegbotIndexError:
        raise
    except Exception as exc:  # IngestError and any reader/chunker failure: report, go on
        tally.failed.append({"path": name, "error": _reason(exc)})
        return False
    if not chunks:
        tally.failed.append({"path": name, "error": "no text to index after parsing"})
        return False
    doc_id = chunks[0].doc_id
    stale = index.chunks.keys_for_doc(doc_id) | set((entry or {}).get("chunk_keys", []))
    added, unchanged, removed = _commit_document(index, chunks, stale, on_slice)
    manifest[name] = {"path": name, **(digest or {"sha256": None}), "doc_id": doc_id,
                      "source": path.name,
                      "chunk_keys": [c.key for c in chunks],
                      "ingested_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    save_manifest(index.settings.home, manifest)
    tally.documents += 1
    tally.added, tally.unchanged, tally.removed = (
        tally.added + added, tally.unchanged + unchanged, tally.removed + removed)
    return True


def _reason(exc: Exception) -> str:
    from ingest.errors import IngestError

    if isinstance(exc, IngestError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot read file: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- repair / prune / rebuild


def _reconcile(index: Index) -> int:
    """Make chunk store, vectors and BM25 agree before ingesting, by chunk id, reading every
    vector back: records whose vector is missing or unreadable are re-embedded from the
    chunk store, vectors no record knows are deleted, a BM25 holding other ids is rebuilt
    (counts alone hid 128 lost vectors). Returns how many vectors were re-embedded."""
    from index.health import repair_index

    return repair_index(index).reembedded


def _prune(index: Index, manifest: dict, tally: _Tally) -> bool:
    """Remove documents whose files are gone (manifest entries and orphaned chunk-store docs)."""
    changed = False
    for name in [n for n in manifest if not Path(n).exists()]:
        entry = manifest.pop(name)
        keys = index.chunks.keys_for_doc(entry.get("doc_id", "")) | set(entry.get("chunk_keys", []))
        _remove_keys(index, keys, tally)
        changed = True
    for doc_id, path in index.chunks.documents().items():
        if not Path(path).exists():
            _remove_keys(index, index.chunks.keys_for_doc(doc_id), tally)
            changed = True
    if changed:
        save_manifest(index.settings.home, manifest)
    return changed


def _remove_keys(index: Index, keys: set[str], tally: _Tally) -> None:
    index.chunks.apply(add=(), remove=keys)
    index.delete_vectors(keys)
    tally.removed += len(keys)


def wipe_index(settings: Settings) -> None:
    """Delete the collection, chunk store, BM25 and manifest (for `--rebuild`).

    An embedded Chroma folder too broken to open is removed outright."""
    try:
        delete_collection(settings)
    except IndexCorruptError:
        if settings.chroma_url:
            raise
        from chromadb.api.client import SharedSystemClient

        shutil.rmtree(settings.chroma_path, ignore_errors=True)
        SharedSystemClient.clear_system_cache()
    for name in (CHUNKS_FILE, CHUNKS_FILE + "-wal", CHUNKS_FILE + "-shm", MANIFEST_FILE):
        (settings.home / name).unlink(missing_ok=True)
    shutil.rmtree(settings.lexical_path, ignore_errors=True)


# --------------------------------------------------------------------------- entry point


def _slice_ticker(ticker: _Ticker, index: int, path: Path) -> Callable[[int, int], None]:
    """The per-slice callback for one file: counts embedded chunks, moves the bar."""
    base = ticker.embedded

    def on_slice(done: int, total: int) -> None:
        ticker.embedded = base + done
        ticker.emit(index, path, "embedding", done / total)
    return on_slice


def ingest_paths(paths: Sequence[Path | str], settings: Settings, *, prune: bool = False,
                 rebuild: bool = False, progress: Progress | None = None, wait: bool = True,
                 on_wait: Callable[[LockHolder | None], None] | None = None,
                 trust: str | None = None) -> IngestReport:
    """Ingest files and folders into the index for `settings`; see the module docstring.

    One writer per home: the run holds `$REGBOT_HOME/ingest.lock`. When another process
    holds it, `on_wait(holder)` is called and the run waits, or with `wait=False` raises
    `IndexBusyError` naming the holder.

    `trust` (ingest.trust level) is what these paths are: every document gets at most that
    level (a sidecar may lower it, never raise it); without it, sidecars decide, else unknown."""
    from ingest.trust import parse_trust

    trust = parse_trust(trust)  # ValueError for a level that does not exist
    with write_lock(settings.home, wait=wait, on_wait=on_wait):
        return _ingest_locked(paths, settings, prune=prune, rebuild=rebuild, progress=progress,
                              trust=trust)


def _ingest_locked(paths: Sequence[Path | str], settings: Settings, *, prune: bool,
                   rebuild: bool, progress: Progress | None, trust: str | None) -> IngestReport:
    from ingest.readers import iter_source_files

    found, problems = iter_source_files([Path(p) for p in paths])
    files = [Path(p).resolve() for p in found]
    if rebuild:
        wipe_index(settings)
    index = open_index(settings, create=True)
    try:
        repaired = _reconcile(index)
        manifest = load_manifest(settings.home)
        tally = _Tally(failed=[{"path": str(p), "error": why} for p, why in problems],
                       repaired=repaired)
        changed, ticker = False, _Ticker(files, progress)
        for i, path in enumerate(files):
            ticker.emit(i, path, "reading")
            changed |= _ingest_file(path, index, manifest, tally, _slice_ticker(ticker, i, path),
                                    trust)
            ticker.file_done(i, path)
        if prune:
            changed |= _prune(index, manifest, tally)
        if changed or index.chunks.generation != (index.collection.metadata or {}).get("generation"):
            index.publish_generation()
        index.lexical  # rebuild BM25 now (atomically) rather than on the first search
        return tally.report()
    finally:
        index.close()
