"""The decision log: an append-only, hash-chained and keyed SQLite record of every answer.

One row per answer (and one per piece of feedback). Each row stores the hash of
the previous row, its own hash over its content, and a MAC chained with a key kept
outside the database (`bot.log_key`), so `verify()` finds a row that was edited —
also when every hash after it was recomputed —, deleted, truncated away or forged.
Triggers refuse UPDATE and DELETE; the chain catches anyone who removes the
triggers first. Secrets (configured values, and token shapes by pattern: Slack,
OpenAI/Anthropic, AWS, JWT, `password=`, bearer tokens) are redacted from every
text field before it is written (`bot.redaction`).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from bot.log_key import GENESIS_MAC, LogKeyError, load_key, write_head
from bot.records import Answer
from bot.redaction import REDACTED, redact
from bot.settings import SECRET_FIELDS, Settings, get_settings

GENESIS = "0" * 64

# Numbered schema migrations: index i brings the schema to version i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        kind TEXT NOT NULL,
        front_end TEXT NOT NULL,
        user_id TEXT,
        question TEXT,
        as_of TEXT,
        facts TEXT,
        status TEXT,
        verdict TEXT,
        rulebook_version TEXT,
        settings_hash TEXT,
        index_name TEXT,
        passage_keys TEXT,
        citation_keys TEXT,
        model TEXT,
        prompt TEXT,
        timings TEXT,
        ref_id INTEGER,
        value TEXT,
        prev_hash TEXT NOT NULL,
        row_hash TEXT NOT NULL
    );
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decision log is append-only'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decision log is append-only'); END;
    """,
    "CREATE INDEX decisions_ts ON decisions(ts);",
    # 3: keyed chain. Rows written before it keep mac NULL ("unkeyed"): they must precede
    # every keyed row, and the first keyed row's hash covers the last of them.
    "ALTER TABLE decisions ADD COLUMN mac TEXT;",
)

# Columns covered by the row hash, in order (everything but id-independent extras).
HASHED = ("id", "ts", "kind", "front_end", "user_id", "question", "as_of", "facts", "status",
          "verdict", "rulebook_version", "settings_hash", "index_name", "passage_keys",
          "citation_keys", "model", "prompt", "timings", "ref_id", "value", "prev_hash")


class DecisionLogError(RuntimeError):
    """The log cannot be opened or written (bad path, corrupt file, unknown log id)."""


@dataclass(frozen=True)
class ChainReport:
    """Result of `verify()`: ok, rows checked, and the first broken row if any."""

    ok: bool
    rows: int
    broken_at: int | None = None
    reason: str | None = None
    keyed_rows: int = 0  # rows whose MAC was checked with the key
    notes: tuple[str, ...] = ()  # what was not or could not be checked


# --------------------------------------------------------------------------- connection


_CONNECTIONS: dict[tuple[str, int], sqlite3.Connection] = {}
_LOCK = threading.RLock()


def _open(path: Path) -> sqlite3.Connection:
    """A new autocommit connection in WAL mode with the schema migrated."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise DecisionLogError(f"cannot open decision log {path}: {exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        # WAL + synchronous=NORMAL: commits stay atomic and ordered without an fsync each
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DecisionLogError(f"cannot open decision log {path}: {exc}") from exc
    return conn


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """This process's connection to `path` (opened once), held under a lock."""
    key = (str(path.resolve()), os.getpid())
    with _LOCK:
        conn = _CONNECTIONS.get(key)
        if conn is None or not path.exists():
            if conn is not None:
                conn.close()
            conn = _CONNECTIONS[key] = _open(path)
        try:
            yield conn
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise DecisionLogError(f"decision log {path}: {exc}") from exc


def close_all() -> None:
    """Close this process's cached connections (tests, shutdown)."""
    with _LOCK:
        for conn in _CONNECTIONS.values():
            conn.close()
        _CONNECTIONS.clear()


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply pending numbered migrations; PRAGMA user_version holds the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                conn.execute("ROLLBACK")  # another process migrated meanwhile
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a migration script on ';' outside trigger bodies (sqlite3.complete_statement)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def schema_version(path: Path) -> int:
    with _connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


# --------------------------------------------------------------------------- hashing and secrets


def row_hash(row: dict[str, Any]) -> str:
    """sha256 over the hashed columns of one row (canonical JSON)."""
    blob = json.dumps([row.get(c) for c in HASHED], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def secret_values(settings: Settings | None = None) -> list[str]:
    """Every configured secret value (settings and the raw environment)."""
    values: set[str] = set()
    if settings is not None:
        for name in SECRET_FIELDS:
            secret = getattr(settings, name, None)
            if secret is not None:
                values.add(secret.get_secret_value())
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "REGBOT_LLM_API_KEY"):
        if os.environ.get(var):
            values.add(os.environ[var])
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


def scrub(text: str | None, secrets: list[str]) -> str | None:
    """Replace every configured secret value and every token-shaped secret with [redacted]."""
    return redact(text, secrets)


# --------------------------------------------------------------------------- writing


