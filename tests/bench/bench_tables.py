"""Benchmark the EAR tables and the § 738.4 procedure: `python tests/bench/bench_tables.py`.

Targets (issue 9 point 10): the full matrix (every ECCN x every destination) <= 10 s on one
core; one determination p95 <= 1 ms; a cold `regbot check` <= 0.5 s. The matrix and the
determination are measured twice: the § 738.4 procedure alone (`determine`, the tables), and
the engine (`evaluate`: every layer, the verdict with its reasons and trace, as
`regbot rules matrix` runs it). Also reported: loading the snapshot (uncached, in process, and
a cold process), the word search. Prints figures; it is not a timed test.
Run it alone on the machine if you can: the load average is printed with the figures.
Figures are recorded in the bench results file (section `tables`, tests/bench/record.py).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from record import recorder  # noqa: E402

from bot.records import Facts  # noqa: E402
from bot.rules import evaluate, load_rulebook  # noqa: E402
from bot.rules.datasets import determine, find_candidates, load_tables, matrix  # noqa: E402
from bot.rules.datasets import ClassificationError, procedure  # noqa: E402

WORDS = ["thermal camera", "encryption software", "machine tool", "drones", "lidar", "servers",
         "Garmin G1000", "night vision", "avionics", "ammunition", "riflescope", "jet engine",
         "hot isostatic presses", "oscilloscope", "body armor", "satellites"]


def _record(rec, name: str, values: list[float]) -> None:
    """median and p95 (as printed by _ms) of seconds, recorded in ms."""
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    rec.figure(f"{name}_median_ms", round(statistics.median(values) * 1e3, 3), unit="ms")
    rec.figure(f"{name}_p95_ms", round(p95 * 1e3, 3), unit="ms", target=1 if name in ("determine", "evaluate") else None)


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return (f"median {statistics.median(values) * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms, "
            f"max {values[-1] * 1e3:.3f} ms (n={len(values)})")


def bench_load(repeat: int, rec) -> None:
    times = []
    for _ in range(repeat):
        load_tables.cache_clear()
        start = time.perf_counter()
        load_tables()
        times.append(time.perf_counter() - start)
    print(f"load_tables (uncached, in process): {_ms(times)}")
    _record(rec, "load_tables", times)
    code = "from bot.rules.datasets import load_tables, determine; determine('3A001', 'KH')"
    cold = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
        cold.append(time.perf_counter() - start)
    print(f"cold process (python start + import + load + one determination): median "
          f"{statistics.median(cold):.3f} s of {', '.join(f'{c:.3f}' for c in cold)}")
    rec.figure("cold_process_median_s", round(statistics.median(cold), 2), unit="s")


def bench_matrix(rec) -> None:
    tables = load_tables()
    procedure._coverages.cache_clear()
    procedure._cells.cache_clear()
    procedure._exceptions.cache_clear()
    start, cpu = time.perf_counter(), time.process_time()
    n = sum(len(matrix(eccn, tables)) for eccn in tables.entries)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"full matrix, cold caches: {len(tables.entries)} ECCNs x {len(tables.destinations)} "
          f"destinations = {n:,} determinations in {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"({cpu / n * 1e6:.1f} us CPU each) — target <= 10 s")
    rec.figure("matrix_determinations", n, unit="count")
    rec.figure("matrix_cpu_s", round(cpu, 2), unit="s", target=10)
    rec.figure("matrix_wall_s", round(wall, 2), unit="s", target=10)


def bench_determine(samples: int, rec) -> None:
    tables = load_tables()
    rng = random.Random(9)
    eccns, dests = list(tables.entries), list(tables.destinations)
    paragraphs = ["", ".a", ".b.2", ".y", ".x", ".z.1.b"]
    pairs = [(rng.choice(eccns) + rng.choice(paragraphs), rng.choice(dests))
             for _ in range(samples)]
    valid = []
    for c, d in pairs:  # a paragraph the ECCN does not have is refused: not timed
        try:
            determine(c, d, tables)
            valid.append((c, d))
        except ClassificationError:
            pass
    pairs = valid
    procedure._coverages.cache_clear()
    times = []
    for c, d in pairs:
        start = time.perf_counter()
        determine(c, d, tables)  # parses the classification and resolves the code each time
        times.append(time.perf_counter() - start)
    print(f"one determination (string classification + ISO code): {_ms(times)} — target p95 "
          "<= 1 ms")
    _record(rec, "determine", times)


def bench_engine_matrix(rec, eccns: int | None) -> None:
    """The verdict (every layer) for every ECCN x every destination, bare ECCN, civil end use,
    today: what `regbot rules matrix` does per ECCN and tests/rules/test_matrix_property.py
    checks."""
    from datetime import date

    tables, rulebook = load_tables(), load_rulebook()
    chosen = list(tables.entries)[:eccns] if eccns else list(tables.entries)
    today = date.today()
    start, cpu = time.perf_counter(), time.process_time()
    n = 0
    for eccn in chosen:
        for code in tables.destinations:
            evaluate(Facts(as_of=today, destination=code, classification=eccn, end_use="civil"),
                     rulebook)
            n += 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    full = len(tables.entries) * len(tables.destinations)
    print(f"engine matrix: {len(chosen)} ECCNs x {len(tables.destinations)} destinations = {n:,} "
          f"verdicts in {wall:.2f} s wall, {cpu:.2f} s CPU ({cpu / n * 1e3:.3f} ms CPU each"
          + ("" if n == full else f"; the full {full:,} would take ~{cpu / n * full:.0f} s CPU")
          + ") — target <= 10 s")
    rec.figure("engine_matrix_verdicts", n, unit="count")
    rec.figure("engine_matrix_cpu_s", round(cpu, 2), unit="s", target=10 if n == full else None)
    rec.figure("engine_matrix_wall_s", round(wall, 2), unit="s", target=10 if n == full else None)


def bench_evaluate(samples: int, rec) -> None:
    """One verdict (the engine) for a random ECCN (with or without a paragraph) x destination."""
    from datetime import date

    tables, rulebook = load_tables(), load_rulebook()
    rng = random.Random(10)
    eccns, dests = list(tables.entries), list(tables.destinations)
    today = date.today()
    times = []
    for _ in range(samples):
        facts = Facts(as_of=today, destination=rng.choice(dests),
                      classification=rng.choice(eccns), end_use=rng.choice(["civil", None]))
        start = time.perf_counter()
        evaluate(facts, rulebook)
        times.append(time.perf_counter() - start)
    print(f"one engine verdict (random ECCN x destination, end use civil or unknown): "
          f"{_ms(times)} — target p95 <= 1 ms")
    _record(rec, "evaluate", times)


def bench_cold_check(rec, runs: int = 5) -> None:
    """`regbot check` as a new process (python start, imports, rulebook and tables, verdict)."""
    cmd = [sys.executable, "-m", "bot.cli", "check", "-d", "Japan", "-c", "7A994",
           "--end-use", "civil", "--json"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=Path(__file__).parents[2], capture_output=True)
        times.append(time.perf_counter() - start)
    print(f"cold `regbot check -d Japan -c 7A994 --end-use civil --json`: median "
          f"{statistics.median(times):.3f} s of {', '.join(f'{t:.3f}' for t in times)} — "
          "target <= 0.5 s")
    rec.figure("cold_check_median_s", round(statistics.median(times), 3), unit="s", target=0.5)


def bench_search(rec) -> None:
    tables = load_tables()
    start = time.perf_counter()
    find_candidates(WORDS[0], tables)
    first = time.perf_counter() - start
    times = []
    for _ in range(5):
        for words in WORDS:
            start = time.perf_counter()
            find_candidates(words, tables)
            times.append(time.perf_counter() - start)
    print(f"word search: first call {first:.3f} s (imports bm25s, indexes "
          f"{len(tables.entries)} headings + item lines); then {_ms(times)}")
    rec.figure("word_search_first_s", round(first, 2), unit="s")
    _record(rec, "word_search", times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--engine-eccns", type=int, default=None,
                        help="only the first N ECCNs in the engine matrix (default: all 633)")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with recorder("tables") as rec:
        bench_load(args.repeat, rec)
        bench_matrix(rec)
        bench_determine(args.samples, rec)
        bench_evaluate(min(args.samples, 3000), rec)
        bench_engine_matrix(rec, args.engine_eccns)
        bench_cold_check(rec)
        bench_search(rec)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
