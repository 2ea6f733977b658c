"""One writer per home: an exclusive file lock taken by every command that writes the index.

Two processes writing one embedded Chroma folder each keep their own HNSW graph in memory
and persist it over the other's, so vectors one of them added become unreadable ("Error
finding id") although their records exist (issue 14). `ingest`, `index repair` and `index
compact` therefore hold `$REGBOT_HOME/ingest.lock` (`filelock`: flock on POSIX, released by
the kernel when the holder dies, so a kill -9 never leaves a stale lock). Who holds it —
pid, host, since when, which command — is written beside it in `ingest.lock.json`, so a
waiting process can say whom it is waiting for.
"""
from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import RegbotIndexError

LOCK_FILE = "ingest.lock"
HOLDER_FILE = "ingest.lock.json"


class IndexBusyError(RegbotIndexError):
    """Another process holds the home's write lock (and we were told not to wait)."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds the write lock, as recorded by the holder."""

    pid: int | None
    host: str
    since: str
    command: str

    def describe(self) -> str:
        return (f"pid {self.pid if self.pid is not None else '?'} on {self.host or '?'} "
                f"since {self.since or '?'} ({self.command or 'regbot'})")


def read_holder(home: Path) -> LockHolder | None:
    """The recorded holder, or None when the record is absent or unreadable."""
    try:
        data = json.loads((home / HOLDER_FILE).read_text(encoding="utf-8"))
        return LockHolder(data.get("pid"), str(data.get("host", "")), str(data.get("since", "")),
                          str(data.get("command", "")))
    except (OSError, ValueError, AttributeError):
        return None


def _write_holder(home: Path, command: str) -> None:
    record = {"pid": os.getpid(), "host": socket.gethostname(),
              "since": datetime.now(timezone.utc).isoformat(timespec="seconds"), "command": command}
    tmp = home / f".{HOLDER_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, home / HOLDER_FILE)


def _default_command() -> str:
    return " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:4]))[:200]


@contextmanager
def write_lock(home: Path, *, wait: bool = True, timeout: float | None = None,
               on_wait: Callable[[LockHolder | None], None] | None = None,
               command: str | None = None) -> Iterator[None]:
    """Hold the home's write lock for the `with` body.

    Free: taken at once. Held by another process: with `wait`, call `on_wait(holder)` once
    and block (up to `timeout` seconds, None = forever); without it, raise IndexBusyError
    naming the holder. Re-entrant within one thread (a nested `write_lock` is a no-op)."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(home / LOCK_FILE), is_singleton=True)
    if lock.is_locked:  # this process already holds it (e.g. ingest -> repair)
        yield
        return
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = read_holder(home)
        if not wait:
            raise IndexBusyError(_busy_message(home, holder)) from None
        if on_wait is not None:
            on_wait(holder)
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise IndexBusyError(_busy_message(home, read_holder(home))) from None
    try:
        _write_holder(home, command or _default_command())
        yield
    finally:
        (home / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()


def _busy_message(home: Path, holder: LockHolder | None) -> str:
    who = holder.describe() if holder else "another process"
    return (f"the index at {home} is being written by {who}; wait for it to finish "
            "(run again without --no-wait to queue behind it)")
