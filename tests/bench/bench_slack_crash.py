"""Benchmark: Slack questions survive a crash (issue 14, point 6).

    python tests/bench/bench_slack_crash.py [--mentions 200] [--rounds 3] [--redis] [--home PATH]

Each round starts a real `regbot slack serve` (SQLite queue) over a copy of the index, or with
--redis two of them (two "machines", each over its own copy) sharing one real redis-server,
plus a local fake of Slack's Web API. N mentions are fired at once by a Slack-like sender (a
delivery that is refused, reset or not acked within 3 s is retried, going to the next server
as a load balancer would), and once a fifth of the replies are out a gunicorn worker is killed
with SIGKILL; gunicorn boots a new one. Then every event is delivered once more (a forced
redelivery). Counted per question: answered, apologised for, missing, answered twice.
Also measured: the first request after start (connections are refused while the model and
index load; then the first ack). Exit 1 when a question is missing or answered twice.
Figures are recorded in the bench results file (section `slack_crash`, or `slack_crash_redis`
with --redis; tests/bench/record.py); without redis-server, --redis records "not run".
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slack"))  # the Slack test harness
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402

from bench_slack import QUESTIONS, ensure_index  # noqa: E402
from record import recorder  # noqa: E402
from bot.stats import percentile  # noqa: E402
from slack_fake_api import FakeSlackAPI  # noqa: E402
from slack_harness import (copy_home, deliver, event_body, free_port, kill_worker, mention,  # noqa: E402
                           post_signed, regbot_executable, server_env, start_redis, start_server,
                           stop_server, wait_healthy)

SORRY = "Sorry"  # both the apology for an error and the one for a question that waited too long


@dataclass(frozen=True)
class Outcome:
    mentions: int
    answered: int
    apologised: int
    missing: int
    duplicates: int
    retried: int  # deliveries the sender had to repeat (refused / reset while the worker restarted)
    seconds: float  # from the burst to the last reply
    pending_at_kill: int = 0  # acked before the kill and not yet answered: what a crash used to lose
    ack_p95_ms: float = 0.0  # first delivery of each mention: acked (or failed) after this long, p95

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.duplicates == 0


def replies(fake: FakeSlackAPI, channel: str) -> list:
    return [c for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel]


def crash_round(servers: list, fake: FakeSlackAPI, mentions: int, channel: str,
                kill_after: float = 0.2, timeout: float = 600.0) -> Outcome:
    """Fire `mentions` at `servers`, kill -9 the first one's worker mid-burst, count the replies."""
    events = [mention(QUESTIONS[i % len(QUESTIONS)], channel=channel) for i in range(mentions)]
    bodies = [event_body(e, event_id=f"Ev{channel}{i}") for i, e in enumerate(events)]
    urls = [s.url for s in servers]
    started = time.monotonic()

    def kill() -> float:
        fake.wait_for(lambda f: len(replies(f, channel)) >= max(1, int(mentions * kill_after)), timeout)
        killed_at = time.time()
        pid = kill_worker(servers[0])
        wait_healthy(servers[0], not_pid=pid)
        return killed_at

    with ThreadPoolExecutor(mentions + 1) as pool:
        killer = pool.submit(kill)
        sent = list(pool.map(lambda i: deliver(urls[i % len(urls):] + urls[:i % len(urls)], bodies[i]),
                             range(mentions)))
        killed_at = killer.result()
    wanted = {e["ts"] for e in events}
    fake.wait_for(lambda f: wanted <= {c.params.get("thread_ts") for c in replies(f, channel)}, timeout)
    seconds = time.monotonic() - started
    answered_at = {c.params.get("thread_ts"): c.at for c in reversed(replies(fake, channel))}
    pending = sum(1 for e, (_, _, acked) in zip(events, sent)
                  if acked < killed_at and answered_at.get(e["ts"], killed_at) >= killed_at)
    with ThreadPoolExecutor(16) as pool:  # forced redelivery of every event: still one reply each
        list(pool.map(lambda b: post_signed(urls[0], b, retry_num=1), bodies))
    time.sleep(3.0)
    outcome = count(replies(fake, channel), wanted, sum(n for n, _, _ in sent) - mentions, seconds)
    ack_p95 = percentile([first for _, first, _ in sent], 95) * 1000
    return dataclasses.replace(outcome, pending_at_kill=pending, ack_p95_ms=round(ack_p95, 1))


def count(posted: list, wanted: set[str], retried: int, seconds: float) -> Outcome:
    per_thread = Counter(c.params.get("thread_ts") for c in posted)
    sorry = {c.params.get("thread_ts") for c in posted if (c.params.get("text") or "").startswith(SORRY)}
    return Outcome(len(wanted), len(wanted & set(per_thread)) - len(wanted & sorry), len(wanted & sorry),
                   len(wanted - set(per_thread)), sum(n - 1 for t, n in per_thread.items() if t in wanted),
                   retried, seconds)


