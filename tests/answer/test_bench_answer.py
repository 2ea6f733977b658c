"""`python tests/bench/bench_answer.py`: runs end to end on a copy of the corpus index and reports every figure."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from bench.bench_answer import percentile, questions
from regbot_paths import REPO

BENCH = str(REPO / "tests" / "bench" / "bench_answer.py")


@pytest.fixture(scope="module")
def bench_home(corpus_home, tmp_path_factory):
    """A copy of the corpus index: the bench re-checks the ingest and writes the decision log."""
    home = tmp_path_factory.mktemp("bench") / "home"
    shutil.copytree(corpus_home, home, ignore=shutil.ignore_patterns("decisions.sqlite*"))
    return home


def test_questions_are_varied_and_percentile_is_nearest_rank():
    qs = questions(200)
    assert len(qs) == 200 and len(set(qs)) == 200
    assert percentile(list(range(1, 101)), 95) == 95 and percentile([3.0], 50) == 3.0
    assert percentile(list(range(1, 201)), 95) == 190 and percentile([1, 2, 3], 50) == 2


@pytest.mark.slow
def test_bench_reports_warm_cold_and_load(bench_home):
    done = subprocess.run([sys.executable, BENCH, "--home", str(bench_home),
                           "--n", "8", "--cold-runs", "1", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("warm_no_log", "warm_logged"):
        assert result[key]["n"] == 8 and 0 < result[key]["p50_ms"] <= result[key]["p95_ms"]
    cold = result["cold_ask"]
    assert cold["runs"] == 1 and cold["median_s"] > 0 and 0 < cold["cpu_median_s"] <= cold["max_s"] * 2
    assert len(result["load_avg_1min"]) == 2 and result["cores"] >= 1


@pytest.mark.slow
def test_relevance_scores_separate_off_topic_from_on_topic(bench_home):
    """The measurement behind settings.relevance_threshold (docs/answers.md) still holds."""
    from bot.settings import Settings

    done = subprocess.run([sys.executable, BENCH, "--home", str(bench_home),
                           "--relevance", "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    groups = json.loads(done.stdout)
    from bot.eval.gold import load_gold

    must_abstain = [g for g in load_gold([REPO / "tests" / "gold" / "dev"]).items if g.must_abstain]
    assert len(groups["off_topic"]) == 20 and len(must_abstain) >= 10  # 13 once the chart answered 7
    assert len(groups["gold_must_abstain"]) == len(must_abstain)  # every dev must-abstain item scored
    threshold = Settings().relevance_threshold
    assert max(groups["off_topic"]) < threshold <= min(groups["on_topic_undecided"])
