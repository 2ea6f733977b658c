"""Claim and quote must agree (issue 11 pt 3): bot.support, the one call in bot.evidence, and
the independent checker in tests/quote_check.py, on the four bad examples of the issue."""
from __future__ import annotations

from datetime import date

import pytest

from bot import evidence
from bot.records import Branch, Facts, Status, TraceEntry, Verdict
from bot.rules import evaluate, load_rulebook
from bot.support import Claim, claims, places_named, supports
from quote_check import quote_agrees

CHART_ROW_KH = "CambodiaXX| X| XXXXX | | X | X | | |"
CUBA_EAR99 = ("In addition, most other items subject to the EAR, but not included on the CCL, "
              "designated by the Number “EAR99”, require a license to Cuba.")
HEADING_7A994 = ("7A994 Other navigation direction finding equipment, airborne communication "
                 "equipment, all aircraft inertial navigation systems not controlled under 7A003 "
                 "or 7A103, and other avionic equipment, including “parts” and “components,” n.e.s.")
DDTC_KH = ("On October 27, 2025, the Department of State's Directorate of Defense Trade Controls "
           "announced that it would review applications for International Traffic in Arms "
           "Regulations (ITAR) controlled activities on a case by case basis and publish a "
           "regulatory change to remove Cambodia from the list of countries in ITAR § 126.1.")
GROUP1 = ("in Burma, Cambodia, the People's Republic of China (China), Nicaragua, or Venezuela, or "
          "a Burmese, Cambodian, Chinese, Nicaraguan, or Venezuelan 'military end user,'")

# (quote, rule id, rule value, destination, classification, agrees?)
CASES = [
    # 1. the flattened chart row of Cambodia is not evidence for China, Nicaragua or Burma
    (CHART_ROW_KH, "ear.at_column.countries", ("CU", "IR", "KP", "SY"), "CN", "7A994", False),
    (CHART_ROW_KH, "ear.at_column.countries", ("CU", "IR", "KP", "SY"), "NI", "9A991", False),
    (CHART_ROW_KH, "ear.at_column.countries", ("CU", "IR", "KP", "SY"), "MM", "7A994", False),
    (CHART_ROW_KH, "ear.at_column.countries", ("CU", "IR", "KP", "SY"), "KH", "7A994", True),
    # 2. a Cuba sentence is not support for "no licence required to Cambodia" (EAR99 rule)
    (CUBA_EAR99, "ear.ear99.no_licence", None, "KH", "EAR99", False),
    # 3. the 7A994 heading is not 9A991's reason for control
    (HEADING_7A994, "ear.at_only.eccns", ("7A994", "9A991"), "KH", "9A991", False),
    (HEADING_7A994, "ear.at_only.eccns", ("7A994", "9A991"), "KH", "7A994", True),
    # 4. a DDTC announcement about Cambodia is not the general ITAR licence requirement
    (DDTC_KH, "itar.licence_requirement", None, "KH", "USML XI", False),
    (DDTC_KH, "itar.licence_requirement", None, "CN", "USML XI", False),
    # and what must still be shown: a list quote for a listed country and as the whole list
    (GROUP1, "ear.744_21.group1", ("CN", "KH", "MM", "NI", "VE"), "NI", "7A994", True),
    (GROUP1, "ear.744_21.group1", ("CN", "KH", "MM", "NI", "VE"), "DE", "7A994", True),
    (DDTC_KH, "itar.126_1.KH", "not_listed", "KH", "USML XI", True),
    ("It is the policy of the United States to deny licenses", "itar.126_1.BY", "listed", "BY",
     "USML XI", True),
]


@pytest.mark.parametrize("quote, rule, value, dest, cls, agrees", CASES)
def test_claim_and_quote_agree(quote, rule, value, dest, cls, agrees):
    assert supports(quote, Claim(rule, dest, cls, value)) is agrees
    assert quote_agrees(quote, rule, value, dest, cls) is agrees  # the independent checker


