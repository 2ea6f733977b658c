"""Screening speed and size (issue 10 point 6): prints the figures docs/screening.md records.

    python tests/bench/bench_screening.py [--queries 600] [--batch 1000] [--json out.json]

- matcher build: read the shipped snapshot (25,921 entries) and index every name and alias;
- extra RSS: resident memory the list and its index add to the process (VmRSS after - before);
- one screen, warm: p50 / p95 / max over generated variants, unlisted names and real names;
- a 1,000-name batch: `regbot screen --batch FILE --json` in a new process (start-up, list
  load and index build included), and the same 1,000 names in-process on a warm matcher;
- the machine's load average before and after (the 2 shared cores are busy at times).
Targets: p95 <= 10 ms, batch <= 10 s, build <= 30 s, extra RSS <= 300 MB.
Figures are recorded in the bench results file (section `screening`, tests/bench/record.py).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(Path(__file__).resolve().parent)]

from record import recorder  # noqa: E402


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _hwm_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def _queries(matcher, n: int) -> list[tuple[str, str | None]]:
    from screening.variants import generate_variants, unlisted_names

    rng = random.Random(7)
    variants = [v.text for v in generate_variants(matcher.parties)]
    real = [p.name for p in rng.sample(matcher.parties, 200)]
    pool = variants + unlisted_names() + real
    rng.shuffle(pool)
    countries = [None, None, "KH", "CN", "RU", "IR", "US"]
    return [(q, rng.choice(countries)) for q in (pool * (n // len(pool) + 1))[:n]]


def bench(n_queries: int, n_batch: int) -> dict:
    import numpy  # noqa: F401  (imports before the baseline, so RSS counts the list only)
    import rapidfuzz  # noqa: F401

    import bot.screening as screening
    from bot.screening.store import active_list, read_snapshot

    load_before = os.getloadavg()
    base = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    info, path = active_list()
    parties = read_snapshot(path)
    t1 = time.perf_counter()
    matcher = screening.Matcher(parties, info)
    t2, c2 = time.perf_counter(), time.process_time()
    extra = _rss_mb() - base
    queries = _queries(matcher, n_queries + 20)
    for q, c in queries[:20]:  # warm-up
        matcher.screen(q, c)
    times, cpu = [], []
    for q, c in queries[20:]:
        s, sc = time.perf_counter(), time.process_time()
        matcher.screen(q, c)
        times.append((time.perf_counter() - s) * 1000)
        cpu.append((time.process_time() - sc) * 1000)
    times.sort()
    cpu.sort()
    batch_names = _queries(matcher, n_batch)
    s = time.perf_counter()
    for q, c in batch_names:
        matcher.screen(q, c)
    warm_batch = time.perf_counter() - s
    cli_batch = _cli_batch(batch_names)
    return {
        "entries": len(parties), "aliases_indexed": len(matcher.norms),
        "read_snapshot_s": round(t1 - t0, 2), "build_index_s": round(t2 - t1, 2),
        "build_total_s": round(t2 - t0, 2), "build_cpu_s": round(c2 - c0, 2),
        "extra_rss_mb": round(extra, 1),
        "peak_rss_mb": round(_hwm_mb(), 1),
        "screen_ms": {"n": len(times), "p50": round(statistics.median(times), 2),
                      "p95": round(times[int(0.95 * len(times)) - 1], 2),
                      "max": round(times[-1], 2),
                      "cpu_p50": round(statistics.median(cpu), 2),
                      "cpu_p95": round(cpu[int(0.95 * len(cpu)) - 1], 2)},
        "batch_in_process_s": round(warm_batch, 2), "batch_cli_s": cli_batch,
        "batch_names": n_batch,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }


def _cli_batch(names: list[tuple[str, str | None]]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch.jsonl"
        batch.write_text("".join(json.dumps({"id": i, "name": q, "country": c}) + "\n"
                                 for i, (q, c) in enumerate(names)), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(REPO), "REGBOT_HOME": str(Path(tmp) / "home")}
        s = time.perf_counter()
        before = os.times()
        proc = subprocess.run([sys.executable, "-m", "bot.cli", "screen", "--batch", str(batch),
                               "--json"], env=env, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - s
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system -
                                                               before.children_system)
        lines = proc.stdout.count("\n")
        return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": proc.returncode,
                "output_lines": lines}


def record(rec, result: dict) -> None:
    """The figures of `result` into the results file's `screening` section."""
    s, cli = result["screen_ms"], result["batch_cli_s"]
    rec.info("entries", result["entries"])
    rec.info("aliases_indexed", result["aliases_indexed"])
    rec.info("screen_queries", s["n"])
    rec.info("batch_names", result["batch_names"])
    rec.figure("build_s", result["build_total_s"], unit="s", target=30)
    rec.figure("build_cpu_s", result["build_cpu_s"], unit="s")
    rec.figure("extra_rss_mb", result["extra_rss_mb"], unit="MB", target=300)
    rec.figure("screen_p50_ms", s["p50"], unit="ms")
    rec.figure("screen_p95_ms", s["p95"], unit="ms", target=10)
    rec.figure("screen_cpu_p95_ms", s["cpu_p95"], unit="ms")
    rec.figure("batch_cli_s", cli["wall_s"], unit="s", target=10)
    rec.figure("batch_cli_cpu_s", cli["cpu_s"], unit="s")
    rec.figure("batch_in_process_s", result["batch_in_process_s"], unit="s")
    rec.info("batch_cli_exit", cli["exit"])
    rec.info("batch_cli_output_lines", cli["output_lines"])
    if cli["exit"] != 0:
        raise RuntimeError(f"regbot screen --batch exited {cli['exit']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    os.environ.setdefault("REGBOT_HOME", tempfile.mkdtemp(prefix="regbot-bench-"))
    with recorder("screening") as rec:
        result = bench(args.queries, args.batch)
        record(rec, result)
    s = result["screen_ms"]
    print(f"load average before {result['loadavg_before']} after {result['loadavg_after']} "
          f"({result['cpu_count']} CPUs)")
    print(f"list: {result['entries']:,} entries, {result['aliases_indexed']:,} names and "
          f"aliases indexed")
    print(f"matcher build: {result['build_total_s']} s (read {result['read_snapshot_s']} s, "
          f"index {result['build_index_s']} s; {result['build_cpu_s']} s CPU)   target <= 30 s")
    print(f"extra RSS: {result['extra_rss_mb']} MB (peak RSS {result['peak_rss_mb']} MB)   "
          f"target <= 300 MB")
    print(f"one screen, warm ({s['n']} queries): p50 {s['p50']} ms, p95 {s['p95']} ms, "
          f"max {s['max']} ms wall; CPU p50 {s['cpu_p50']} ms, p95 {s['cpu_p95']} ms   "
          f"target p95 <= 10 ms")
    cli = result["batch_cli_s"]
    print(f"{result['batch_names']:,}-name batch: {cli['wall_s']} s ({cli['cpu_s']} s CPU) as "
          f"`regbot screen --batch` (new process, exit {cli['exit']}, {cli['output_lines']} "
          f"lines); "
          f"{result['batch_in_process_s']} s in-process warm   target <= 10 s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
