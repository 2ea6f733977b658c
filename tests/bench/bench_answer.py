"""Answer latency benchmark (no language model).

    python tests/bench/bench_answer.py [--corpus ../shared/corpus] [--n 200] [--cold-runs 5]
        [--json]

Builds (or reuses, with --home) an index of the corpus, then measures:
warm p50/p95 of `Answerer.answer` over a batch of N generated questions (with and
without the decision log), and cold wall time of a `regbot ask` process.
Targets: warm p95 <= 50 ms, cold <= 3 s. Figures are recorded in the bench results file
(section `answer`, tests/bench/record.py).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.stats import percentile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import recorder  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ITEMS = ("avionics", "flight instruments", "aircraft parts", "night vision goggles", "a drone",
         "encryption software", "7A994 navigation gear", "USML Category XI electronics",
         "9A610 military aircraft parts", "EAR99 laptops")
PLACES = ("Cambodia", "Nicaragua", "China", "Russia", "Belarus", "Venezuela", "Burma", "Iran",
          "Cuba", "North Korea", "Syria", "France", "Phnom Penh")
FORMS = ("Can we sell {item} to {place}?", "Do we need a license to export {item} to {place}?",
         "What if the buyer of {item} in {place} is the army?", "Can we ship {item} to {place} in 2023?")


# For --relevance: questions with nothing to do with export control, and on-topic ones the rulebook
# cannot decide (the retrieved passages are then the whole answer).
OFF_TOPIC = ("hello", "hi there", "What's the weather in Paris tomorrow?", "Give me a pancake recipe",
             "Who won the 2022 World Cup?", "asdf qwerty zxcv", "What is the capital of France?",
             "Write me a poem about the sea", "How do I reset my password?", "What time is it?",
             "Tell me a joke", "How much does a Tesla cost?", "Can you help me write a cover letter?",
             "What is machine learning?", "Translate 'good morning' into Spanish", "How do I bake bread?",
             "What's a good name for a cat?", "Summarise the plot of Hamlet", "What's 2+2?",
             "Recommend a hotel in Bangkok")
ON_TOPIC_UNDECIDED = (
    "What is a military end user under 744.21?",
    "What did the State Department change in ITAR 126.1 for Cambodia?",
    "When was Cambodia removed from the ITAR 126.1 list?",
    "What does the Commerce Country Chart say about Cambodia?", "What is ECCN 7A994?",
    "What is a policy of denial?", "Why did the US lift the arms embargo on Cambodia?",
    "What is the presumption of denial for military end uses?",
    "What changed for Cambodia in February 2026 under the EAR?",
    "What are the military end use restrictions for Burma?")


def questions(n: int) -> list[str]:
    """n distinct-ish questions cycling through items, places and phrasings."""
    combos = itertools.cycle(itertools.product(FORMS, ITEMS, PLACES))
    return [form.format(item=item, place=place) for form, item, place in itertools.islice(combos, n)]


def ensure_index(home: Path, corpus: Path) -> None:
    from bot.settings import Settings
    from index.build import ingest_paths

    report = ingest_paths([corpus], Settings(home=home))
    if report.failed:
        raise SystemExit(f"ingest failed: {report.failed}")


def warm(home: Path, n: int, log: bool) -> dict[str, float]:
    from bot.answer import Answerer
    from bot.settings import Settings

    answerer = Answerer(Settings(home=home, llm_model=None))
    answerer.answer("Can we sell avionics to Cambodia?", log=False)  # first-call warm-up
    times = []
    for question in questions(n):
        start = time.perf_counter()
        answerer.answer(question, as_of=date(2026, 11, 27), log=log)
        times.append((time.perf_counter() - start) * 1000)
    return {"n": n, "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2), "max_ms": round(max(times), 2)}


def cold(home: Path, runs: int) -> dict[str, float]:
    exe = Path(sys.executable).with_name("regbot")
    env = {**os.environ, "REGBOT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("REGBOT_LLM_MODEL", None)
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([str(exe), "ask", "Can we sell avionics to Cambodia?", "--json",
                               "--no-log"], env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"regbot ask failed: {done.stderr}")
    # CPU time is what the process needs on an idle machine; wall time grows with other jobs' load
    return {"runs": runs, "median_s": round(statistics.median(times), 2), "max_s": round(max(times), 2),
            "cpu_median_s": round(statistics.median(cpu), 2)}


def best_dense(answerer, question: str) -> float:
    """Dense cosine of the best passage retrieved for `question`."""
    passages = answerer.retrieve(question)
    return max(answerer.dense_scores(question, passages).values(), default=0.0)


def relevance(home: Path) -> dict[str, list[float]]:
    """Best dense cosine per question: off-topic, on-topic undecided, gold must_abstain items."""
    from bot.answer import Answerer
    from bot.eval.gold import load_gold
    from bot.settings import Settings

    answerer = Answerer(Settings(home=home, llm_model=None))
    gold = [g.question for g in load_gold([REPO / "tests" / "gold" / "dev"]).items if g.must_abstain]
    groups = {"off_topic": OFF_TOPIC, "on_topic_undecided": ON_TOPIC_UNDECIDED,
              "gold_must_abstain": gold}
    return {name: sorted(round(best_dense(answerer, q), 3) for q in qs) for name, qs in groups.items()}


def record_relevance(rec, groups: dict[str, list[float]]) -> None:
    """The separation behind settings.relevance_threshold into the results file's `relevance` section."""
    from bot.settings import Settings

    threshold = Settings().relevance_threshold
    rec.info("threshold", threshold)
    rec.info("questions", {name: len(scores) for name, scores in groups.items()})
    # the threshold must lie above every off-topic question and at or below every on-topic one
    rec.figure("off_topic_max", max(groups["off_topic"]), unit="cosine", target=threshold, better="lower")
    rec.figure("on_topic_undecided_min", min(groups["on_topic_undecided"]), unit="cosine",
               target=threshold, better="higher")
    rec.figure("gold_must_abstain_max", max(groups["gold_must_abstain"]), unit="cosine")


