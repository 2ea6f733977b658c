"""Several gunicorn worker processes over a Chroma server (REGBOT_CHROMA_URL): retried
deliveries spread over both processes still give exactly one answer per event."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import slack_requests as sr
from bot.settings import Settings
from slack_harness import free_port, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.server]
SOURCES = ("2026-02-10_ecfr_15cfr744.21_military-end-use-user.md",
           "2025-11-12_mondaq-crowell_state-removes-cambodia-126-1_excerpt.txt",
           "2026-02-03_bis_ear-conforming-change-cambodia.md")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port, data = free_port(), tmp_path_factory.mktemp("slack-chroma")
    with open(data / "chroma.log", "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path",
                                    str(data / "db"), "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (data / "chroma.log").read_text()
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def two_workers(chroma_server, corpus_dir, fake_slack, tmp_path_factory):
    from index.build import ingest_paths

    home = tmp_path_factory.mktemp("workers") / "home"
    report = ingest_paths([corpus_dir / name for name in SOURCES], Settings(home=home, chroma_url=chroma_server))
    assert not report.failed, report.failed
    server = start_server(home, fake_slack.api_url, tmp_path_factory.mktemp("workerslog") / "serve.log",
                          threads=4, workers=2, REGBOT_CHROMA_URL=chroma_server, REGBOT_COLLECTION="regbot")
    yield server
    stop_server(server)


def test_two_processes_answer_each_event_exactly_once(two_workers, fake_slack):
    deadline = time.monotonic() + 60  # /healthz answers once the first worker is up
    while two_workers.log().count("Booting worker") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert two_workers.log().count("Booting worker") == 2
    channel = "CWORKERS"
    events = [sr.mention("Can we sell avionics to Cambodia?", channel=channel) for _ in range(12)]
    deliveries = [(sr.event_body(e, event_id=f"EvW{i}"), n) for i, e in enumerate(events) for n in (0, 1, 2)]
    with ThreadPoolExecutor(len(deliveries)) as pool:
        statuses = list(pool.map(lambda d: sr.post(two_workers.url, d[0], retry_num=d[1]).status_code, deliveries))
    assert statuses == [200] * len(deliveries)
    fake_slack.wait_for(lambda f: len([c for c in f.calls("chat.postMessage")
                                       if c.params.get("channel") == channel]) >= len(events), timeout=90)
    time.sleep(1.5)
    threads = sorted(c.params["thread_ts"] for c in fake_slack.calls("chat.postMessage")
                     if c.params.get("channel") == channel)
    assert threads == sorted(e["ts"] for e in events)  # one reply each, none twice
