"""Scoring wiring: an oracle answerer scores perfectly, a wrong one is caught on each metric."""
from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from bot.eval.gold import GoldItem, GoldSet, SourceRef
from bot.eval.report import render_markdown, render_terminal, write_report
from bot.eval.runner import BaselineAnswerer, evaluate
from bot.records import Answer, Chunk, Citation, DocMeta, Facts, Passage, Verdict

TEXT = "Intro.\n\nIt is the policy of the United States to deny licenses for Cambodia.\n"
QUOTE = "deny licenses for Cambodia"


@pytest.fixture
def gold(tmp_path) -> GoldSet:
    (tmp_path / "rule.md").write_text(TEXT, encoding="utf-8")
    items = (
        GoldItem(id="a", question="USML XI to Cambodia?", status="prohibited", as_of=date(2023, 3, 1),
                 facts={"destination": "KH"}, sources=(SourceRef(file="rule.md", quote=QUOTE),),
                 tags=("cambodia",)),
        GoldItem(id="b", question="Avionics to Vietnam?", status="cannot_determine", must_abstain=True,
                 tags=("unanswerable",)),
    )
    return GoldSet(items=items, corpus_dirs=(tmp_path,))


def chunk(path: Path, text: str, key: str) -> Chunk:
    start = TEXT.index(text)
    return Chunk(key=key, doc_id="d", source="rule.md", path=str(path), text=text,
                 span=(start, start + len(text)), locator="22 CFR 126.1(o)", section=None, heading="",
                 meta=DocMeta(title="t"))


class Scripted:
    """Answers from a script: status, facts, and whether to retrieve/cite the right passage."""

    def __init__(self, corpus: Path, statuses: dict[str, str], *, cite: str = QUOTE, retrieve=True):
        self.corpus, self.statuses, self.cite, self.retrieve = corpus, statuses, cite, retrieve

    def answer(self, question, *, as_of=None, front_end="eval", log=None) -> Answer:
        status = self.statuses[question]
        facts = Facts(as_of=as_of or date.today(), destination="KH" if "Cambodia" in question else None)
        good = chunk(self.corpus / "rule.md", QUOTE, "k1")
        noise = chunk(self.corpus / "rule.md", "Intro.", "k0")
        passages = (Passage(noise, 0.9, 1), Passage(good, 0.8, 2)) if self.retrieve else ()
        citations = ()
        if status != "cannot_determine":
            citations = (Citation(key="k1", source="rule.md", locator="22 CFR 126.1(o)", citation=None,
                                  quote=self.cite),)
        return Answer(question=question, as_of=facts.as_of, facts=facts, verdict=Verdict(status=status),
                      citations=citations, passages=passages, abstained=status == "cannot_determine")


def test_oracle_scores_perfectly(gold, tmp_path):
    oracle = Scripted(tmp_path, {"USML XI to Cambodia?": "prohibited", "Avionics to Vietnam?": "cannot_determine"})
    [cr] = evaluate(gold, {"oracle": oracle})
    s = cr.summary
    assert s["verdict_accuracy"] == 1.0 and s["false_no_license_required"] == 0
    assert s["recall@1"] == 0.0 and s["recall@3"] == 1.0 and s["mrr"] == 0.5
    assert s["citation_precision"] == 1.0 and s["citation_recall"] == 1.0 and s["citation_validity"] == 1.0
    assert s["abstention_precision"] == 1.0 and s["abstention_recall"] == 1.0
    assert s["facts_accuracy"] == 1.0 and cr.facts == {"destination": (1, 1)}
    assert cr.per_tag["cambodia"]["verdict_accuracy"] == 1.0


