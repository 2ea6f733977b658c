"""Benchmark `regbot sync`: `python tests/bench/bench_sync.py`.

Targets (issue 13 point 4): syncing the 100 documents of ../shared/scale/earcrawler-2026 from
the local replay of the Federal Register API (fetch, store, ingest with the real model,
staleness, alarms) <= 60 s; checking every rule value for staleness <= 1 s. Also reported:
a second sync of the same feed (nothing new) and attaching the open alarms to the rulebook
(what every answer pays). Prints figures; it is not a timed test. The load average is printed.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "sync"),
                str(ROOT / "tests" / "bench")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from record import recorder  # noqa: E402
from replay import Replay  # noqa: E402

from bot.rules import load_rulebook  # noqa: E402
from bot.rules.datasets.load import snapshot_dates  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.sync.review import attach  # noqa: E402
from bot.sync.run import run_sync  # noqa: E402
from bot.sync.staleness import check  # noqa: E402
from bot.sync.store import SyncStore  # noqa: E402


def main() -> int:
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    with recorder("sync") as rec, Replay() as fr, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        settings = Settings(home=home, sync_fr_url=fr.api_url, log_decisions=False)
        marks: list[tuple[float, str]] = []
        start = time.perf_counter()
        report = run_sync(settings, since="2023-01-01",
                          progress=lambda msg: marks.append((time.perf_counter(), msg)))
        total = time.perf_counter() - start
        fetched = next((t for t, m in reversed(marks) if m.startswith("fetched")), start) - start
        print(f"sync of {len(report.new)} documents from the replay: {total:.1f} s "
              f"(fetch + parse + store {fetched:.1f} s; ingest {report.ingest['chunks_added']} "
              f"chunks; {len(report.alarms_new)} alarms) — target <= 60 s: "
              f"{'OK' if total <= 60 and len(report.new) == 100 else 'MISSED'}")
        rec.figure("sync_100_docs_s", round(total, 2), unit="s", target=60)
        rec.figure("fetch_store_100_docs_s", round(fetched, 2), unit="s")
        rec.info("documents", len(report.new))
        rec.info("chunks_added", report.ingest["chunks_added"])
        start = time.perf_counter()
        again = run_sync(settings, since="2023-01-01")
        print(f"second sync of the same feed: {time.perf_counter() - start:.2f} s, "
              f"{len(again.new)} new, {len(again.alarms_new)} new alarms")

        rulebook, docs = load_rulebook(), list(SyncStore(home).documents().values())
        snaps = snapshot_dates()
        values = sum(len(r.values) for r in rulebook.rules.values())
        times = []
        for _ in range(20):
            t = time.perf_counter()
            alarms = check(rulebook, docs, snaps)
            times.append(time.perf_counter() - t)
        worst = max(times)
        print(f"staleness check of {values} rule values + {len(snaps)} snapshot(s) against "
              f"{len(docs)} documents: median {statistics.median(times) * 1e3:.1f} ms, max "
              f"{worst * 1e3:.1f} ms ({len(alarms)} alarms) — target <= 1 s: "
              f"{'OK' if worst <= 1 else 'MISSED'}")
        rec.figure("staleness_check_s", round(worst, 4), unit="s", target=1)
        t = time.perf_counter()
        attach(rulebook, settings)
        print(f"attach open alarms to the rulebook (first answer after a sync): "
              f"{(time.perf_counter() - t) * 1e3:.1f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
