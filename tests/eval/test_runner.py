"""Scoring wiring: an oracle answerer scores perfectly, a wrong one is caught on each metric; abstention
and retrieval are strict (nothing quoted; only passages shown); dev and test are scored side by side."""
from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from bot.eval.gold import GoldItem, GoldSet, SourceRef
from bot.eval.report import render_markdown, render_terminal, report_json, write_report
from bot.eval.runner import BaselineAnswerer, evaluate, shown_passages
from bot.records import Answer, Chunk, Citation, DocMeta, Facts, Passage, Verdict

TEXT = "Intro.\n\nIt is the policy of the United States to deny licenses for Cambodia.\n"
QUOTE = "deny licenses for Cambodia"
Q_KH, Q_VN = "USML XI to Cambodia?", "Avionics to Vietnam?"


@pytest.fixture
def gold(tmp_path) -> GoldSet:
    (tmp_path / "rule.md").write_text(TEXT, encoding="utf-8")
    items = (
        GoldItem(id="a", question=Q_KH, status="prohibited", as_of=date(2023, 3, 1),
                 facts={"destination": "KH"}, sources=(SourceRef(file="rule.md", quote=QUOTE),),
                 tags=("cambodia",)),
        GoldItem(id="b", question=Q_VN, status="cannot_determine", must_abstain=True,
                 tags=("unanswerable",)),
    )
    return GoldSet(items=items, corpus_dirs=(tmp_path,))


def chunk(path: Path, text: str, key: str) -> Chunk:
    start = TEXT.index(text)
    return Chunk(key=key, doc_id="d", source="rule.md", path=str(path), text=text,
                 span=(start, start + len(text)), locator="22 CFR 126.1(o)", section=None, heading="",
                 meta=DocMeta(title="t"))


def cite(c: Chunk, quote: str | None = None) -> Citation:
    return Citation(key=c.key, source=c.source, locator=c.locator, citation=None, quote=quote or c.text)


class Scripted:
    """Answers from a script: a status per question; retrieves noise then the right passage and
    quotes the chunks in `quoted` (what the reader is shown), except when abstaining."""

    def __init__(self, corpus: Path, statuses: dict[str, str], *, quoted=("k0", "k1"), retrieve=True,
                 invent: str | None = None, quote_when_undecided=False):
        self.corpus, self.statuses, self.quoted, self.retrieve = corpus, statuses, quoted, retrieve
        self.invent, self.quote_when_undecided = invent, quote_when_undecided

    def answer(self, question, *, as_of=None, front_end="eval", log=None) -> Answer:
        status = self.statuses[question]
        facts = Facts(as_of=as_of or date.today(), destination="KH" if "Cambodia" in question else None)
        noise, good = chunk(self.corpus / "rule.md", "Intro.", "k0"), chunk(self.corpus / "rule.md", QUOTE, "k1")
        passages = (Passage(noise, 0.9, 1), Passage(good, 0.8, 2)) if self.retrieve else ()
        citations: tuple[Citation, ...] = ()
        if status != "cannot_determine" or self.quote_when_undecided:
            citations = tuple(cite(p.chunk) for p in passages if p.chunk.key in self.quoted)
            if self.invent:
                citations += (Citation(key="k9", source="rule.md", locator="x", citation=None, quote=self.invent),)
        return Answer(question=question, as_of=facts.as_of, facts=facts, verdict=Verdict(status=status),
                      citations=citations, passages=passages, abstained=status == "cannot_determine")


RIGHT = {Q_KH: "prohibited", Q_VN: "cannot_determine"}


def test_oracle_scores_perfectly(gold, tmp_path):
    [cr] = evaluate(gold, {"oracle": Scripted(tmp_path, RIGHT)})
    s = cr.summary
    assert s["verdict_accuracy"] == 1.0 and s["false_no_license_required"] == 0
    assert s["recall@1"] == 0.0 and s["recall@3"] == 1.0 and s["mrr"] == 0.5
    assert s["citation_recall"] == 1.0 and s["citation_validity"] == 1.0
    assert s["abstention_precision"] == 1.0 and s["abstention_recall"] == 1.0 and s["abstentions"] == 1
    assert s["facts_accuracy"] == 1.0 and cr.facts == {"destination": (1, 1)}
    assert cr.per_tag["cambodia"]["verdict_accuracy"] == 1.0


