"""Issue 12: facts, timelines, documents and off-topic questions get direct, cited answers
(real index of ../shared/corpus, real rulebook, EAR tables and screening list)."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.answer import Answerer, answer_to_json
from bot.answers.cite import verify_dataset_citation

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def answerer(corpus_home) -> Answerer:
    from bot.settings import Settings

    return Answerer(Settings(home=corpus_home))


def ask(answerer, question, as_of=TODAY):
    return answerer.answer(question, as_of=as_of, log=False)


def first_line(a) -> str:
    return a.text.splitlines()[0]


def test_d1_is_answered_from_the_rule_and_the_table(answerer):
    a = ask(answerer, "Is Cambodia still in Country Group D:1?")
    assert a.kind == "fact" and a.verdict.status == "cannot_determine" and not a.abstained
    assert first_line(a).startswith("Yes — Cambodia is in Country Group D:1")
    assert "Cambodia will remain designated in Country Group D:1" in a.citations[0].quote
    table = [c for c in a.citations if c.key.startswith("ear-table:groups:")]
    assert table and table[0].quote == "Cambodia: Country Group D:1"
    assert "[1]" in a.text and "[2]" in a.text and len(a.text.splitlines()) <= 12


def test_arms_embargo_says_no_since_november_2025_and_what_still_applies(answerer):
    a = ask(answerer, "Is Cambodia under a US arms embargo?")
    assert first_line(a).startswith("No — Cambodia is not under a U.S. arms embargo")
    assert "November 7, 2025" in a.text and "February 3, 2026" in a.text
    assert "Still applies" in a.text and "744.21(a)(1)" in a.text
    before = ask(answerer, "Is Cambodia under a US arms embargo?", as_of=date(2023, 5, 1))
    assert first_line(before).startswith("Yes —") and "December 9, 2021" in before.text


def test_d5_in_december_2025_the_state_list_controls(answerer):
    a = ask(answerer, "Was Cambodia in Country Group D:5 on December 15, 2025?")
    assert first_line(a).startswith("No —") and "February 2, 2026" in a.text
    assert any("State Department's list shall be controlling" in c.quote for c in a.citations)


def test_eccn_heading_reasons_and_rows_are_quoted_from_the_ccl(answerer):
    a = ask(answerer, "What does ECCN 5A002 control?")
    assert "Information security" in first_line(a) and "NS, RS, AT, EI" in a.text
    assert all(c.key.startswith("ear-table:ccl:5A002:") for c in a.citations)
    assert all(verify_dataset_citation(c.key, c.quote) for c in a.citations)


def test_chart_columns(answerer):
    a = ask(answerer, "Which column of the chart does Vietnam have an X in for NS?")
    assert "Vietnam has an X in NS 1, NS 2" in a.text
    assert a.citations[0].quote.startswith("Vietnam: CB 1 X")


def test_a_tampered_table_row_does_not_verify(answerer):
    a = ask(answerer, "Which column of the chart does Vietnam have an X in for NS?")
    cite = a.citations[0]
    assert verify_dataset_citation(cite.key, cite.quote)
    assert not verify_dataset_citation(cite.key, cite.quote.replace(" · NS 2 X", ""))
    assert not verify_dataset_citation("ear-table:chart:KH", cite.quote)


def test_lists_a_party_is_on(answerer):
    a = ask(answerer, "Which lists is Huawei on?")
    assert first_line(a).startswith('Yes — "Huawei" matches') and "Entity List" in a.text
    assert any(c.key.startswith("csl:") for c in a.citations)
    none = ask(answerer, "Is Acme Trading LLC on the OFAC SDN list?")
    assert first_line(none).startswith("No entry") and "full legal name" in none.text


@pytest.mark.parametrize("question, line", [
    ("What changed for Cambodia in 2025?", "November 7, 2025: Cambodia removed from the § 126.1 list"),
    ("What changed for Cambodia in November 2025?", "November 7, 2025: Cambodia removed"),
    ("When was Cambodia removed from § 126.1?", "November 7, 2025: Cambodia removed"),
])
def test_timelines_are_dated_and_cited_oldest_first(answerer, question, line):
    a = ask(answerer, question)
    assert a.kind == "timeline" and line in a.text
    assert "90 FR 50489" in a.citations[0].quote
    dated = [ln for ln in a.text.splitlines() if ln[:1].isupper() and ", 20" in ln[:20]]
    assert all("[" in ln for ln in dated)


def test_a_timeline_lists_the_older_changes_oldest_first(answerer):
    a = ask(answerer, "When was Cambodia removed from § 126.1?")
    lines = a.text.splitlines()
    assert lines[1] == "Before that, oldest first:" and lines[2].startswith("December 9, 2021")


def test_the_bis_rule_takes_effect_february_3_2026(answerer):
    a = ask(answerer, "When does the BIS rule take effect?")
    assert a.kind == "document"
    assert first_line(a).startswith("The BIS final rule “Export Administration Regulations: "
                                    "Conforming Change for Cambodia” (FR Doc. 2026-02262) takes "
                                    "effect February 3, 2026.")
    assert a.citations[0].quote == "This rule is effective February 3, 2026."
    assert len(a.citations) == 1  # only what the answer rests on


def test_what_the_phnom_penh_post_reported_is_background(answerer):
    a = ask(answerer, "What did the Phnom Penh Post report?")
    assert "Phnom Penh Post news article" in first_line(a)
    assert "not a source of law" in a.text
    assert all(c.source.startswith("2026-02_phnompenhpost") for c in a.citations)


def test_off_topic_and_other_languages(answerer):
    weather = ask(answerer, "what's the weather in Phnom Penh?")
    assert weather.kind == "off_topic" and weather.citations == () and "item" not in weather.text.lower()[:40]
    spanish = ask(answerer, "¿Podemos vender aviónica a Camboya?")
    assert spanish.kind == "not_english" and "Spanish" in spanish.text and "English" in spanish.text


def test_a_foreign_question_with_destination_and_item_is_answered(answerer):
    a = ask(answerer, "¿Necesitamos una licencia para vender avionics a Cambodia?")
    assert a.kind == "determination" and a.verdict.status == "depends"


def test_determinations_are_untouched(answerer):
    a = ask(answerer, "Can we sell avionics to Cambodia?")
    assert a.kind == "determination" and a.verdict.status == "depends" and a.verdict.branches


def test_json_carries_the_kind(answerer):
    data = answer_to_json(ask(answerer, "When does the BIS rule take effect?"))
    assert data["kind"] == "document" and data["verdict"]["status"] == "cannot_determine"
    assert data["citations"][0]["quote"] == "This rule is effective February 3, 2026."


def test_a_kind_with_nothing_on_record_falls_back_to_the_engine(answerer):
    a = ask(answerer, "How are applications under 744.21 reviewed?")
    assert a.kind == "determination"  # routed as a fact (end-use rule), no destination: the engine answers
    assert a.citations and "do not decide the question" in a.text


def test_overrides_keep_the_determination_path(answerer):
    a = answerer.answer("Is Cambodia still in Country Group D:1?", as_of=TODAY, log=False,
                        overrides={"item": "avionics"})
    assert a.kind == "determination"


def test_kind_answers_are_logged(answerer):
    a = answerer.answer("Is Cambodia still in Country Group D:1?", as_of=TODAY, log=True)
    assert a.log_id is not None
    assert dataclasses.replace(a, log_id=None).kind == "fact"
