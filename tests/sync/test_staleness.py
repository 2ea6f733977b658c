"""The staleness model, pure: CFR references, amendatory instructions, alarms, the core's flag."""
from __future__ import annotations

import dataclasses
import json
from datetime import date

from regbot_paths import SHARED

from bot.records import Facts, Status
from bot.rules import load_rulebook
from bot.rules.engine import evaluate
from bot.rules.review import TABLES, UnderReview
from bot.sync.amend import amendments
from bot.sync.feed import FrDocument, SyncedDoc
from bot.sync.refs import CfrRef, cited_refs, rests_on
from bot.sync.staleness import check

CRAWL = SHARED / "scale" / "earcrawler-2026" / "fr_paragraphs.jsonl"


def _paragraphs(number: str) -> list[str]:
    rows = [json.loads(line) for line in CRAWL.read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in sorted((r for r in rows if r["document_number"] == number),
                                      key=lambda r: r["paragraph_index"])]


def _doc(number: str, published: date, paras: list[str], kind: str = "Rule") -> SyncedDoc:
    document = FrDocument(number, f"FR Doc. {number}", kind, published, published,
                          ("industry-and-security-bureau",))
    return SyncedDoc(document, amendments(paras), "0" * 64, f"documents/{number}.txt")


def test_citations_name_the_sections_and_supplements_values_rest_on():
    assert cited_refs("15 CFR part 740, Supp. No. 1, Note to Country Group D:5") == (
        CfrRef(15, 740, supplement=1),)
    assert cited_refs("15 CFR 744.21(a)(1) (Cambodia added by 86 FR 70015)") == (
        CfrRef(15, 744, section="744.21"),)
    assert cited_refs("22 CFR 126.1 (Cambodia removed in 1994)") == (CfrRef(22, 126, section="126.1"),)
    assert cited_refs("86 FR 70015 (FR Doc. 2021-26633)") == ()
    # a value cited only to a Federal Register rule still records where in the CFR it lives
    assert rests_on("ear.d5.table.KH", "FR Doc. 2026-02262") == (CfrRef(15, 740, supplement=1),)
    assert rests_on(TABLES, "")[0] == CfrRef(15, 738, supplement=1)


def test_every_rule_value_of_the_rulebook_rests_on_some_cfr_provision():
    rulebook = load_rulebook()
    bare = [(r.id, v.citation) for r in rulebook.rules.values() for v in r.values
            if not rests_on(r.id, v.citation)]
    assert not bare, bare


def test_overlap_is_by_section_or_supplement_or_whole_part():
    supp1, supp4 = CfrRef(15, 740, supplement=1), CfrRef(15, 740, supplement=4)
    assert supp1.overlaps(CfrRef(15, 740)) and not supp1.overlaps(supp4)
    assert CfrRef(15, 744, section="744.21").overlaps(CfrRef(15, 744, section="744.21"))
    assert not CfrRef(15, 744, section="744.21").overlaps(CfrRef(15, 744, section="744.22"))
    assert not CfrRef(22, 126, section="126.1").overlaps(CfrRef(15, 126, section="126.1"))


def test_the_cambodia_rule_amends_the_cambodia_entry_of_supplement_1_to_part_740():
    found = amendments(_paragraphs("2026-02262"))
    assert [(a.target, a.entries) for a in found] == [
        (CfrRef(15, 740, supplement=1), frozenset({"KH"}))]
    assert "revising the entry for Cambodia" in found[0].instruction


def _without_2026_values(rulebook):
    """The rulebook as it was before FR Doc. 2026-02262: Cambodia's D:5 'X' still open-ended."""
    rule = rulebook.rules["ear.d5.table.KH"]
    first = dataclasses.replace(rule.values[0], valid_until=None, note=None,  # before the rule:
                                citation=rule.values[0].citation.replace("; FR Doc. 2026-02262", ""))
    rules = {**rulebook.rules, rule.id: dataclasses.replace(rule, values=(first,))}
    return dataclasses.replace(rulebook, rules=rules)


def test_the_cambodia_rule_puts_only_the_stale_cambodia_value_under_review():
    doc = _doc("2026-02262", date(2026, 2, 3), _paragraphs("2026-02262"))
    current = load_rulebook()
    # the shipped rulebook already holds the value this document set (it cites it): no alarm
    assert not [a for a in check(current, [doc]) if a.rule_id.startswith("ear.d5.table")]
    alarms = check(_without_2026_values(current), [doc])
    d5 = [a for a in alarms if a.rule_id == "ear.d5.table.KH"]
    assert len(d5) == 1 and d5[0].value_from == date(2021, 12, 9) and d5[0].document == "2026-02262"
    assert d5[0].amends == "15 CFR part 740, Supp. No. 1"
    ids = {a.rule_id for a in alarms}
    assert "ear.d5.table.NI" not in ids and "ear.d1.NI" not in ids  # another entry's rows
    assert "ear.d5.note" not in ids  # the instruction revises an entry, not the note
    assert check(_without_2026_values(current), [doc]) == alarms  # deterministic ids


def test_a_notice_or_an_older_document_raises_nothing():
    paras = _paragraphs("2026-02262")
    stale = _without_2026_values(load_rulebook())
    assert not [a for a in check(stale, [_doc("2026-02262", date(2026, 2, 3), paras, "Notice")])
                if a.rule_id == "ear.d5.table.KH"]
    assert not [a for a in check(stale, [_doc("2021-00001", date(2021, 12, 1), paras)])
                if a.rule_id == "ear.d5.table.KH"]


def test_a_table_snapshot_goes_under_review_when_a_later_rule_amends_the_chart():
    paras = ["1. Supplement No. 1 to part 738 is amended by revising the entry for Cambodia."]
    later = _doc("2026-30001", date(2026, 9, 10), paras)
    alarms = check(load_rulebook(), [later], ["2026-07-23"])
    assert [(a.rule_id, a.value_from) for a in alarms if a.rule_id == TABLES] == [
        (TABLES, date(2026, 7, 23))]
    # a newer snapshot kept: the older one is not the table in force any more
    assert not [a for a in check(load_rulebook(), [later], ["2026-07-23", "2026-09-20"])
                if a.rule_id == TABLES]


def _review(rule_id: str, value_from=None) -> UnderReview:
    return UnderReview("abc123", rule_id, value_from, "FR Doc. 2026-99999", date(2026, 3, 1),
                       "15 CFR 734.3")


def test_the_rules_core_never_gives_no_licence_required_on_a_value_under_review():
    facts = Facts(destination="KH", classification="EAR99", end_use="civil",
                  as_of=date(2026, 3, 1))
    rulebook = load_rulebook()
    clear = evaluate(facts, rulebook)
    assert clear.status == Status.NO_LICENSE_REQUIRED and "ear.ear99.no_licence" in clear.rule_ids
    flagged = evaluate(facts, dataclasses.replace(rulebook,
                                                  reviews=(_review("ear.ear99.no_licence"),)))
    assert flagged.status == Status.DEPENDS
    assert any("FR Doc. 2026-99999" in r and "Under review" in r for r in flagged.reasons)
    # an alarm about another value of the rule (another period) changes nothing
    other = dataclasses.replace(rulebook, reviews=(_review("ear.ear99.no_licence", date(1990, 1, 1)),))
    assert evaluate(facts, other).status == Status.NO_LICENSE_REQUIRED