def test_a_glued_table_row_still_names_its_country():
    assert places_named(CHART_ROW_KH) == {"KH"}
    assert places_named("the U.S. Government") == frozenset()


class _Chunks:
    """An index that holds every file: the evidence step then decides by agreement alone."""

    def __init__(self):
        self.asked = []

    def chunks_by_source(self, source):
        self.asked.append(source)
        return []


def test_evidence_drops_a_quote_that_is_not_about_the_claim():
    trace = (TraceEntry("ear.at_only.eccns", date(2026, 1, 1), ["7A994", "9A991"], "ECCNs",
                        "2026-09-01_ecfr_ccl-usml-fragments_excerpt.md", HEADING_7A994),)
    verdict = Verdict(status=Status.NO_LICENSE_REQUIRED, rule_ids=("ear.at_only.eccns",),
                      trace=trace)
    facts = Facts(as_of=date(2026, 1, 1), destination="KH", classification="9A991")
    index = _Chunks()
    ev = evidence.rule_citations(verdict, index, claims=claims(verdict, facts))
    assert ev.citations == () and index.asked == []
    assert any("not about this destination or item" in n for n in ev.notes)
    seven = Facts(as_of=date(2026, 1, 1), destination="KH", classification="7A994")
    evidence.rule_citations(verdict, index, claims=claims(verdict, seven))
    assert index.asked == ["2026-09-01_ecfr_ccl-usml-fragments_excerpt.md"]  # looked up


def test_branches_claim_their_own_classification():
    """An unclassified 'aircraft parts' question: the 7A994/9A991 branches each claim their
    own ECCN, so the shared AT-only quote (the 7A994 heading) supports only the 7A994 one."""
    facts = Facts(as_of=date(2025, 6, 1), destination="KH", item="avionics", end_use="civil")
    verdict = evaluate(facts, load_rulebook())
    made = claims(verdict, facts)
    assert any(c.classification == "7A994" for c in made)
    branch = Branch({"classification": "9A991"}, Status.NO_LICENSE_REQUIRED,
                    rule_ids=("ear.at_only.eccns",))
    nine = Verdict(status=Status.NO_LICENSE_REQUIRED, branches=(branch,),
                   rule_ids=("ear.at_only.eccns",), trace=verdict.trace)
    (claim,) = claims(nine, facts)
    at_only = next(t for t in verdict.trace if t.rule_id == "ear.at_only.eccns")
    assert claim.classification == "9A991" and not supports(at_only.quote, claim)


REVIEW_A1 = ("Applications to export, reexport, or transfer (in-country) items described in "
             "paragraph (a)(1) of this section will be reviewed with a presumption of denial.")
REVIEW_A2 = ("Applications to export, reexport, or transfer (in-country) items described in "
             "paragraph (a)(2) of this section will be reviewed with a policy of denial except "
             "for food and medicine designated as EAR99")


@pytest.mark.parametrize("dest, own, other", [("RU", REVIEW_A2, REVIEW_A1), ("BY", REVIEW_A2, REVIEW_A1),
                                              ("KH", REVIEW_A1, REVIEW_A2), ("CN", REVIEW_A1, REVIEW_A2)])
def test_the_review_sentence_shown_is_the_one_of_the_destinations_paragraph(dest, own, other):
    """§ 744.21(e)(1) reviews (a)(1) items with a presumption of denial and (a)(2) items with a
    policy of denial: a Russia answer once showed the (a)(1) sentence under "policy of denial"."""
    facts = Facts(as_of=date(2026, 3, 1), destination=dest, classification="7A994",
                  end_use="military")
    verdict = evaluate(facts, load_rulebook())
    review = [c for c in claims(verdict, facts) if c.rule_id == "ear.744_21.review"]
    assert review, verdict.rule_ids
    assert any(supports(own, c) for c in review)
    assert not any(supports(other, c) for c in review)
