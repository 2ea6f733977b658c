"""The benchmark's pure helpers (the full run is `make bench`, not a test)."""
from __future__ import annotations

import pytest

from bench.bench_index import DONE_WHEN, gold_items, hit_rate, percentiles


def test_percentiles():
    result = percentiles([float(i) for i in range(1, 101)])
    assert result == {"p50_ms": 50.5, "p95_ms": 95.0}


def test_hit_rate_counts_questions_with_an_expected_source_in_the_top_5():
    items = [("a", ["x.md"]), ("b", ["y.md", "z.md"]), ("c", ["w.md"])]
    answers = {"a": ["x.md"], "b": ["q.md", "z.md"], "c": ["x.md"]}
    assert hit_rate(answers.__getitem__, items) == pytest.approx(0.667, abs=1e-3)


def test_gold_items_have_questions_and_source_files():
    items = gold_items()
    assert items[:3] == DONE_WHEN and len(items) > 3
    assert all(q and sources and all(s.endswith((".md", ".txt")) for s in sources)
               for q, sources in items)
