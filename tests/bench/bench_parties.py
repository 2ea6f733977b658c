"""Benchmark screening in verdicts: `python tests/bench/bench_parties.py [--repeat N]`.

What screening adds to an answer (issue 10 point 3): `extract_facts` now reads end users and
party names; `evaluate` screens each named party on the reader (the matcher is built once per
process, only when a party is named); `regbot check` without a party must stay as fast as
before, with one it pays the matcher build. Prints figures with the load average; not a test.
Figures are recorded in the bench results file (section `parties`, tests/bench/record.py).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bot.records import Facts
from bot.rules import evaluate, extract_facts, load_rulebook
from bot.stats import percentile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import recorder  # noqa: E402

TODAY = date(2026, 12, 1)
QUESTIONS = [
    "Can we sell avionics to Cambodia?",
    "Can we sell 7A994 avionics to the PLA for civilian disaster relief?",
    "Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?",
    "Can we ship EAR99 pumps to Mekong Star Logistics in Cambodia?",
]
PARTIES = ["Beijing Academy of Artificial Intelligence", "Try Pheap Group", "Mekong Star Logistics",
           "Huawei Technologies", "Golden Lotus Furniture Trading"]
REGBOT = str(Path(sys.executable).with_name("regbot"))


def _ms(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _line(label: str, times: list[float]) -> str:
    p95 = percentile(times, 95)
    return f"{label:<58} median {statistics.median(times):9.2f} ms   p95 {p95:9.2f} ms"


def _process(args: list[str], repeat: int) -> list[float]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return _ms(lambda: subprocess.run([REGBOT, *args], capture_output=True, env=env, check=True),
               repeat)


def _figures(rec, name: str, times: list[float]) -> None:
    rec.figure(f"{name}_median_ms", round(statistics.median(times), 2), unit="ms")
    rec.figure(f"{name}_p95_ms", round(percentile(times, 95), 2), unit="ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--processes", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average: {' '.join(os.getloadavg().__repr__().strip('()').split(', '))}")
    with recorder("parties") as rec:
        run(rec, args.repeat, args.processes)
    print(f"load average: {' '.join(os.getloadavg().__repr__().strip('()').split(', '))}")


def run(rec, repeat: int, processes: int) -> None:
    rulebook = load_rulebook()
    start = time.perf_counter()
    evaluate(Facts(as_of=TODAY, destination="CN", classification="EAR99", parties=("warm-up",)),
             rulebook)
    first = rec.figure("first_screened_verdict_ms", round((time.perf_counter() - start) * 1000), unit="ms")
    print(f"{'first screened verdict in a process (matcher build)':<58} {first:9.0f} ms")
    extraction = []
    for q in QUESTIONS:
        times = _ms(lambda: extract_facts(q, TODAY), repeat)
        extraction += times
        print(_line(f"extract_facts: {q[:44]}", times))
    _figures(rec, "extract_facts", extraction)
    plain = Facts(as_of=TODAY, destination="KH", classification="EAR99", end_use="civil")
    times = _ms(lambda: evaluate(plain, rulebook), repeat)
    print(_line("evaluate, no party", times))
    _figures(rec, "evaluate_no_party", times)
    screened = []
    for name in PARTIES:
        facts = Facts(as_of=TODAY, destination="CN", classification="EAR99", end_use="civil",
                      parties=(name,))
        times = _ms(lambda: evaluate(facts, rulebook), repeat)
        screened += times
        print(_line(f"evaluate, 1 party (warm): {name[:28]}", times))
    _figures(rec, "evaluate_one_party", screened)
    times = _process(["check", "-d", "KH", "-i", "avionics", "--json"], processes)
    print(_line("process: regbot check -d KH -i avionics --json", times))
    _figures(rec, "check_process_no_party", times)
    times = _process(["check", "-d", "KH", "-c", "EAR99", "--end-user", "Try Pheap Group", "--json"],
                     processes)
    print(_line("process: regbot check ... --end-user 'Try Pheap Group'", times))
    _figures(rec, "check_process_one_party", times)
    rec.info("repeat", repeat)
    rec.info("processes", processes)


if __name__ == "__main__":
    main()
