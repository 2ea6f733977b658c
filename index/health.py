"""Does the index agree with itself? Chunk store <-> Chroma <-> BM25, by chunk id, and every
vector readable. `check_index` reports, `repair_index` fixes (the step every ingest runs first).

Counts are not enough: after two concurrent writers (issue 14) store and collection held the
same 1,260 ids while 128 vectors were unreadable ("Error finding id"), so a count check
reported a healthy index. Here every id is compared and every vector is read back.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from index.embedding import DIM
from index.errors import IndexCorruptError

if TYPE_CHECKING:  # pragma: no cover
    from index.store import Index

PAGE = 1000
SAMPLE = 5  # ids shown per problem

REPAIR_HINT = ("run `regbot index repair` (re-embeds lost vectors from the chunk store, drops "
               "orphaned ones, rebuilds BM25); `regbot ingest --rebuild PATH` starts over")


@dataclass(frozen=True)
class Problem:
    """One kind of disagreement, with how many chunk ids it touches and a few of them."""

    kind: str  # missing_vectors | orphan_vectors | unreadable_vectors | lexical_stale | lexical_mismatch
    count: int
    detail: str
    sample: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "detail": self.detail,
                "sample": list(self.sample)}


@dataclass(frozen=True)
class IndexHealth:
    """What `regbot index check` found."""

    where: str
    records: int
    vectors: int
    lexical: int | None  # rows in the saved BM25, None when absent or unreadable
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "where": self.where,
                "counts": {"records": self.records, "vectors": self.vectors, "lexical": self.lexical},
                "problems": [p.to_dict() for p in self.problems],
                "repair": None if self.ok else REPAIR_HINT}


@dataclass(frozen=True)
class RepairReport:
    """What `repair_index` changed."""

    reembedded: int = 0  # records whose vector was missing or unreadable
    orphans_removed: int = 0  # vectors no record knows
    lexical_rebuilt: bool = False
    unreadable: tuple[str, ...] = field(default=(), repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.reembedded or self.orphans_removed or self.lexical_rebuilt)

    def to_dict(self) -> dict[str, Any]:
        return {"reembedded": self.reembedded, "orphans_removed": self.orphans_removed,
                "lexical_rebuilt": self.lexical_rebuilt}


# --------------------------------------------------------------------------- reading vectors


def _vector_ok(vector: Any) -> bool:
    try:
        return len(vector) == DIM and all(math.isfinite(float(x)) for x in vector)
    except (TypeError, ValueError):
        return False


def _bad_ids(collection, ids: Sequence[str]) -> set[str]:
    """Ids among `ids` whose vector cannot be read (bisects a failing batch)."""
    if not ids:
        return set()
    try:
        got = collection.get(ids=list(ids), include=["embeddings"])
    except Exception:  # Chroma: "Error finding id" for a vector its HNSW graph lost
        if len(ids) == 1:
            return set(ids)
        mid = len(ids) // 2
        return _bad_ids(collection, ids[:mid]) | _bad_ids(collection, ids[mid:])
    found = dict(zip(got["ids"], got["embeddings"]))
    return {i for i in ids if i not in found or not _vector_ok(found[i])}


def scan_vectors(collection) -> tuple[set[str], set[str]]:
    """(every vector id, the ids whose vector is unreadable), reading every vector once."""
    ids: set[str] = set()
    bad: set[str] = set()
    total = collection.count()
    for offset in range(0, total, PAGE):
        try:
            page = collection.get(limit=PAGE, offset=offset, include=["embeddings"])
            ids.update(page["ids"])
            bad.update(i for i, v in zip(page["ids"], page["embeddings"]) if not _vector_ok(v))
        except Exception:  # one lost vector fails the whole page: find which
            page_ids = collection.get(limit=PAGE, offset=offset, include=[])["ids"]
            ids.update(page_ids)
            bad |= _bad_ids(collection, page_ids)
    return ids, bad


# --------------------------------------------------------------------------- check


def _sample(keys: set[str]) -> tuple[str, ...]:
    return tuple(sorted(keys)[:SAMPLE])


def _lexical_problems(index: "Index", records: set[str]) -> tuple[int | None, list[Problem]]:
    from index.lexical import load

    saved = load(index.settings.lexical_path)
    if saved is None:
        return None, [Problem("lexical_stale", len(records), "BM25 index missing or unreadable")] \
            if records else []
    problems = []
    if saved.generation != index.chunks.generation:
        problems.append(Problem("lexical_stale", abs(len(saved.keys) - len(records)),
                                "BM25 index was built from another version of the chunk store"))
    keys = set(saved.keys)
    if keys != records:
        diff = keys ^ records
        problems.append(Problem("lexical_mismatch", len(diff),
                                "BM25 rows and chunk records differ", _sample(diff)))
    return len(saved.keys), problems


def check_index(index: "Index") -> IndexHealth:
    """Compare ids across chunk store, Chroma and BM25, and read every vector back."""
    try:
        records = index.chunks.keys()
        vectors, unreadable = scan_vectors(index.collection)
    except IndexCorruptError:
        raise
    except Exception as exc:  # broken segment files, a server that went away
        raise IndexCorruptError(f"cannot read the vector index at {index.where}: {exc}") from exc
    problems = []
    if records - vectors:
        problems.append(Problem("missing_vectors", len(records - vectors),
                                "chunk records without a vector (dense search cannot find them)",
                                _sample(records - vectors)))
    if vectors - records:
        problems.append(Problem("orphan_vectors", len(vectors - records),
                                "vectors no chunk record knows (left by an interrupted ingest)",
                                _sample(vectors - records)))
    if unreadable:
        problems.append(Problem("unreadable_vectors", len(unreadable),
                                "vectors Chroma lists but cannot read (\"Error finding id\")",
                                _sample(unreadable)))
    lexical, lexical_problems = _lexical_problems(index, records)
    return IndexHealth(index.where, len(records), len(vectors), lexical,
                       tuple(problems + lexical_problems))


# --------------------------------------------------------------------------- repair


def _reembed(index: "Index", keys: set[str], on_step: Callable[[int, int], None] | None) -> int:
    """Embed the stored text of `keys` again and upsert (vectors + metadata)."""
    chunks = index.chunks.get_chunks(sorted(keys))
    for start in range(0, len(chunks), 128):
        part = chunks[start:start + 128]
        index.upsert(part, index.embedder.embed([c.text for c in part]))
        if on_step is not None:
            on_step(start + len(part), len(chunks))
    return len(chunks)


def repair_index(index: "Index", *, lexical: bool = True,
                 on_step: Callable[[int, int], None] | None = None) -> RepairReport:
    """Make vectors agree with the chunk store (the source of truth): re-embed records whose
    vector is missing or unreadable, delete vectors no record knows, rebuild a stale BM25.

    Callers hold the home's write lock (`index.lock.write_lock`)."""
    records = index.chunks.keys()
    vectors, unreadable = scan_vectors(index.collection)
    orphans = vectors - records
    if orphans:
        index.delete_vectors(orphans)
    lost = (records - vectors) | (unreadable & records)
    if unreadable - records:  # unreadable orphans are already deleted above
        index.delete_vectors(unreadable - records)
    reembedded = _reembed(index, lost, on_step) if lost else 0
    rebuilt = False
    if lexical:
        _, problems = _lexical_problems(index, records)
        if problems:
            index.rebuild_lexical()
            rebuilt = True
    return RepairReport(reembedded, len(orphans), rebuilt, tuple(sorted(unreadable)))
