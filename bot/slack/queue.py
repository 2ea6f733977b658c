"""A durable queue between Slack's ack and the answer, so acknowledged questions survive a
crash (issue 14, point 6).

Every piece of Slack work (a mention, a DM, `/regbot`, a button click) is written to the queue
before Slack gets its 200, and worker threads answer from the queue. The queue is huey's:
`SqliteHuey` in $REGBOT_HOME (the default, one machine) or `RedisHuey` (REGBOT_SLACK_QUEUE=redis,
several machines), one API for both: a FIFO of tasks plus a key-value store whose `put_if_empty`
is atomic. huey drops a task from the queue when a worker takes it, so a worker killed mid-answer
would lose it; the job therefore also lives in a ledger in that key-value store (bot.slack.ledger).

Every worker sweeps the ledger every few seconds: a job whose worker is gone, or that left the
queue and was never taken, is queued again as its next generation; a forced redelivery of a job
not yet answered does the same at once. Only the taker of a job's current generation answers
it, so a redelivery, two sweepers or two machines never answer one question twice.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from typing import Callable

from huey import Huey, RedisHuey, SqliteHuey
from huey.storage import SqliteStorage

from bot.settings import Settings
from bot.slack.ledger import SWEEPER, Job, Ledger, Snapshot, is_alive, worker_id

log = logging.getLogger("regbot.slack")
QUEUE_FILE = "slack_queue.sqlite"
QUEUE_NAME = "regbot_slack"
HEARTBEAT_S = 2.0  # a worker's heartbeat, and how often it sweeps
STUCK_S = 10.0  # a job out of the queue this long that no worker took was lost in between
GRACE_S = 2.0  # a redelivery this soon after the first may overlap its enqueue: not a lost job
KEEP_S = 24 * 3600.0  # answered jobs are remembered a day: Slack's retries and redeliveries come sooner
PRUNE_EVERY = 30  # sweeps
POLL_S = 0.2  # an idle worker thread looks at a SQLite queue this often (enqueues here wake it at once)


class QueueError(RuntimeError):
    """The queue is misconfigured or cannot be reached; the message says what to fix."""


def make_huey(settings: Settings) -> Huey:
    """huey over SQLite in $REGBOT_HOME, or over Redis (REGBOT_SLACK_QUEUE=redis)."""
    if settings.slack_queue == "redis":
        if settings.redis_url is None or not settings.redis_url.get_secret_value():
            raise QueueError("REGBOT_SLACK_QUEUE=redis needs REGBOT_REDIS_URL (redis://host:port/db)")
        from redis import ConnectionPool

        # Timeouts, so an unreachable Redis is an error and not a hang (reads > the 1 s BRPOP).
        pool = ConnectionPool.from_url(settings.redis_url.get_secret_value(), socket_connect_timeout=5,
                                       socket_timeout=10, health_check_interval=30)
        return RedisHuey(QUEUE_NAME, results=False, connection_pool=pool, blocking=True, read_timeout=1)
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, results=False, filename=str(settings.home / QUEUE_FILE), timeout=10,
                      storage_class=WalNormalStorage)


class WalNormalStorage(SqliteStorage):
    """huey's SQLite storage in WAL mode with synchronous=NORMAL: a commit is in the WAL file (in
    the OS's hands) when it returns, so an acked job survives any crash of regbot's processes
    (kill -9, OOM); only a power cut of the host can lose the last moments' jobs, as with Redis's
    appendfsync everysec. huey's default (FULL, an fsync per commit) made acks 6x slower at 200
    concurrent mentions (ack p95 2.7 s against 0.42 s; docs/slack.md)."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


def describe(settings: Settings) -> str:
    """Where the queue lives, without a password."""
    if settings.slack_queue != "redis":
        return str(settings.home / QUEUE_FILE)
    from urllib.parse import urlsplit

    url = urlsplit(settings.redis_url.get_secret_value() if settings.redis_url else "")
    return f"redis://{url.hostname}:{url.port or 6379}{url.path}"


def check_queue(settings: Settings) -> None:
    """Open the queue once (QueueError when it cannot be reached), e.g. before a slow start."""
    try:
        huey = make_huey(settings)
        huey.pending_count()
        huey.storage.close()
    except QueueError:
        raise
    except Exception as exc:  # noqa: BLE001 - redis and sqlite3 raise their own families
        raise QueueError(f"cannot open the Slack queue at {describe(settings)}: {exc}") from exc




