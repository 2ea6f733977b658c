"""Exactly-once handling of Slack events: Slack re-sends an event (same `event_id`) when
it did not see a fast 200; the first claim wins. SQLite in the data folder, so the claim
holds across threads and across gunicorn worker processes."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

KEEP_SECONDS = 24 * 3600  # Slack retries within minutes; a day is plenty
PRUNE_EVERY = 500


class EventDedupe:
    """`claim(event_id)` is True exactly once per event id."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._claims = 0
        with self._conn() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS seen_events "
                         "(event_id TEXT PRIMARY KEY, seen_at REAL NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            # No fsync per claim: acks must be fast, and losing the last claims in a power
            # cut only risks one duplicate answer to a retry that arrives across the crash.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
        return conn

    def claim(self, event_id: str) -> bool:
        """True if this is the first time `event_id` is seen (and records it)."""
        now = time.time()
        conn = self._conn()
        cur = conn.execute("INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)",
                           (event_id, now))
        self._claims += 1
        if self._claims % PRUNE_EVERY == 0:
            conn.execute("DELETE FROM seen_events WHERE seen_at < ?", (now - KEEP_SECONDS,))
        return cur.rowcount == 1
