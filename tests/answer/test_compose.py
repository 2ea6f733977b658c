"""Deterministic templates: every part of the verdict reaches the text, markers point at citations."""
from __future__ import annotations

from datetime import date

from bot import compose
from bot.records import Branch, Citation, Facts, TraceEntry, Verdict

FACTS = Facts(as_of=date(2026, 11, 27), destination="KH", destination_name="Cambodia",
              item="avionics", end_user="army")
CITES = (Citation(key="a", source="itar.md", locator="22 CFR 126.1(o)", citation="22 CFR 126.1(o)",
                  quote="q1", rule_ids=("itar.kh",)),
         Citation(key="b", source="ear.md", locator="15 CFR 744.21(a)(1)", citation="15 CFR 744.21",
                  quote="q2", rule_ids=("ear.meu",)))
VERDICT = Verdict(
    status="depends", reasons=("The item could be ITAR- or EAR-controlled.",),
    branches=(Branch({"classification": "USML XI"}, "license_required", ("itar.kh",), ("Case-by-case review",)),
              Branch({"classification": "7A994", "end_use": "civil"}, "no_license_required", ()),
              Branch({"classification": "7A994", "end_use": "military"}, "license_required", ("ear.meu",))),
    missing_facts=("classification", "end_use"),
    clarifying_questions=("Is the item on the USML?", "Who will use it?"),
    rule_ids=("itar.kh", "ear.meu"), unverified=("ear.supp2",))


def test_text_carries_verdict_branches_questions_and_caution():
    text = compose.compose_text(FACTS, VERDICT, CITES)
    assert text.startswith("It depends:")
    assert "avionics to Cambodia (KH), end user: army, as of 2026-11-27" in text
    assert "- If the item is classified USML XI: licence required. Case-by-case review. [1]" in text
    assert "the end use is civil: no licence required." in text
    assert "the end use is military: licence required. [2]" in text
    assert "- Is the item on the USML?" in text and "- Who will use it?" in text
    assert "ear.supp2" in text and "do not confirm" in text


def test_markers_only_for_existing_citations():
    assert compose.markers(("itar.kh",), CITES) == " [1]"
    assert compose.markers(("ear.meu", "itar.kh"), CITES) == " [1][2]"
    assert compose.markers(("nothing",), CITES) == ""


def test_every_status_has_a_headline_and_summary():
    from bot.records import STATUSES

    for status in STATUSES:
        text = compose.compose_text(FACTS, Verdict(status=status), ())
        assert text.startswith(compose.HEADLINES[status])


def test_abstain_says_what_would_help():
    facts = Facts(as_of=date(2026, 1, 1), unknown_country="Wakanda")
    text = compose.abstain_text(facts, Verdict(status="cannot_determine"))
    assert "won't guess" in text and "Wakanda" in text
    assert "the destination country" in text and "what the item is" in text


def test_branch_names_the_date_its_rule_took_force():
    trace = (TraceEntry("itar.kh", date(2026, 1, 1), "not_listed", "90 FR 50489", "a.md", "q",
                        valid_from=date(2025, 11, 7)),
             TraceEntry("ear.meu", date(2026, 1, 1), "x", "15 CFR 744.21", "b.md", "q",
                        valid_from=date(2000, 1, 1)))
    verdict = Verdict(status="depends", branches=VERDICT.branches, trace=trace)
    text = compose.compose_text(FACTS, verdict, CITES)
    assert "(In force since 2025-11-07: 90 FR 50489.) [1]" in text
    assert "2000-01-01" not in text  # long-standing values have no meaningful start date


def test_no_duplicate_caution_when_reasons_say_unconfirmed():
    verdict = Verdict(status="license_required", reasons=("Unconfirmed: rests on x.",),
                      unverified=("x",))
    assert "do not confirm" not in compose.compose_text(FACTS, verdict, ())


def test_cannot_determine_with_passages_says_they_do_not_decide():
    facts = Facts(as_of=date(2026, 1, 1), item="avionics", unknown_country="Wakanda")
    verdict = Verdict(status="cannot_determine", reasons=("I don't know the country 'Wakanda'.",))
    text = compose.compose_text(facts, verdict, CITES)
    assert text.count("know the country 'Wakanda'") == 1
    assert "do not decide the question" in text
    assert "do not decide" not in compose.compose_text(facts, verdict, ())


def test_reason_markers_follow_the_rule_each_reason_names():
    """A reason is marked with the citations of the rules it names, never by position."""
    trace = (TraceEntry("itar.kh", date(2023, 3, 1), "denial", "22 CFR 126.1(o)", "itar.md", "q1"),
             TraceEntry("ear.meu", date(2023, 3, 1), "x", "15 CFR 744.21", "ear.md", "q2"))
    verdict = Verdict(status="prohibited", trace=trace, rule_ids=("ear.meu", "itar.kh"),
                      reasons=("Cambodia is under a policy of denial (22 CFR 126.1(o)).",
                               "Military end users also need a licence (15 CFR 744.21)."))
    text = compose.compose_text(FACTS, verdict, CITES)
    assert "policy of denial (22 CFR 126.1(o)). [1]" in text  # rule_ids order would give [2]
    assert "need a licence (15 CFR 744.21). [2]" in text


def test_reasons_restating_branches_are_not_repeated():
    verdict = Verdict(status="depends", branches=VERDICT.branches, rule_ids=VERDICT.rule_ids,
                      reasons=("It depends on the classification.",
                               "If classification is USML XI: licence required."))
    text = compose.compose_text(FACTS, verdict, CITES)
    assert "It depends on the classification." in text
    assert "If classification is USML XI" not in text
    assert "- If the item is classified USML XI: licence required. Case-by-case review. [1]" in text


def test_single_reason_without_branches_cites_the_verdicts_rules():
    verdict = Verdict(status="license_required", reasons=("A licence is needed.",),
                      rule_ids=("ear.meu",))
    assert "- A licence is needed. [2]" in compose.compose_text(FACTS, verdict, CITES)


def test_abstain_lists_what_would_help_as_a_sentence():
    facts = Facts(as_of=date(2026, 1, 1))
    text = compose.abstain_text(facts, Verdict(status="cannot_determine",
                                               missing_facts=("destination", "item", "end_use")))
    assert ("It would help to know the destination country, what the item is and "
            "the end use (civil or military).") in text


def test_abstain_gives_the_engines_reason_and_asks_for_nothing_when_out_of_scope():
    facts = Facts(as_of=date(2026, 1, 1), destination="KR",
                  out_of_scope="another country's export-control law")
    reason = "This is about another country's export-control law, which is outside the rulebook."
    text = compose.abstain_text(facts, Verdict(status="cannot_determine", reasons=(reason,)))
    assert reason in text and "It would help" not in text


def test_abstain_asks_for_the_item_before_its_classification():
    facts = Facts(as_of=date(2026, 1, 1), destination="KH", destination_name="Cambodia")
    verdict = Verdict(status="cannot_determine", missing_facts=("classification",),
                      reasons=("The item's classification is not known",))
    text = compose.abstain_text(facts, verdict)
    assert "The item's classification is not known." in text
    assert "It would help to know what the item is and the item's classification" in text