def test_recall_counts_only_the_passages_shown(gold, tmp_path):
    """A passage retrieved but not quoted (below the threshold, capped away) is not shown."""
    only_good = Scripted(tmp_path, RIGHT, quoted=("k1",))
    [cr] = evaluate(gold, {"x": only_good})
    assert cr.summary["recall@1"] == 1.0 and cr.summary["mrr"] == 1.0  # the unquoted noise is no rank
    not_quoted = Scripted(tmp_path, RIGHT, quoted=("k0",))
    [cr] = evaluate(gold, {"x": not_quoted})
    assert cr.summary["recall@5"] == 0.0 and cr.summary["recall@10"] == 0.0  # retrieved, never shown
    answer = not_quoted.answer(Q_KH)
    assert [p.chunk.key for p in shown_passages(answer)] == ["k0"] and len(answer.passages) == 2


def test_abstention_is_strict(gold, tmp_path):
    """cannot_determine with a passage quoted 'for reference' is not an abstention."""
    for_reference = Scripted(tmp_path, RIGHT, quote_when_undecided=True)
    [cr] = evaluate(gold, {"x": for_reference})
    assert cr.summary["verdict_accuracy"] == 1.0  # the status is right ...
    assert cr.summary["abstention_recall"] == 0.0 and cr.summary["abstentions"] == 0  # ... but it quoted
    md = render_markdown([cr], [], ["gold.yaml"])
    assert "### `b` — should have abstained" in md


def test_wrong_answers_are_caught(gold, tmp_path):
    wrong = Scripted(tmp_path, {Q_KH: "no_license_required", Q_VN: "license_required"},
                     quoted=(), invent="deny ALL licenses")
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
    """Shows only the noise passage; an answer showing more (ranked) shows the expected one at rank 7."""

    def answer(self, question, **kwargs) -> Answer:
        a = super().answer(question, **kwargs)
        return dataclasses.replace(a, passages=a.passages[:1], citations=a.citations[:1])

    def ranked(self, question, k, as_of=None):
        noise = chunk(self.corpus / "rule.md", "Intro.", "k0")
        filler = [Passage(dataclasses.replace(noise, key=f"f{i}", locator="other"), 0.5, i) for i in range(5)]
        good = chunk(self.corpus / "rule.md", QUOTE, "k1")
        return ([Passage(noise, 0.9, 1), *filler, Passage(good, 0.4, 7)])[:k]


def test_deeper_ranks_extend_the_curve_but_not_what_the_answer_showed(gold, tmp_path):
    deep = Deep(tmp_path, RIGHT)
    [cr] = evaluate(gold, {"deep": deep}, depth=10)
    s = cr.summary
    assert s["recall@5"] == 0.0 and s["recall@10"] == 1.0 and s["mrr"] == pytest.approx(1 / 7)
    assert max(cr.recall_curve) == 7 and cr.recall_curve[6] == 0.0 and cr.recall_curve[7] == 1.0
    first = cr.results[0]
    assert first.ranked[0].chunk.key == shown_passages(first.answer)[0].chunk.key  # the answer's own rank 1
    assert len({p.chunk.key for p in first.ranked}) == len(first.ranked) == 7  # no passage counted twice
    md = render_markdown([cr], [], ["gold.yaml"])
    assert "## Retrieval misses: deep (1 items" in md and "| `a` | - | 0 | 1 |" in md
    [shallow] = evaluate(gold, {"deep": deep}, depth=5)
    assert shallow.summary.get("recall@10") is None and max(shallow.recall_curve) == 5


def test_a_wrong_fact_is_a_listed_failure_even_with_the_right_verdict(gold, tmp_path):
    class WrongPlace(Scripted):
        def answer(self, question, **kwargs) -> Answer:
            a = super().answer(question, **kwargs)
            return dataclasses.replace(a, facts=dataclasses.replace(a.facts, destination="TH"))

    [cr] = evaluate(gold, {"wrong-place": WrongPlace(tmp_path, RIGHT)})
    assert cr.summary["verdict_accuracy"] == 1.0 and cr.facts == {"destination": (0, 1)}
    md = render_markdown([cr], [], ["gold.yaml"])
    assert "### `a` — fact destination: expected 'KH', got 'TH'" in md
    assert "## Retrieval misses: wrong-place" not in md  # the expected source was shown (rank 2)


