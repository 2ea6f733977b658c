"""The ledger of Slack jobs in huey's key-value store (bot.slack.queue explains why it exists).

    slack:job:<key>          the job; a re-queued job gets the next generation
    slack:take:<key>:<gen>   the one worker answering that generation (first put_if_empty wins)
    slack:fence:<key>:<gen>  the one sweeper re-queuing a generation whose worker died
    slack:alive:<worker>     each worker's heartbeat

The same calls work on SQLite and on Redis: huey's put / get / put_if_empty / delete.
"""
from __future__ import annotations

import dataclasses
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import Huey

JOB, TAKE, FENCE, ALIVE = "slack:job:", "slack:take:", "slack:fence:", "slack:alive:"
SWEEPER = "sweeper:"
LEASE_S = 15.0  # a worker silent this long is gone; room for a busy GIL and clock skew between machines


@dataclass(frozen=True)
class Job:
    """One piece of Slack work as the ledger keeps it."""

    key: str  # the event_id for events; a fresh id for commands and clicks
    kind: str  # message | command | fact | feedback | share
    payload: dict[str, Any]
    bot_user_id: str | None
    accepted_at: float  # when Slack got its 200 (time.time())
    gen: int = 1
    queued_at: float = 0.0  # when this generation was queued
    started: bool = False  # an earlier generation was taken: its worker may have posted already
    done: bool = False

    @property
    def age(self) -> float:
        return time.time() - self.accepted_at


@dataclass
class Snapshot:
    """The ledger read once: open jobs, the taker of each (key, gen), heartbeats, answered jobs."""

    jobs: list[Job] = field(default_factory=list)
    takers: dict[tuple[str, int], str] = field(default_factory=dict)
    beats: dict[str, float] = field(default_factory=dict)
    done: list[Job] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def worker_id() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


def _pid_running(pid: int) -> bool:
    """True while process `pid` runs here (a killed worker not yet reaped is a zombie: not running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


def is_alive(worker: str, beats: dict[str, float], now: float) -> bool:
    """A worker is alive while its heartbeat is fresh and, on this host, while its process exists
    (so a worker killed here is known dead at once, not only when its lease runs out)."""
    worker = worker.removeprefix(SWEEPER)
    host, _, rest = worker.partition("/")
    pid = rest.partition("/")[0]
    if host == socket.gethostname() and pid.isdigit() and not _pid_running(int(pid)):
        return False
    beat = beats.get(worker)
    return beat is not None and now - beat < LEASE_S


class Ledger:
    """Jobs, takes and heartbeats in huey's key-value store (the same calls for SQLite and Redis)."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey

    def add(self, job: Job) -> bool:
        """Record a new job; False when its key is known already (a redelivery)."""
        return self.huey.put_if_empty(JOB + job.key, dataclasses.asdict(job))

    def save(self, job: Job) -> None:
        self.huey.put(JOB + job.key, dataclasses.asdict(job))

    def get(self, key: str) -> Job | None:
        data = self.huey.get(JOB + key, peek=True)
        return Job(**data) if data else None

    def take(self, key: str, gen: int, worker: str) -> bool:
        return self.huey.put_if_empty(f"{TAKE}{key}:{gen}", worker)

    def taker(self, key: str, gen: int) -> str | None:
        return self.huey.get(f"{TAKE}{key}:{gen}", peek=True)

    def fence(self, key: str, gen: int, worker: str) -> bool:
        return self.huey.put_if_empty(f"{FENCE}{key}:{gen}", worker)

    def beat(self, worker: str) -> None:
        self.huey.put(ALIVE + worker, time.time())

    def beat_of(self, worker: str) -> dict[str, float]:
        """{worker: its last heartbeat} (empty when it never beat or has left)."""
        worker = worker.removeprefix(SWEEPER)
        beat = self.huey.get(ALIVE + worker, peek=True)
        return {} if beat is None else {worker: beat}

    def leave(self, worker: str) -> None:
        self.huey.delete(ALIVE + worker)

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.huey.delete(key)

    def snapshot(self) -> Snapshot:
        snap = Snapshot()
        for key, raw in self.huey.storage.result_items().items():
            key = key.decode() if isinstance(key, bytes) else key
            if not key.startswith("slack:"):
                continue
            snap.keys.append(key)
            value = self.huey.serializer.deserialize(raw)
            if key.startswith(JOB):
                job = Job(**value)
                (snap.done if job.done else snap.jobs).append(job)
            elif key.startswith(TAKE):
                name, _, gen = key[len(TAKE):].rpartition(":")
                snap.takers[(name, int(gen))] = value
            elif key.startswith(ALIVE):
                snap.beats[key[len(ALIVE):]] = value
        return snap