def _append(settings: Settings, fields: dict[str, Any]) -> int:
    """Append one chained, keyed row in a write transaction; returns its id. The head
    record is replaced inside the transaction, so its order follows the rows'."""
    path = settings.decision_log_path
    secrets = secret_values(settings)
    clean = {k: scrub(v, secrets) if isinstance(v, str) else v for k, v in fields.items()}
    try:
        key = load_key(settings, create=True)
    except (LogKeyError, OSError) as exc:
        raise DecisionLogError(f"cannot use the decision-log key: {exc}") from exc
    with _connect(path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(
                "SELECT id, row_hash, mac FROM decisions ORDER BY id DESC LIMIT 1").fetchone()
            row = dict(clean)
            row["id"] = (last["id"] + 1) if last else 1
            row["ts"] = datetime.now(timezone.utc).isoformat(timespec="microseconds")
            row["prev_hash"] = last["row_hash"] if last else GENESIS
            row["row_hash"] = row_hash(row)
            row["mac"] = key.mac((last["mac"] if last else None) or GENESIS_MAC, row["row_hash"])
            cols = [*HASHED, "row_hash", "mac"]
            conn.execute(
                f"INSERT INTO decisions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [row.get(c) for c in cols])
            write_head(path, key, row["id"], row["id"], row["mac"])  # ids are 1..n, no gaps
            conn.execute("COMMIT")
        except OSError as exc:
            conn.execute("ROLLBACK")
            raise DecisionLogError(f"cannot write the decision log head record: {exc}") from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return row["id"]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def log_answer(answer: Answer, *, front_end: str, user_id: str | None, settings: Settings | None,
               rulebook_version: str | None, index_name: str | None,
               prompt: str | None = None) -> int:
    """Record one answer; returns the new row id (the answer's log_id)."""
    settings = settings or get_settings()
    fields = {
        "kind": "answer",
        "front_end": front_end,
        "user_id": user_id,
        "question": answer.question,
        "as_of": answer.as_of.isoformat(),
        "facts": _dump(answer.facts.to_dict()),
        "status": answer.verdict.status,
        "verdict": _dump(answer.verdict.to_dict()),
        "rulebook_version": rulebook_version,
        "settings_hash": settings.settings_hash(),
        "index_name": index_name,
        "passage_keys": _dump([p.chunk.key for p in answer.passages]),
        "citation_keys": _dump([c.key for c in answer.citations]),
        "model": answer.model,
        "prompt": prompt,
        "timings": _dump(answer.timings_ms),
        "ref_id": None,
        "value": None,
    }
    return _append(settings, fields)


def record_feedback(log_id: int, *, user_id: str | None, value: str, front_end: str,
                    settings: Settings | None = None) -> int:
    """Record 'up' or 'down' on an earlier answer, as its own chained row."""
    if value not in ("up", "down"):
        raise ValueError(f"feedback must be 'up' or 'down', not {value!r}")
    settings = settings or get_settings()
    path = settings.decision_log_path
    with _connect(path) as conn:
        target = conn.execute("SELECT kind FROM decisions WHERE id = ?", (log_id,)).fetchone()
    if target is None or target["kind"] != "answer":
        raise DecisionLogError(f"no answer with log id {log_id}")
    fields = {"kind": "feedback", "front_end": front_end, "user_id": user_id,
              "ref_id": log_id, "value": value}
    return _append(settings, fields)


def record_review(alarm: dict[str, Any], *, note: str, user_id: str | None,
                  settings: Settings | None = None, front_end: str = "cli") -> int:
    """Record a person's decision on a staleness alarm (`regbot rules review --ack`): the
    alarm (rule value, document) in `verdict`, its id in `value`, the note in `question`."""
    settings = settings or get_settings()
    fields = {"kind": "review", "front_end": front_end, "user_id": user_id, "question": note,
              "status": "acknowledged", "verdict": _dump(alarm), "value": alarm.get("id"),
              "ref_id": None}
    return _append(settings, fields)


# --------------------------------------------------------------------------- reading


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for key in ("facts", "verdict", "passage_keys", "citation_keys", "timings"):
        if out.get(key) is not None:
            out[key] = json.loads(out[key])
    return out


def read_rows(since: date | datetime | str | None = None, *,
              settings: Settings | None = None) -> list[dict[str, Any]]:
    """All rows (oldest first), optionally only those at or after `since` (UTC)."""
    path = (settings or get_settings()).decision_log_path
    if not path.exists():
        return []
    query, params = "SELECT * FROM decisions", ()
    if since is not None:
        query += " WHERE ts >= ?"
        params = (since.isoformat() if not isinstance(since, str) else since,)
    with _connect(path) as conn:
        return [_decode(r) for r in conn.execute(query + " ORDER BY id", params)]


def _raw_rows(path: Path) -> list[dict[str, Any]]:
    with _connect(path) as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY id")]


def verify(settings: Settings | None = None, checkpoint: dict[str, Any] | None = None) -> ChainReport:
    """Walk the chain: ids, hashes, MACs with the key, the head record, an optional
    checkpoint (`bot.log_verify`). Raises LogKeyError when keyed rows exist but no key does."""
    from bot.log_verify import verify_log

    return verify_log(settings or get_settings(), checkpoint)


def raw_rows(path: Path) -> list[dict[str, Any]]:
    """Every row as stored (JSON fields undecoded), oldest first."""
    return _raw_rows(path)


def highest_id_ever(path: Path) -> int:
    """AUTOINCREMENT's memory of the largest id ever used (deleted tail rows included)."""
    with _connect(path) as conn:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'decisions'").fetchone()
    return row["seq"] if row else 0