def first_request(home: Path, fake: FakeSlackAPI, log_path: Path, **env: str) -> dict[str, float]:
    """Start `regbot slack serve` and send a mention every 50 ms until one is acked: how long the
    refused ones took, the first ack, its reply."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    with open(log_path, "wb") as out:
        process = subprocess.Popen([regbot_executable(), "slack", "serve", "--host", "127.0.0.1", "--port",
                                    str(port)], env=server_env(home, fake.api_url, **env),
                                   stdout=out, stderr=subprocess.STDOUT)
    launched, refused, slowest_refusal = time.monotonic(), 0, 0.0
    try:
        while time.monotonic() - launched < 300:
            event = mention("Can we sell avionics to Cambodia?", channel="CFIRST")
            sent = time.monotonic()
            try:
                status = post_signed(url, event_body(event)).status_code
            except requests.ConnectionError:
                refused, slowest_refusal = refused + 1, max(slowest_refusal, time.monotonic() - sent)
                time.sleep(0.05)
                continue
            ack = time.monotonic() - sent
            fake.wait_for(lambda f: [c for c in replies(f, "CFIRST") if c.params["thread_ts"] == event["ts"]], 60)
            return {"status": status, "start_s": sent - launched, "refused": refused,
                    "slowest_refusal_ms": slowest_refusal * 1000, "ack_ms": ack * 1000,
                    "reply_ms": (time.monotonic() - sent) * 1000}
        raise AssertionError("the server never accepted a request")
    finally:
        process.terminate()
        process.wait(timeout=60)


def print_outcome(label: str, outcome: Outcome) -> None:
    print(f"{label}: {outcome.answered} answered + {outcome.apologised} apologised of {outcome.mentions}; "
          f"missing {outcome.missing}; answered twice {outcome.duplicates}; acked but unanswered when "
          f"killed {outcome.pending_at_kill}; deliveries the sender retried (refused or not acked in 3 s) "
          f"{outcome.retried}; first-delivery ack p95 {outcome.ack_p95_ms:.0f} ms; all replies in "
          f"{outcome.seconds:.1f} s")


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def record(rec, first: dict, outcomes: list[Outcome]) -> None:
    """First request after start, and the rounds' totals, into the results file."""
    rec.figure("first_ready_after_s", round(first["start_s"], 1), unit="s")
    rec.figure("first_refused", first["refused"], unit="count")
    rec.figure("first_ack_ms", round(first["ack_ms"], 1), unit="ms", target=1000)
    rec.figure("first_reply_ms", round(first["reply_ms"], 1), unit="ms")
    if not outcomes:
        return
    rec.info("rounds", [dataclasses.asdict(o) for o in outcomes])
    total = lambda field: sum(getattr(o, field) for o in outcomes)  # noqa: E731
    rec.figure("rounds", len(outcomes), unit="count")
    rec.figure("mentions_per_round", outcomes[0].mentions, unit="count")
    rec.figure("answered", total("answered"), unit="count")
    rec.figure("apologised", total("apologised"), unit="count")
    rec.figure("missing", total("missing"), unit="count", target=0)
    rec.figure("answered_twice", total("duplicates"), unit="count", target=0)
    rec.figure("pending_at_kill_min", min(o.pending_at_kill for o in outcomes), unit="count")
    rec.figure("pending_at_kill_max", max(o.pending_at_kill for o in outcomes), unit="count")
    rec.figure("ack_p95_ms_max", max(o.ack_p95_ms for o in outcomes), unit="ms", target=3000)
    rec.figure("round_seconds_max", round(max(o.seconds for o in outcomes), 1), unit="s")


def run(home: Path, mentions: int, rounds: int, redis: bool, threads: int, rec=None) -> int:
    ok, outcomes, first = True, [], None
    with FakeSlackAPI() as fake, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        first = first_request(copy_home(home, tmp / "first"), fake, tmp / "first.log")
        print(f"first request after start (load {load()}): {first['refused']} refused while loading "
              f"(slowest refusal {first['slowest_refusal_ms']:.0f} ms), server ready after {first['start_s']:.1f} s; "
              f"first ack {first['ack_ms']:.0f} ms (HTTP {first['status']}), its reply {first['reply_ms']:.0f} ms")
        broker = start_redis(tmp) if redis else None
        env = {"REGBOT_SLACK_QUEUE": "redis", "REGBOT_REDIS_URL": broker.url} if broker else {}
        try:
            for n in range(1, rounds + 1):
                servers = [start_server(copy_home(home, tmp / f"r{n}m{m}"), fake.api_url, tmp / f"r{n}m{m}.log",
                                        threads=threads, **env) for m in range(2 if redis else 1)]
                try:
                    outcome = crash_round(servers, fake, mentions, channel=f"CCRASH{n}")
                finally:
                    for server in servers:
                        stop_server(server)
                print_outcome(f"round {n} ({'2 servers over Redis' if redis else 'SQLite queue'}, "
                              f"kill -9 of a worker, load {load()})", outcome)
                ok = ok and outcome.ok
                outcomes.append(outcome)
        finally:
            if broker:
                broker.stop()
            if rec is not None and first is not None:
                record(rec, first, outcomes)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", action="store_true", help="two servers over one redis-server")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--home", type=Path, default=None,
                        help="index folder (default $REGBOT_HOME, else ../shared/corpus indexed in a temp folder)")
    args = parser.parse_args(argv)
    with recorder("slack_crash_redis" if args.redis else "slack_crash") as rec:
        rec.info("threads", args.threads)
        if args.redis and not shutil.which("redis-server"):
            rec.not_run("redis-server is not installed (apt-get install -y redis-server)")
            print("redis-server is not installed: not run", file=sys.stderr)
            return 0
        with ensure_index(args.home) as home:
            print(f"machine: {os.cpu_count()} cores, load average {load()}")
            return run(home, args.mentions, args.rounds, args.redis, args.threads, rec)


if __name__ == "__main__":
    sys.exit(main())
