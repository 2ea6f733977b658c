"""Deterministic templates: every part of the verdict reaches the text, markers point at citations."""
from __future__ import annotations

from datetime import date

from bot import compose
from bot.records import Branch, Citation, Facts, Verdict

FACTS = Facts(as_of=date(2026, 11, 27), destination="KH", destination_name="Cambodia",
              item="avionics", end_user="army")
CITES = (Citation(key="a", source="itar.md", locator="22 CFR 126.1(o)", citation="22 CFR 126.1(o)",
                  quote="q1", rule_ids=("itar.kh",)),
         Citation(key="b", source="ear.md", locator="15 CFR 744.21(a)(1)", citation="15 CFR 744.21",
                  quote="q2", rule_ids=("ear.meu",)))
VERDICT = Verdict(
    status="depends", reasons=("The item could be ITAR- or EAR-controlled.",),
    branches=(Branch({"classification": "USML XI"}, "license_required", ("itar.kh",), ("case-by-case review",)),
              Branch({"classification": "7A994", "end_use": "civil"}, "no_license_required", ()),
              Branch({"classification": "7A994", "end_use": "military"}, "license_required", ("ear.meu",))),
    missing_facts=("classification", "end_use"),
    clarifying_questions=("Is the item on the USML?", "Who will use it?"),
    rule_ids=("itar.kh", "ear.meu"), unverified=("ear.supp2",))


def test_text_carries_verdict_branches_questions_and_caution():
    text = compose.compose_text(FACTS, VERDICT, CITES)
    assert text.startswith("It depends:")
    assert "avionics to Cambodia (KH), end user: army, as of 2026-11-27" in text
    assert "- If the item is classified USML XI: license required — case-by-case review [1]" in text
    assert "the end use is civil: no license required" in text
    assert "the end use is military: license required [2]" in text
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