@pytest.fixture
def split_gold(gold) -> GoldSet:
    """Item a in dev; b and a held-out twin of a (with a known engine failure) in test."""
    a, b = gold.items
    twin = dataclasses.replace(a, id="a-test", question="USML XI to Cambodia in 2023?", split="test",
                               known_failure="the engine answers depends")
    return GoldSet(items=(dataclasses.replace(a, split="dev"), dataclasses.replace(b, split="test"), twin),
                   corpus_dirs=gold.corpus_dirs)


def test_dev_and_test_are_scored_side_by_side(split_gold, tmp_path):
    statuses = {**RIGHT, "USML XI to Cambodia in 2023?": "depends"}
    [cr] = evaluate(split_gold, {"hybrid": Scripted(tmp_path, statuses)})
    assert list(cr.splits) == ["dev", "test"]
    assert cr.splits["dev"].summary["n"] == 1 and cr.splits["test"].summary["n"] == 2
    assert cr.splits["dev"].summary["verdict_accuracy"] == 1.0
    assert cr.splits["test"].summary["verdict_accuracy"] == 0.5
    assert cr.splits["test"].summary["abstention_recall"] == 1.0
    assert cr.splits["dev"].summary["abstention_recall"] is None  # nothing to measure: n/a, not 1.0
    assert cr.summary["n"] == 3 and cr.part("test") is cr.splits["test"] and cr.part("all") is cr.overall
    md = render_markdown([cr], [], ["gold"])
    assert "| metric | hybrid dev | hybrid test |" in md and "(dev: 1, test: 2;" in md
    assert "## Known engine failures: hybrid (1)" in md and "still fails" in md
    assert "*Known engine failure:* the engine answers depends" in md
    console = Console(record=True, width=200)
    render_terminal([cr], [], console=console)
    shown = console.export_text()
    assert "hybrid dev" in shown and "hybrid test" in shown
    data = report_json([cr], [], ["gold"])
    assert data["splits"] == ["dev", "test"]
    assert data["configs"]["hybrid"]["splits"]["test"]["summary"]["n"] == 2
    assert {i["id"]: i["split"] for i in data["configs"]["hybrid"]["items"]} == {
        "a": "dev", "b": "test", "a-test": "test"}


def test_a_known_failure_that_passes_says_so(split_gold, tmp_path):
    statuses = {**RIGHT, "USML XI to Cambodia in 2023?": "prohibited"}
    [cr] = evaluate(split_gold, {"hybrid": Scripted(tmp_path, statuses)})
    assert "now passes: drop known_failure" in render_markdown([cr], [], ["gold"])


class Kinds:
    """A fact answer, a timeline that misses a date, and a verdict question answered as a fact."""

    TEXTS = {"Is Cambodia in D:1?": ("fact", "Yes — Cambodia is in Country Group D:1."),
             "What changed for Cambodia in 2025?": ("timeline", "1 change: the § 126.1 listing ended."),
             Q_KH: ("fact", "Cambodia is in D:1.")}

    def answer(self, question, *, as_of=None, front_end="eval", log=None) -> Answer:
        kind, text = self.TEXTS[question]
        facts = Facts(as_of=as_of or date.today(), destination="KH")
        return Answer(question=question, as_of=facts.as_of, facts=facts,
                      verdict=Verdict(status="cannot_determine"), text=text, kind=kind)


def test_fact_accuracy_per_kind_and_kind_accuracy(tmp_path):
    items = (GoldItem(id="f", question="Is Cambodia in D:1?", status="", kind="fact",
                      must_contain=(("yes",), ("D:1", "Country Group D:1"))),
             GoldItem(id="t", question="What changed for Cambodia in 2025?", status="", kind="timeline",
                      must_contain=(("November 7, 2025",), ("126.1",))),
             GoldItem(id="d", question=Q_KH, status="prohibited", as_of=date(2023, 3, 1)))
    [cr] = evaluate(GoldSet(items=items, corpus_dirs=(tmp_path,)), {"kinds": Kinds()})
    s = cr.summary
    assert s["fact_accuracy"] == 0.5 and s["fact_accuracy_fact"] == 1.0
    assert s["fact_accuracy_timeline"] == 0.0 and s["fact_accuracy_document"] is None
    assert s["kind_accuracy"] == pytest.approx(2 / 3)
    assert s["verdict_accuracy"] == 0.0  # only the item with a status counts: it got no verdict
    wrong = {r.item.id: r.facts_missing for r in cr.results if r.wrong}
    assert wrong == {"t": ["November 7, 2025"], "d": []}
    report = render_markdown([cr], [], ["g.yaml"])
    assert "does not state 'November 7, 2025'" in report and "answered as a fact question" in report