class SlackQueue:
    """Takes Slack work durably (`submit`, before the ack) and runs it on worker threads (`start`)."""

    def __init__(self, settings: Settings, huey: Huey | None = None) -> None:
        self.settings = settings
        self.huey = huey or make_huey(settings)
        self.ledger = Ledger(self.huey)
        self.worker = worker_id()
        self.handler: Callable[[Job], None] | None = None
        self._task = self.huey.task(name="regbot.slack.run")(self._run)
        self._wake, self._stop = threading.Semaphore(0), threading.Event()  # one wake-up per enqueue
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._active: set[tuple[str, int]] = set()  # (key, gen) this process is answering now
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- the ack side
    def submit(self, kind: str, payload: dict, bot_user_id: str | None, key: str | None = None) -> str:
        """Write a job to the queue (raises when it cannot: no ack then, so Slack retries).
        'queued', or for a redelivery of a known key what became of the first delivery."""
        now = time.time()
        job = Job(key or f"{kind}-{uuid.uuid4().hex}", kind, payload, bot_user_id, now, queued_at=now)
        if self.ledger.add(job):
            self._enqueue(job)
            return "queued"
        return self.redelivered(job.key)

    def redelivered(self, key: str) -> str:
        """A known job delivered again: re-queue it at once if it was lost, else say where it is."""
        job = self.ledger.get(key)
        if job is None or job.done:
            return "already answered"
        taker = self.ledger.taker(key, job.gen)
        snap = Snapshot(takers={(key, job.gen): taker} if taker else {},
                        beats=self.ledger.beat_of(taker) if taker else {})
        return self._recover(job, snap, time.time(), stuck_after=GRACE_S, pending={})

    def _enqueue(self, job: Job) -> None:
        self._task(job.key, job.gen)
        self._wake.release()

    # ----------------------------------------------------------------- recovery
    def sweep(self) -> list[str]:
        """Re-queue every job whose worker is gone or that was lost on its way out of the queue."""
        snap, now, pending = self.ledger.snapshot(), time.time(), {}
        found = [self._recover(job, snap, now, STUCK_S, pending) for job in snap.jobs]
        requeued = [s for s in found if s.startswith("re-queued")]
        for line in requeued:
            log.warning("Slack queue: %s", line)
        return requeued

    def _recover(self, job: Job, snap: Snapshot, now: float, stuck_after: float, pending: dict) -> str:
        taker = snap.takers.get((job.key, job.gen))
        if taker is not None:
            if is_alive(taker, snap.beats, now) and not self._dropped(taker, job):
                return f"being answered ({taker})"
            if not self.ledger.fence(job.key, job.gen, self.worker):
                return "being re-queued by another worker"
            return self._requeue(job, True, f"its worker {taker.removeprefix(SWEEPER)} is gone")
        if now - job.queued_at < stuck_after or (job.key, job.gen) in self._pending(pending):
            return "queued, will be answered"
        if not self.ledger.take(job.key, job.gen, SWEEPER + self.worker):
            return "being answered"  # a worker took it meanwhile
        return self._requeue(job, job.started, "it left the queue and no worker took it")

    def _dropped(self, taker: str, job: Job) -> bool:
        """A job this very process took and is no longer answering (its run failed half-way)."""
        with self._lock:
            return taker == self.worker and (job.key, job.gen) not in self._active

    def _pending(self, cache: dict) -> set:
        """(key, gen) of the tasks waiting in the queue, read once per sweep and only if needed."""
        if "tasks" not in cache:
            cache["tasks"] = {tuple(task.args) for task in self.huey.pending()}
        return cache["tasks"]

    def _requeue(self, job: Job, started: bool, why: str) -> str:
        again = dataclasses.replace(job, gen=job.gen + 1, queued_at=time.time(), started=started)
        self.ledger.save(again)
        self._enqueue(again)
        return f"re-queued {job.kind} {job.key} ({why}; asked {job.age:.0f} s ago)"

    def prune(self, snap: Snapshot | None = None) -> int:
        """Forget answered jobs (and their takes) after KEEP_S, and long-silent workers."""
        snap, now = snap or self.ledger.snapshot(), time.time()
        old = {job.key for job in snap.done if now - job.accepted_at > KEEP_S}
        stale = {w for w, beat in snap.beats.items() if now - beat > KEEP_S}
        doomed = [k for k in snap.keys if _owner_of(k) in old or k.removeprefix("slack:alive:") in stale]
        self.ledger.delete(doomed)
        return len(doomed)

    # ----------------------------------------------------------------- the worker side
    def _run(self, key: str, gen: int) -> None:
        """One task: answer the job if this worker is the one that takes this generation."""
        with self._lock:  # marked before the take, so a sweep never sees our take as dropped
            self._active.add((key, gen))
        try:
            if not self.ledger.take(key, gen, self.worker):
                return  # taken by another worker, or fenced off by a sweeper
            job = self.ledger.get(key)
            if job is None or job.done or job.gen != gen:
                return
            try:
                self.handler(job)
            except Exception:  # noqa: BLE001 - the handler apologises itself; this is a bug, logged
                log.exception("Slack job %s (%s) failed", key, job.kind)
            self.ledger.save(dataclasses.replace(job, payload={}, done=True))
        finally:  # if this run failed half-way, the next sweep re-queues the job (see _dropped)
            with self._lock:
                self._active.discard((key, gen))

    def start(self, handler: Callable[[Job], None], threads: int) -> None:
        """Run jobs with `handler` on `threads` threads, after one sweep for what a dead worker left."""
        self.handler = handler
        self.ledger.beat(self.worker)
        self.sweep()
        for i in range(threads):
            self._spawn(self._consume, f"regbot-queue-{i}")
        self._spawn(self._upkeep, "regbot-queue-upkeep")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _consume(self) -> None:
        while not self._stop.is_set():
            try:
                task = self.huey.dequeue()
            except Exception as exc:  # noqa: BLE001 - e.g. Redis restarting: try again shortly
                log.warning("Slack queue unreachable: %s", exc)
                self._stop.wait(1.0)
                continue
            if task is None:
                if not self.huey.storage.blocking:
                    self._wake.acquire(timeout=POLL_S)
                continue
            with self._lock:
                self._busy += 1
            try:
                task.execute()  # not huey.execute: no revocation, results or signals to keep
            except Exception:  # noqa: BLE001 - e.g. Redis gone mid-job: the sweep re-queues it
                log.exception("Slack queue: a job failed")
            finally:
                with self._lock:
                    self._busy -= 1

    def _upkeep(self) -> None:
        sweeps = 0
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self.ledger.beat(self.worker)
                self.sweep()
                sweeps += 1
                if sweeps % PRUNE_EVERY == 0:
                    self.prune()
            except Exception as exc:  # noqa: BLE001 - keep beating; the next round may work
                log.warning("Slack queue upkeep failed: %s", exc)

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def drain(self, timeout: float) -> bool:
        """Answer what is queued (for up to `timeout` s), then stop; True when nothing was left."""
        deadline = time.monotonic() + timeout
        idle = False
        while time.monotonic() < deadline and not (idle := self._idle()):
            time.sleep(0.1)
        self.stop()
        return idle

    def _idle(self) -> bool:
        with self._lock:
            busy = self._busy
        try:
            return busy == 0 and self.huey.pending_count() == 0
        except Exception:  # noqa: BLE001 - queue unreachable: nothing left that we could answer
            return busy == 0

    def stop(self) -> None:
        """Stop the worker threads; a job still running stays taken and is re-queued once we are gone."""
        self._stop.set()
        self._wake.release(len(self._threads) or 1)
        for thread in self._threads:
            thread.join(timeout=5)
        with self._lock:
            busy = self._busy
        try:
            if busy == 0:
                self.ledger.leave(self.worker)
            self.huey.storage.close()
        except Exception as exc:  # noqa: BLE001 - e.g. Redis down: others see our heartbeat age out
            log.warning("Slack queue: could not sign off: %s", exc)


def _owner_of(key: str) -> str | None:
    """The job key a ledger key belongs to (slack:job:K, slack:take:K:G, slack:fence:K:G)."""
    for prefix in ("slack:job:", "slack:take:", "slack:fence:"):
        if key.startswith(prefix):
            rest = key[len(prefix):]
            return rest if prefix == "slack:job:" else rest.rpartition(":")[0]
    return None
