"""Benchmark screening in verdicts: `python tests/bench/bench_parties.py [--repeat N]`.

What screening adds to an answer (issue 10 point 3): `extract_facts` now reads end users and
party names; `evaluate` screens each named party on the reader (the matcher is built once per
process, only when a party is named); `regbot check` without a party must stay as fast as
before, with one it pays the matcher build. Prints figures with the load average; not a test.
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
    p95 = sorted(times)[max(int(len(times) * 0.95) - 1, 0)]
    return f"{label:<58} median {statistics.median(times):9.2f} ms   p95 {p95:9.2f} ms"


def _process(args: list[str], repeat: int) -> list[float]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return _ms(lambda: subprocess.run([REGBOT, *args], capture_output=True, env=env, check=True),
               repeat)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--processes", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average: {' '.join(os.getloadavg().__repr__().strip('()').split(', '))}")
    rulebook = load_rulebook()
    start = time.perf_counter()
    evaluate(Facts(as_of=TODAY, destination="CN", classification="EAR99", parties=("warm-up",)),
             rulebook)
    print(f"{'first screened verdict in a process (matcher build)':<58} "
          f"{(time.perf_counter() - start) * 1000:9.0f} ms")
    for q in QUESTIONS:
        print(_line(f"extract_facts: {q[:44]}", _ms(lambda: extract_facts(q, TODAY), args.repeat)))
    plain = Facts(as_of=TODAY, destination="KH", classification="EAR99", end_use="civil")
    print(_line("evaluate, no party", _ms(lambda: evaluate(plain, rulebook), args.repeat)))
    for name in PARTIES:
        facts = Facts(as_of=TODAY, destination="CN", classification="EAR99", end_use="civil",
                      parties=(name,))
        print(_line(f"evaluate, 1 party (warm): {name[:28]}",
                    _ms(lambda: evaluate(facts, rulebook), args.repeat)))
    print(_line("process: regbot check -d KH -i avionics --json",
                _process(["check", "-d", "KH", "-i", "avionics", "--json"], args.processes)))
    print(_line("process: regbot check ... --end-user 'Try Pheap Group'",
                _process(["check", "-d", "KH", "-c", "EAR99", "--end-user", "Try Pheap Group",
                          "--json"], args.processes)))
    print(f"load average: {' '.join(os.getloadavg().__repr__().strip('()').split(', '))}")


if __name__ == "__main__":
    main()
