"""The durable queue between Slack's ack and the answer (bot.slack.queue, bot.slack.ledger), over a
real SQLite file and a real redis-server: one API, the same behaviour. Crashes are real: a
worker process is killed with SIGKILL while it holds a job."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.slack import queue as queue_module
from bot.slack.ledger import Job, is_alive
from bot.slack.queue import QueueError, SlackQueue, check_queue
from slack_harness import start_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def settings(request, tmp_path, redis_url):
    """Settings for a fresh queue: a SQLite file in a temp home, or a Redis db flushed first."""
    if request.param == "sqlite":
        return Settings(home=tmp_path / "home")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return Settings(home=tmp_path / "home", slack_queue="redis", redis_url=redis_url)


class Recorder:
    """A queue handler that records the jobs it is given."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.lock = threading.Lock()

    def __call__(self, job: Job) -> None:
        with self.lock:
            self.jobs.append(job)

    def keys(self) -> list[str]:
        with self.lock:
            return sorted(job.key for job in self.jobs)

    def wait_for(self, n: int, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.keys()) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # room for a duplicate to show up
        return self.keys()


def test_a_job_is_stored_before_submit_returns(settings):
    first = SlackQueue(settings)
    assert first.submit("message", {"text": "Can we sell avionics to Cambodia?"}, "UBOT", key="Ev1") == "queued"
    restarted = SlackQueue(settings)  # another process: nothing in memory carries over
    assert restarted.pending_count() == 1
    job = restarted.ledger.get("Ev1")
    assert (job.kind, job.payload["text"], job.bot_user_id, job.gen, job.done) == (
        "message", "Can we sell avionics to Cambodia?", "UBOT", 1, False)
    recorder = Recorder()
    restarted.start(recorder, threads=2)
    try:
        assert recorder.wait_for(1) == ["Ev1"]
    finally:
        restarted.stop()
    assert restarted.ledger.get("Ev1").done


def test_redeliveries_are_answered_once_and_say_where_the_first_is(settings):
    queue = SlackQueue(settings)
    with ThreadPoolExecutor(8) as pool:  # Slack's retries can overlap the first delivery
        states = list(pool.map(lambda _: queue.submit("message", {}, None, key="EvDup"), range(8)))
    assert states.count("queued") == 1
    assert set(states) - {"queued"} == {"queued, will be answered"}
    recorder = Recorder()
    queue.start(recorder, threads=3)
    try:
        assert recorder.wait_for(1) == ["EvDup"]
        assert queue.submit("message", {}, None, key="EvDup") == "already answered"
        assert recorder.wait_for(2, timeout=1.0) == ["EvDup"]
    finally:
        queue.stop()


def test_commands_and_clicks_get_their_own_keys(settings):
    queue = SlackQueue(settings)
    for _ in range(3):  # Slack sends no id that is unique per click; each is its own job
        assert queue.submit("feedback", {"actions": []}, None) == "queued"
    assert queue.pending_count() == 3


def test_a_job_lost_between_dequeue_and_take_is_queued_again(settings, monkeypatch):
    queue = SlackQueue(settings)
    queue.submit("message", {}, None, key="EvLost")
    assert queue.huey.dequeue() is not None  # a worker took the task off the queue and died at once
    assert queue.pending_count() == 0 and queue.sweep() == []  # not yet: it may still be taken
    monkeypatch.setattr(queue_module, "STUCK_S", 0.0)
    assert [line.split(" (")[0] for line in queue.sweep()] == ["re-queued message EvLost"]
    job = queue.ledger.get("EvLost")
    assert job.gen == 2 and not job.started  # never taken, so nothing was posted for it
    recorder = Recorder()
    queue.start(recorder, threads=1)
    try:
        assert recorder.wait_for(1) == ["EvLost"]
    finally:
        queue.stop()


def test_a_redelivery_brings_back_a_lost_job_at_once(settings, monkeypatch):
    monkeypatch.setattr(queue_module, "GRACE_S", 0.0)  # as if it came seconds after the first
    queue = SlackQueue(settings)
    queue.submit("message", {}, None, key="EvGone")
    queue.huey.dequeue()
    state = queue.submit("message", {}, None, key="EvGone")  # Slack (or an admin) delivers it again
    assert state.startswith("re-queued message EvGone")
    assert queue.pending_count() == 1


