"""Benchmark the rules engine: `python tests/bench/bench_rules.py [--repeat N]`.

Targets: loading the rulebook (parse + validate, uncached) < 200 ms; one `evaluate`
< 1 ms; `extract_facts` is reported too. Prints figures and records them (section `rules` of the
bench results file, tests/bench/record.py); it is not a timed test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from bot.records import Facts
from bot.rules.engine import evaluate
from bot.rules.facts import extract_facts
from bot.rules.loader import RULEBOOK_DIR, load_rulebook, read_rulebook
from bot.stats import percentile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import recorder  # noqa: E402

TODAY = date(2026, 11, 27)
FACTS = [
    Facts(as_of=TODAY, destination="KH", item="avionics"),  # 4 branches
    Facts(as_of=date(2023, 3, 1), destination="KH", classification="USML XI"),
    Facts(as_of=TODAY, destination="KH", classification="7A994", end_use="military"),
    Facts(as_of=TODAY, destination="RU", classification="9A991", end_use="civil"),
    Facts(as_of=TODAY, destination="NI", item="aircraft parts"),  # 5 branches
]
# questions about a period: evaluated on every day inside it where a rule it reads changes
PERIOD_QUESTIONS = [
    "7A994 avionics to a Russian airline in 2022",  # 2 dated branches
    "USML XI to Cambodia before November 7, 2025",
    "avionics to Cambodia since 2021",  # dates x classifications x end uses
]
QUESTIONS = [
    "Can we sell avionics to Cambodia?",
    "Can we sell 7A994 flight instruments to the Cambodian air force as of 1 June 2025?",
    "9A610.x parts to Phnom Penh before the embargo was lifted",
]


def _times_ms(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _line(label: str, times: list[float], target: float | None) -> str:
    med, p95 = statistics.median(times), percentile(times, 95)
    verdict = "" if target is None else ("  OK" if med < target else "  SLOW")
    goal = "" if target is None else f" (target < {target:g} ms)"
    return f"{label:<34} median {med:8.3f} ms   p95 {p95:8.3f} ms{goal}{verdict}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    with recorder("rules") as rec:
        rulebook = load_rulebook()
        load = _times_ms(lambda: read_rulebook(RULEBOOK_DIR), max(10, args.repeat // 10))
        print(f"rulebook {rulebook.version}: {len(rulebook.rules)} rules, {len(rulebook.items)} "
              f"catalogue items, {len(rulebook.countries())} countries")
        print(_line("load rulebook (uncached)", load, 200))
        rec.info("rulebook", {"version": str(rulebook.version), "rules": len(rulebook.rules)})
        rec.figure("load_median_ms", round(statistics.median(load), 1), unit="ms", target=200)
        evaluations = []
        for facts in FACTS:
            label = f"evaluate {facts.destination} {facts.classification or facts.item}"
            times = _times_ms(lambda f=facts: evaluate(f, rulebook), args.repeat)
            evaluations.extend(times)
            print(_line(label, times, 1))
        rec.figure("evaluate_median_ms", round(statistics.median(evaluations), 3), unit="ms", target=1)
        rec.figure("evaluate_p95_ms", round(percentile(evaluations, 95), 3), unit="ms", target=1)
        periods = []  # issue 11: one evaluation per stretch of the period
        for question in PERIOD_QUESTIONS:
            facts = extract_facts(question, TODAY, rulebook=rulebook)
            times = _times_ms(lambda f=facts: evaluate(f, rulebook), max(10, args.repeat // 10))
            periods.extend(times)
            print(_line(f"evaluate over '{facts.period.phrase}'", times, 50))
        rec.figure("evaluate_period_median_ms", round(statistics.median(periods), 3), unit="ms",
                   target=50)
        extractions = []
        for question in QUESTIONS:
            label = f"extract_facts {question[:20]}…"
            times = _times_ms(lambda q=question: extract_facts(q, TODAY), args.repeat)
            extractions.extend(times)
            print(_line(label, times, None))
        rec.figure("extract_facts_median_ms", round(statistics.median(extractions), 3), unit="ms")
        rec.figure("extract_facts_p95_ms", round(percentile(extractions, 95), 3), unit="ms")
        rec.info("evaluate_cases", len(FACTS))
        rec.info("repeat", args.repeat)


if __name__ == "__main__":
    main()