def record(rec, result: dict) -> None:
    """The figures of `result` into the results file's `answer` section."""
    w, wl, c = result["warm_no_log"], result["warm_logged"], result["cold_ask"]
    rec.info("questions", w["n"])
    rec.info("cold_runs", c["runs"])
    rec.figure("warm_p50_ms", w["p50_ms"], unit="ms")
    rec.figure("warm_p95_ms", w["p95_ms"], unit="ms", target=50)
    rec.figure("warm_max_ms", w["max_ms"], unit="ms")
    rec.figure("warm_logged_p50_ms", wl["p50_ms"], unit="ms")
    rec.figure("warm_logged_p95_ms", wl["p95_ms"], unit="ms", target=50)
    rec.figure("cold_ask_median_s", c["median_s"], unit="s", target=3)
    rec.figure("cold_ask_max_s", c["max_s"], unit="s")
    rec.figure("cold_ask_cpu_median_s", c["cpu_median_s"], unit="s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--home", type=Path, help="reuse this data folder (ingested if needed)")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--relevance", action="store_true",
                        help="only print best dense scores of off-topic vs on-topic questions")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = args.home or Path(tempfile.mkdtemp(prefix="regbot-bench-"))
    ensure_index(home, args.corpus)
    if args.relevance:
        with recorder("relevance") as rec:
            groups = relevance(home)
            record_relevance(rec, groups)
        if args.json:
            print(json.dumps(groups))
        for name, scores in groups.items() if not args.json else ():
            print(f"{name} ({len(scores)}): min {scores[0]}  median {statistics.median(scores)}  "
                  f"max {scores[-1]}")
        return
    load_before = os.getloadavg()[0]
    with recorder("answer") as rec:
        result = {"warm_no_log": warm(home, args.n, log=False), "warm_logged": warm(home, args.n, log=True),
                  "cold_ask": cold(home, args.cold_runs), "cores": os.cpu_count(),
                  "load_avg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
        record(rec, result)
    if args.json:
        print(json.dumps(result))
        return
    w, wl, c = result["warm_no_log"], result["warm_logged"], result["cold_ask"]
    print(f"warm answer ({w['n']} questions, no log):  p50 {w['p50_ms']} ms  p95 {w['p95_ms']} ms"
          f"  max {w['max_ms']} ms  (target p95 <= 50 ms)")
    print(f"warm answer ({wl['n']} questions, logged): p50 {wl['p50_ms']} ms  p95 {wl['p95_ms']} ms")
    print(f"cold `regbot ask` ({c['runs']} runs): median {c['median_s']} s  max {c['max_s']} s"
          f"  (target <= 3 s; CPU time median {c['cpu_median_s']} s)")
    print(f"{result['cores']} cores, 1-min load average {result['load_avg_1min'][0]} before, "
          f"{result['load_avg_1min'][1]} after")


if __name__ == "__main__":
    main()