def test_wrong_answers_are_caught(gold, tmp_path):
    wrong = Scripted(tmp_path, {"USML XI to Cambodia?": "no_license_required",
                                "Avionics to Vietnam?": "license_required"},
                     cite="deny ALL licenses", retrieve=False)
    baseline = BaselineAnswerer()
    results = {cr.name: cr for cr in evaluate(gold, {"wrong": wrong, "baseline": baseline})}
    s = results["wrong"].summary
    assert s["verdict_accuracy"] == 0.0 and s["false_no_license_required"] == 1
    assert s["recall@5"] == 0.0 and s["citation_validity"] == 0.0  # invented quote
    assert s["abstention_recall"] == 0.0
    assert results["baseline"].summary["verdict_accuracy"] == 0.0
    md = render_markdown(list(results.values()), [], ["gold.yaml"])
    assert "verdict `no_license_required`, expected `prohibited`" in md
    assert "a quote is not verbatim in its source" in md
    assert "| prohibited | 0 | 0 | 1 | 0 | 0 |" in md.split("## Confusion matrix: wrong")[1]
    console = Console(record=True, width=200)
    render_terminal(list(results.values()), [], console=console)
    shown = console.export_text()
    assert shown.index("false_no_license_required") < shown.index("verdict_accuracy")
    assert "confusion: wrong" in shown and "facts extraction accuracy by field" in shown
    assert "destination" in shown.split("facts extraction accuracy by field")[1]
    out = write_report(list(results.values()), [], ["gold.yaml"], tmp_path / "report")
    assert out.is_file() and (tmp_path / "report" / "confusion_matrix.png").stat().st_size > 0


def test_an_answerer_exception_is_an_error_item(gold):
    class Broken:
        def answer(self, *a, **k):
            raise RuntimeError("boom")

    [cr] = evaluate(gold, {"broken": Broken()})
    assert cr.summary["errors"] == 2 and cr.summary["verdict_accuracy"] == 0.0
    assert cr.summary["latency_p50_ms"] is None


class Deep(Scripted):
    """Shows only the noise passage; a deeper search (ranked) finds the expected one at rank 7."""

    def answer(self, question, **kwargs) -> Answer:
        a = super().answer(question, **kwargs)
        return dataclasses.replace(a, passages=a.passages[:1])

    def ranked(self, question, k):
        noise = chunk(self.corpus / "rule.md", "Intro.", "k0")
        filler = [Passage(dataclasses.replace(noise, key=f"f{i}", locator="other"), 0.5, i) for i in range(5)]
        good = chunk(self.corpus / "rule.md", QUOTE, "k1")
        return ([Passage(noise, 0.9, 1), *filler, Passage(good, 0.4, 7)])[:k]


def test_deeper_ranks_extend_the_curve_but_not_what_the_answer_showed(gold, tmp_path):
    deep = Deep(tmp_path, {"USML XI to Cambodia?": "prohibited", "Avionics to Vietnam?": "cannot_determine"})
    [cr] = evaluate(gold, {"deep": deep}, depth=10)
    s = cr.summary
    assert s["recall@5"] == 0.0 and s["recall@10"] == 1.0 and s["mrr"] == pytest.approx(1 / 7)
    assert max(cr.recall_curve) == 7 and cr.recall_curve[6] == 0.0 and cr.recall_curve[7] == 1.0
    first = cr.results[0]
    assert first.ranked[0].chunk.key == first.answer.passages[0].chunk.key  # the answer's own rank 1
    assert len({p.chunk.key for p in first.ranked}) == len(first.ranked) == 7  # no passage counted twice
    md = render_markdown([cr], [], ["gold.yaml"])
    assert "## Retrieval misses: deep (1 items" in md and "| `a` | 0 | 1 |" in md
    [shallow] = evaluate(gold, {"deep": deep}, depth=5)
    assert shallow.summary.get("recall@10") is None and max(shallow.recall_curve) == 5


def test_a_wrong_fact_is_a_listed_failure_even_with_the_right_verdict(gold, tmp_path):
    class WrongPlace(Scripted):
        def answer(self, question, **kwargs) -> Answer:
            a = super().answer(question, **kwargs)
            return dataclasses.replace(a, facts=dataclasses.replace(a.facts, destination="TH"))

    ans = WrongPlace(tmp_path, {"USML XI to Cambodia?": "prohibited", "Avionics to Vietnam?": "cannot_determine"})
    [cr] = evaluate(gold, {"wrong-place": ans})
    assert cr.summary["verdict_accuracy"] == 1.0 and cr.facts == {"destination": (0, 1)}
    md = render_markdown([cr], [], ["gold.yaml"])
    assert "### `a` — fact destination: expected 'KH', got 'TH'" in md
    assert "## Retrieval misses: wrong-place" not in md  # the expected source was retrieved (rank 2)
