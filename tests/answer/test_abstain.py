"""Abstention is real: a question regbot cannot answer gets no verdict and no quotes, while an answer
that claims something keeps its evidence (issue 16, point 2)."""
from __future__ import annotations

from datetime import date

import pytest

from bot.answer import Answerer, cannot_answer
from bot.records import Facts, Passage, Verdict
from bot.settings import Settings

TODAY = date(2026, 3, 1)
COVERED = ("CN", "KH", "RU")
UNDECIDED = Verdict(status="cannot_determine")
RELEVANT = [Passage(chunk=None, score=1.0, rank=1)]  # type: ignore[arg-type] - only its presence counts


@pytest.mark.parametrize("facts, why", [
    (Facts(as_of=TODAY, destination="KH", out_of_scope="import duties and tariffs"), "out of scope"),
    (Facts(as_of=TODAY, unknown_country="Atlantis"), "an unknown place"),
    (Facts(as_of=TODAY, destination="VN", item="avionics"), "a destination the rulebook does not cover"),
    (Facts(as_of=TODAY, item="night vision"), "an item with no destination"),
])
def test_questions_regbot_cannot_answer(facts, why):
    assert cannot_answer(facts, UNDECIDED, RELEVANT, COVERED), why


def test_nothing_relevant_retrieved_abstains():
    assert cannot_answer(Facts(as_of=TODAY, destination="KH"), UNDECIDED, [], COVERED)


@pytest.mark.parametrize("facts, verdict", [
    # an undecided question about a covered country or a term still shows its passages
    (Facts(as_of=TODAY, destination="KH"), UNDECIDED),
    (Facts(as_of=TODAY, end_use="military"), UNDECIDED),
    # a verdict, or rules that applied, keep their evidence whatever the facts
    (Facts(as_of=TODAY, destination="VN", item="avionics"), Verdict(status="depends")),
    (Facts(as_of=TODAY, destination="KH", out_of_scope="tariffs"), Verdict(status="prohibited")),
    (Facts(as_of=TODAY, destination="KH"), Verdict(status="cannot_determine", rule_ids=("ear.744_21.group1",))),
])
def test_answers_that_claim_something_keep_their_evidence(facts, verdict):
    assert not cannot_answer(facts, verdict, RELEVANT, COVERED)


@pytest.fixture(scope="module")
def answerer(corpus_home) -> Answerer:
    return Answerer(Settings(home=corpus_home, llm_model=None))


@pytest.mark.parametrize("question", [
    "What is the import duty in Cambodia on aircraft parts?",   # quoted five § 126.1 passages before
    "Can we sell avionics to Palestine?",  # no Country Chart row, no rules (Vietnam now has both)
    "Do we need a licence to send satellites to Mars?",
    "Does the UK Export Control Order require a licence for radar to Indonesia?",
])
def test_unanswerable_questions_quote_nothing(answerer, question):
    a = answerer.answer(question, as_of=TODAY, log=False)
    assert a.verdict.status == "cannot_determine" and a.abstained
    assert a.citations == () and "won't guess" in a.text
    assert a.passages, "retrieval ran; the answer chose not to quote it"


def test_a_verdict_keeps_its_quotes(answerer, verify_quotes):
    a = answerer.answer("Can we sell 7A994 avionics to the Cambodian army?", as_of=TODAY, log=False)
    assert a.verdict.status == "license_required" and not a.abstained and a.citations
    verify_quotes(a)
