"""The chunk store: `chunks.sqlite`, the source of truth for chunk records, BM25 and citations.

Every write is one transaction that also bumps a `generation` token, so the
lexical index (and server-mode clients) can tell when they are stale.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.records import Chunk, DocMeta
from ingest.trust import meta_fields
from index.errors import IndexCorruptError, IndexMissingError

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    locator TEXT NOT NULL,
    section TEXT,
    heading TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    citation TEXT,
    meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source, ordinal);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
COLUMNS = ("key, doc_id, source, path, text, span_start, span_end, locator, section, heading, "
           "ordinal, citation, meta")


def chunk_to_row(chunk: Chunk) -> tuple:
    """One Chunk as a `chunks` row (meta as JSON)."""
    return (chunk.key, chunk.doc_id, chunk.source, chunk.path, chunk.text, chunk.span[0],
            chunk.span[1], chunk.locator, chunk.section, chunk.heading, chunk.ordinal,
            chunk.meta.citation, json.dumps(chunk.meta.to_dict(), sort_keys=True))


def load_doc_meta(blob: str) -> DocMeta:
    """A stored DocMeta (JSON); a record from before trust levels gets one (ingest.trust)."""
    return DocMeta(**meta_fields(json.loads(blob)))


def row_to_chunk(row: tuple) -> Chunk:
    """The inverse of `chunk_to_row`."""
    key, doc_id, source, path, text, start, end, locator, section, heading, ordinal, _, meta = row
    return Chunk(key=key, doc_id=doc_id, source=source, path=path, text=text, span=(start, end),
                 locator=locator, section=section, heading=heading, meta=load_doc_meta(meta),
                 ordinal=ordinal)


class ChunkStore:
    """SQLite table of chunks plus a small `state` table (generation, sync token)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file() and not create:
            raise IndexMissingError(f"no index at {self.path.parent}: run `regbot ingest PATH`")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
            self._db.execute("SELECT count(*) FROM chunks").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(
                f"chunk store {self.path} is unreadable ({exc}): rebuild it with "
                "`regbot ingest --rebuild PATH`") from exc

    def close(self) -> None:
        self._db.close()

    def vacuum(self) -> None:
        """Give the pages of deleted chunks back to the file system (`regbot index compact`)."""
        self._db.execute("VACUUM")

    # ----------------------------------------------------------------- state
    def get_state(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _set_state(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO state(name, value) VALUES (?, ?)", (name, value))

    @property
    def generation(self) -> str:
        """Changes on every write; '' for a store never written."""
        return self.get_state("generation") or ""

    # ----------------------------------------------------------------- writes
    def apply(self, add: Iterable[Chunk], remove: Iterable[str] = ()) -> str:
        """Insert/replace `add`, delete `remove`, in one transaction; returns the new generation."""
        rows = [chunk_to_row(c) for c in add]
        gone = [(k,) for k in remove]
        generation = uuid.uuid4().hex
        with self._transaction():
            self._db.executemany(f"INSERT OR REPLACE INTO chunks({COLUMNS}) VALUES "
                                 f"({', '.join('?' * 13)})", rows)
            self._db.executemany("DELETE FROM chunks WHERE key = ?", gone)
            self._set_state("generation", generation)
        return generation

    def replace_all(self, chunks: Iterable[Chunk], generation: str) -> None:
        """Swap the whole content (server-mode sync) and adopt `generation`."""
        rows = [chunk_to_row(c) for c in chunks]
        with self._transaction():
            self._db.execute("DELETE FROM chunks")
            self._db.executemany(f"INSERT OR REPLACE INTO chunks({COLUMNS}) VALUES "
                                 f"({', '.join('?' * 13)})", rows)
            self._set_state("generation", generation)

    def _transaction(self):
        store = self

        class _Txn:
            def __enter__(self):
                store._db.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb):
                store._db.execute("ROLLBACK" if exc_type else "COMMIT")
                return False

        return _Txn()

    # ----------------------------------------------------------------- reads
    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def keys(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT key FROM chunks")}

    def keys_for_doc(self, doc_id: str) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT key FROM chunks WHERE doc_id = ?", (doc_id,))}

    def documents(self) -> dict[str, str]:
        """doc_id -> path of every document with chunks."""
        return dict(self._db.execute("SELECT DISTINCT doc_id, path FROM chunks"))

    def get_chunks(self, keys: Iterable[str]) -> list[Chunk]:
        """Chunks for `keys`, in the order given; unknown keys are dropped."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Chunk] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            sql = f"SELECT {COLUMNS} FROM chunks WHERE key IN ({', '.join('?' * len(part))})"
            found.update((row[0], row_to_chunk(row)) for row in self._db.execute(sql, part))
        return [found[k] for k in wanted if k in found]

    def get_chunk(self, key: str) -> Chunk | None:
        chunks = self.get_chunks([key])
        return chunks[0] if chunks else None

    def chunks_by_source(self, source: str) -> list[Chunk]:
        """All chunks of the document(s) with this file name, in reading order."""
        sql = f"SELECT {COLUMNS} FROM chunks WHERE source = ? ORDER BY path, ordinal"
        return [row_to_chunk(r) for r in self._db.execute(sql, (source,))]

    def chunks_by_citation(self, citation: str) -> list[Chunk]:
        """Chunks whose locator is `citation` or a sub-paragraph of it, or whose document
        citation is `citation` (e.g. "15 CFR 744.21(g)", "90 FR 50489")."""
        sql = (f"SELECT {COLUMNS} FROM chunks WHERE locator = ? OR locator LIKE ? ESCAPE '\\' "
               "OR citation = ? ORDER BY source, ordinal")
        like = citation.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "(%"
        return [row_to_chunk(r) for r in self._db.execute(sql, (citation, like, citation))]

    def keys_where(self, equals: dict[str, str], ranges: dict[str, tuple[str | None, str | None]],
                   ) -> set[str]:
        """Keys whose document metadata matches: `equals` {field: value} and inclusive
        ISO-date `ranges` {field: (low, high)}; a chunk without the date never matches."""
        clauses, args = [], []
        for name, value in equals.items():
            clauses.append(f"json_extract(meta, '$.{name}') = ?")
            args.append(value)
        for name, (low, high) in ranges.items():
            column = f"substr(json_extract(meta, '$.{name}'), 1, 10)"
            if low:
                clauses.append(f"{column} >= ?")
                args.append(low)
            if high:
                clauses.append(f"{column} <= ?")
                args.append(high)
        sql = "SELECT key FROM chunks" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        return {r[0] for r in self._db.execute(sql, args)}

    def meta_values(self, name: str) -> list[str]:
        """The distinct non-null values of one metadata field (e.g. document_type), sorted."""
        sql = (f"SELECT DISTINCT json_extract(meta, '$.{name}') AS v FROM chunks "
               "WHERE v IS NOT NULL ORDER BY v")
        return [r[0] for r in self._db.execute(sql)]

    def document_meta(self) -> list[tuple[str, str, DocMeta]]:
        """(file name, path, metadata) of every document with chunks, by file name."""
        sql = "SELECT source, path, meta FROM chunks GROUP BY doc_id ORDER BY source, path"
        return [(source, path, load_doc_meta(meta))
                for source, path, meta in self._db.execute(sql)]

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk in a stable order (key), for BM25 builds."""
        for row in self._db.execute(f"SELECT {COLUMNS} FROM chunks ORDER BY key"):
            yield row_to_chunk(row)
