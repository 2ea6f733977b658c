"""Benchmark: N @-mentions sent to a real `regbot slack serve` at once -> N replies, no duplicates.

    python tests/bench/bench_slack.py [--mentions 100] [--retries 20] [--home PATH]

Starts the fake Slack Web API and the server (gunicorn) over a copy of the index in
--home (default $REGBOT_HOME when it holds one, else ../shared/corpus indexed into a temporary
folder, so `make bench` works on a fresh clone), fires the mentions concurrently (plus Slack-style retried
deliveries of the first --retries events), and prints ack latency (HTTP response to the
"Slack" sender) and time-to-reply (send -> chat.postMessage seen by the fake), p50/p95.
Targets on a 2-core machine: ack p95 <= 300 ms, reply p95 <= 2 s. Exit 1 when a reply
is missing or duplicated. Figures are recorded in the bench results file (section `slack`, or
--record-as NAME; tests/bench/record.py).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slack"))  # the Slack test harness
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # regbot_paths
sys.path.insert(0, str(Path(__file__).resolve().parent))  # record

from bot.settings import get_settings  # noqa: E402
from bot.stats import percentile  # noqa: E402
from record import recorder  # noqa: E402
from regbot_paths import CORPUS  # noqa: E402
from slack_fake_api import FakeSlackAPI  # noqa: E402
from slack_harness import copy_home, event_body, mention, post_signed, start_server, stop_server  # noqa: E402

QUESTIONS = (
    "Can we sell avionics to Cambodia?",
    "Can we export 7A994 avionics to Cambodia for the army?",
    "Do we need a licence to ship USML XI radar parts to Cambodia?",
    "Can we sell rifles to Cambodia in 2023?",
    "Can we sell avionics to Cambodia for an airline?",
    "Is a licence needed to export aircraft parts to Nicaragua?",
    "Can we send EAR99 laptops to Syria?",
    "Can we export helicopters to Russia?",
)
ACK_TARGET_MS, REPLY_TARGET_MS = 300.0, 2000.0


@dataclass(frozen=True)
class Sent:
    ts: str  # the mention's ts == the thread the reply must land in
    started: float  # time.time() just before sending
    ack_ms: float
    status: int


def fire(url: str, bodies: list[tuple[str, str, int]]) -> list[Sent]:
    """Send every (ts, body, retry_num) at once from its own thread."""
    gate = threading.Barrier(len(bodies))

    def send(item: tuple[str, str, int]) -> Sent:
        ts, body, retry = item
        gate.wait()
        started = time.time()
        status = post_signed(url, body, retry_num=retry).status_code
        return Sent(ts, started, (time.time() - started) * 1000, status)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def run(home: Path, mentions: int, retries: int, threads: int, timeout: float, log: bool = True,
        workers: int | None = None, chroma_url: str | None = None, rec=None) -> int:
    env = {} if log else {"REGBOT_LOG_DECISIONS": "false"}
    if chroma_url:
        env["REGBOT_CHROMA_URL"] = chroma_url
    with FakeSlackAPI() as fake, tempfile.TemporaryDirectory() as tmp:
        server = start_server(copy_home(home, Path(tmp) / "home"), fake.api_url, Path(tmp) / "serve.log",
                              threads=threads, workers=workers, **env)
        try:
            events = [mention(QUESTIONS[i % len(QUESTIONS)], channel="CBENCH") for i in range(mentions)]
            bodies = [(e["ts"], event_body(e, event_id=f"EvBench{i}"), 0) for i, e in enumerate(events)]
            bodies += [(ts, body, 1) for ts, body, _ in bodies[:retries]]  # Slack's retried deliveries
            sent = fire(server.url, bodies)
            wanted = {e["ts"] for e in events}
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and len(_replies(fake, wanted)) < len(wanted):
                time.sleep(0.05)
            time.sleep(2.0)  # let any duplicate arrive before counting
            return report(sent, _replies(fake, wanted), fake, mentions, retries, rec)
        finally:
            stop_server(server)


def _replies(fake: FakeSlackAPI, wanted: set[str]) -> list:
    return [c for c in fake.calls("chat.postMessage") if c.params.get("thread_ts") in wanted]


def report(sent: list[Sent], replies: list, fake: FakeSlackAPI, mentions: int, retries: int,
           rec=None) -> int:
    first_sent = {}
    for s in sent:
        first_sent[s.ts] = min(first_sent.get(s.ts, s.started), s.started)
    per_thread = Counter(c.params["thread_ts"] for c in replies)
    first_reply = {}
    for c in replies:
        first_reply[c.params["thread_ts"]] = min(first_reply.get(c.params["thread_ts"], c.at), c.at)
    acks = [s.ack_ms for s in sent]
    reply_ms = [(at - first_sent[ts]) * 1000 for ts, at in first_reply.items()]
    duplicates = sum(n - 1 for n in per_thread.values())
    apologies = sum(1 for c in replies if c.params.get("text", "").startswith("Sorry"))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work on the box slows replies)")
    print(f"mentions sent: {mentions} (+{retries} retried deliveries); HTTP non-200: "
          f"{sum(s.status != 200 for s in sent)}")
    print(f"replies: {len(per_thread)}/{mentions}; duplicates: {duplicates}; apologies: {apologies}")
    ok_ack = _line("ack", acks, ACK_TARGET_MS)
    ok_reply = _line("time-to-reply", reply_ms, REPLY_TARGET_MS) if reply_ms else False
    print(f"targets: ack p95 <= {ACK_TARGET_MS:.0f} ms {'MET' if ok_ack else 'MISSED'}; "
          f"reply p95 <= {REPLY_TARGET_MS:.0f} ms {'MET' if ok_reply else 'MISSED'}")
    if rec is not None:
        rec.info("mentions", mentions)
        rec.info("retried_deliveries", retries)
        rec.figure("replies", len(per_thread), unit="count", target=mentions, better="higher")
        rec.figure("duplicates", duplicates, unit="count", target=0)
        rec.figure("apologies", apologies, unit="count", target=0)
        rec.figure("http_non_200", sum(s.status != 200 for s in sent), unit="count", target=0)
        rec.figure("ack_p50_ms", round(percentile(acks, 50), 1), unit="ms")
        rec.figure("ack_p95_ms", round(percentile(acks, 95), 1), unit="ms", target=ACK_TARGET_MS)
        if reply_ms:
            rec.figure("reply_p50_ms", round(percentile(reply_ms, 50), 1), unit="ms")
            rec.figure("reply_p95_ms", round(percentile(reply_ms, 95), 1), unit="ms",
                       target=REPLY_TARGET_MS)
    return 0 if len(per_thread) == mentions and duplicates == 0 and apologies == 0 else 1


def _line(name: str, values: list[float], target: float) -> bool:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    print(f"{name:>14}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(values):7.1f} ms  "
          f"mean {statistics.fmean(values):7.1f} ms  (n={len(values)})")
    return p95 <= target


@contextlib.contextmanager
def ensure_index(home: Path | None):
    """The index folder to benchmark over: `home`, else $REGBOT_HOME when it holds an index, else
    ../shared/corpus indexed into a temporary folder for this run."""
    home = home or get_settings().home
    if (home / "chunks.sqlite").exists():
        yield home
        return
    from bot.settings import Settings
    from index.build import ingest_paths

    with tempfile.TemporaryDirectory(prefix="regbot-bench-") as tmp:
        print(f"no index in {home}: indexing {CORPUS} into a temporary folder first", file=sys.stderr)
        report = ingest_paths([CORPUS], Settings(home=Path(tmp) / "home"))
        if report.failed:
            raise SystemExit(f"indexing {CORPUS} failed: {report.failed}")
        yield Path(tmp) / "home"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=100)
    parser.add_argument("--retries", type=int, default=20, help="retried deliveries to add")
    parser.add_argument("--threads", type=int, default=8, help="server request threads")
    parser.add_argument("--home", type=Path, default=None,
                        help="index folder (default $REGBOT_HOME, else ../shared/corpus indexed in a temp folder)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="server processes (default as `regbot slack serve`; >1 needs --chroma-url)")
    parser.add_argument("--chroma-url", default=None, help="Chroma server the index in --home was built on")
    parser.add_argument("--record-as", default="slack", help="section name in the bench results file")
    parser.add_argument("--no-log", action="store_true",
                        help="server runs with REGBOT_LOG_DECISIONS=false (isolates decision-log cost)")
    args = parser.parse_args(argv)
    if args.mentions < 1 or not 0 <= args.retries <= args.mentions:
        parser.error("need --mentions >= 1 and 0 <= --retries <= --mentions")
    if args.home is not None and not (args.home / "chunks.sqlite").exists():
        print(f"error: no index in {args.home}; run `regbot ingest ../shared/corpus` first", file=sys.stderr)
        return 3
    with ensure_index(args.home) as home, recorder(args.record_as) as rec:
        rec.info("threads", args.threads)
        rec.info("decision_log", not args.no_log)
        return run(home, args.mentions, args.retries, args.threads, args.timeout, log=not args.no_log,
                   workers=args.workers, chroma_url=args.chroma_url, rec=rec)


if __name__ == "__main__":
    sys.exit(main())
