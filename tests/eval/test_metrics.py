"""Metrics on small hand-made inputs, each worked out by hand."""
from __future__ import annotations

import pytest

from bot.eval import metrics as m
from bot.eval.gold import SourceRef
from bot.records import Citation

A, B, C = SourceRef(file="a.md"), SourceRef(file="b.md", locator="15 CFR 744.21"), SourceRef(quote="deny licenses")


def test_verdict_accuracy_and_false_nlr():
    pairs = [("prohibited", "prohibited"), ("license_required", "no_license_required"),
             ("no_license_required", "no_license_required"), ("depends", "no_license_required")]
    assert m.verdict_accuracy(pairs) == 0.5
    assert m.false_no_license_required(pairs) == 2  # a correct NLR is not counted
    assert m.verdict_accuracy([]) is None


def test_confusion_matrix_rows_are_expected_columns_are_given():
    labels = ("prohibited", "depends")
    matrix = m.confusion_matrix([("prohibited", "depends"), ("prohibited", "prohibited"),
                                 ("depends", "depends"), ("depends", "error")], labels)
    assert matrix == [[1, 1], [0, 1]]


def test_facts_accuracy_per_field_case_insensitive():
    pairs = [({"destination": "KH", "end_user": "Army"}, {"destination": "KH", "end_user": "army"}),
             ({"destination": "CN"}, {"destination": None})]
    assert m.facts_accuracy(pairs) == {"destination": (1, 2), "end_user": (1, 1)}


def test_source_matches_every_given_field():
    assert m.source_matches(B, "b.md", "15 CFR 744.21(a)(1)", "x")  # locator is a prefix
    assert not m.source_matches(B, "b.md", "15 CFR 744.22", "x")
    assert not m.source_matches(B, "a.md", "15 CFR 744.21", "x")
    assert m.source_matches(C, "z.txt", "", "policy to\n  DENY licenses and")  # whitespace/case
    assert not m.source_matches(C, "z.txt", "", "approve licenses")


def test_retrieval_metrics_credit_each_expected_source_once():
    ranked = [("x.md", "", ""), ("a.md", "", ""), ("a.md", "", ""), ("b.md", "15 CFR 744.21(g)", "")]
    rel = m.relevance([A, B], ranked)
    assert rel == [None, 0, None, 1]
    assert m.recall_at_k(rel, 2, 1) == 0.0
    assert m.recall_at_k(rel, 2, 2) == 0.5
    assert m.recall_at_k(rel, 2, 4) == 1.0
    assert m.reciprocal_rank(rel) == 0.5
    # DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    expected = (1 / 1.5849625 + 1 / 2.3219281) / (1 + 1 / 1.5849625)
    assert m.ndcg_at_k(rel, 2, 4) == pytest.approx(expected, rel=1e-6)
    assert m.reciprocal_rank([None, None]) == 0.0


def test_citation_precision_recall():
    cited = [("a.md", "", "q"), ("c.md", "", "q")]
    assert m.citation_precision_recall([A, B], cited) == (0.5, 0.5)
    assert m.citation_precision_recall([A], []) == (None, 0.0)


def test_quote_validity_rereads_the_source():
    text = "It is the policy to deny licenses.\nOther text."
    read = {"s.txt": text}.get
    ok = Citation(key="k", source="s.txt", locator="", citation=None, quote="deny licenses",
                  span=(text.index("deny"), text.index("deny") + len("deny licenses")))
    assert m.quote_is_valid(ok, read)
    wrong_span = Citation(key="k", source="s.txt", locator="", citation=None, quote="deny licenses", span=(0, 13))
    assert not m.quote_is_valid(wrong_span, read)
    invented = Citation(key="k", source="s.txt", locator="", citation=None, quote="approve licenses")
    assert not m.quote_is_valid(invented, read)
    missing = Citation(key="k", source="gone.txt", locator="", citation=None, quote="deny")
    assert not m.quote_is_valid(missing, read)


def test_abstention_precision_recall():
    pairs = [(True, True), (True, False), (False, True), (False, False)]
    assert m.abstention_precision_recall(pairs) == (0.5, 0.5)
    assert m.abstention_precision_recall([(False, False)]) == (None, None)


def test_percentile_matches_linear_interpolation():
    values = [10.0, 20.0, 30.0, 40.0]
    assert m.percentile(values, 50) == 25.0
    assert m.percentile(values, 95) == pytest.approx(38.5)
    assert m.percentile([], 50) is None


def test_floors_respect_direction_and_fail_on_missing():
    assert m.check_floor("c", "verdict_accuracy", 0.8, 0.85).passed
    assert not m.check_floor("c", "verdict_accuracy", 0.8, 0.75).passed
    assert m.check_floor("c", "false_no_license_required", 0, 0).passed
    assert not m.check_floor("c", "false_no_license_required", 0, 1).passed
    assert not m.check_floor("c", "recall@5", 0.1, None).passed
    assert m.canonical_metric("Recall_at_5") == "recall@5"


def test_a_citation_ref_matches_a_table_row_by_its_citation():
    """`support` names a CCL entry or chart row by its citation (a prefix); a passage or quote
    without that citation does not match."""
    ccl = SourceRef(citation="15 CFR part 774, Supp. No. 1, ECCN 7A994")
    row = ("EAR tables, eCFR 2026-07-23", "7A994 — AT applies to entire entry — AT Column 1.",
           "7A994 — AT applies to entire entry — AT Column 1.")
    assert m.source_matches(ccl, *row, "15 CFR part 774, Supp. No. 1, ECCN 7A994")
    assert not m.source_matches(ccl, *row, "15 CFR part 774, Supp. No. 1, ECCN 9A991")
    assert not m.source_matches(ccl, *row)  # no citation given
    chart = SourceRef(citation="15 CFR part 738, Supp. No. 1", locator="Cambodia")
    cited = "15 CFR part 738, Supp. No. 1 (Commerce Country Chart)"
    assert m.source_matches(chart, "EAR tables", "Cambodia", "Cambodia: CB 1 X", cited)
    assert not m.source_matches(chart, "EAR tables", "China", "China: CB 1 X", cited)