def test_liveness_by_process_here_and_by_heartbeat_elsewhere():
    now = time.time()
    here = socket.gethostname()
    me = f"{here}/{__import__('os').getpid()}/abc"
    assert is_alive(me, {me: now}, now)
    assert not is_alive(f"{here}/999999999/abc", {f"{here}/999999999/abc": now}, now)  # no such process
    other = "another-machine/123/abc"
    assert is_alive(other, {other: now - 5}, now)
    assert not is_alive(other, {other: now - 60}, now) and not is_alive(other, {}, now)
    assert is_alive("sweeper:" + other, {other: now}, now)


def test_a_job_held_by_a_silent_machine_is_taken_over(settings):
    queue = SlackQueue(settings)
    queue.submit("message", {}, None, key="EvFar")
    queue.huey.dequeue()
    far = "another-machine/4242/abcdef"
    assert queue.ledger.take("EvFar", 1, far)
    queue.ledger.huey.put("slack:alive:" + far, time.time())  # still beating: leave it alone
    assert queue.sweep() == []
    queue.ledger.huey.put("slack:alive:" + far, time.time() - 60)  # silent past the lease
    assert [line.split(" (")[0] for line in queue.sweep()] == ["re-queued message EvFar"]
    job = queue.ledger.get("EvFar")
    assert job.gen == 2 and job.started  # its worker may have posted: the runner checks Slack first
    assert queue.sweep() == []  # one re-queue per generation, however many sweepers look


WORKER = textwrap.dedent("""
    import sys, time
    from bot.settings import Settings
    from bot.slack.queue import SlackQueue
    settings = Settings(home=sys.argv[1], slack_queue=sys.argv[2], redis_url=sys.argv[3] or None)
    def hold(job):
        print("holding", job.key, flush=True)
        time.sleep(600)
    SlackQueue(settings).start(hold, threads=1)
    time.sleep(600)
""")


def test_a_job_whose_worker_is_killed_is_answered_by_the_next(settings):
    queue = SlackQueue(settings)
    for i in range(5):
        queue.submit("message", {"n": i}, None, key=f"EvK{i}")
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else ""
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(settings.home), settings.slack_queue, redis_url],
                              stdout=subprocess.PIPE, text=True)
    try:
        held = worker.stdout.readline().split()[1]  # it has taken a job and is answering it
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    recorder = Recorder()
    queue.start(recorder, threads=2)  # e.g. gunicorn's new worker: its first sweep finds the dead one
    try:
        assert recorder.wait_for(5) == [f"EvK{i}" for i in range(5)]
    finally:
        queue.stop()
    started = {job.key for job in recorder.jobs if job.started}
    assert started == {held}  # only the held one is checked against Slack before answering


def test_prune_forgets_old_answered_jobs_only(settings, monkeypatch):
    queue = SlackQueue(settings)
    for key in ("EvOld", "EvNew"):
        queue.submit("message", {}, None, key=key)
    recorder = Recorder()
    queue.start(recorder, threads=1)
    try:
        recorder.wait_for(2)
    finally:
        queue.stop()
    monkeypatch.setattr(queue_module, "KEEP_S", 0.0)
    queue.submit("message", {}, None, key="EvOpen")  # not answered: never pruned
    assert queue.prune() >= 4  # two jobs and their takes
    assert queue.ledger.get("EvOld") is None and queue.ledger.get("EvOpen") is not None


def test_redis_queue_needs_a_url_and_a_server(tmp_path):
    with pytest.raises(QueueError, match="REGBOT_REDIS_URL"):
        check_queue(Settings(home=tmp_path, slack_queue="redis"))
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    url = f"redis://:secret@127.0.0.1:{port.getsockname()[1]}/0"  # nothing listens there
    with pytest.raises(QueueError) as error:
        check_queue(Settings(home=tmp_path, slack_queue="redis", redis_url=url))
    assert "cannot open the Slack queue at redis://127.0.0.1" in str(error.value)
    assert "secret" not in str(error.value)
    port.close()


def test_a_job_whose_run_failed_half_way_in_a_live_worker_is_queued_again(settings):
    queue = SlackQueue(settings)
    queue.submit("message", {}, None, key="EvHalf")
    queue.huey.dequeue()
    assert queue.ledger.take("EvHalf", 1, queue.worker)  # taken here, then e.g. Redis blinked
    queue.ledger.beat(queue.worker)
    assert [line.split(" (")[0] for line in queue.sweep()] == ["re-queued message EvHalf"]
    assert queue.ledger.get("EvHalf").started
