"""The brief's pure parts (bot.plain, bot.brief) on hand-made records."""
from __future__ import annotations

from datetime import date

from bot import brief as b
from bot.plain import bottom_line, branch_groups, plain_reason
from bot.records import Answer, Branch, Citation, Facts, Screening, Verdict

FACTS = Facts(as_of=date(2026, 12, 1), destination="KH", destination_name="Cambodia", item="avionics")


def answer(verdict: Verdict, citations=(), **kw) -> Answer:
    return Answer(question="q", as_of=FACTS.as_of, facts=kw.pop("facts", FACTS), verdict=verdict,
                  citations=tuple(citations), **kw)


def test_bottom_line_per_status_names_the_agency_and_what_to_do():
    assert bottom_line(answer(Verdict("no_license_required", rule_ids=("ear-table:chart:KH",)))) == (
        "Yes — no licence needed; screen the buyer first.")
    screened = Verdict("no_license_required", screening=Screening(parties=("Angkor Air",)))
    assert "screened" in bottom_line(answer(screened)) and "first" not in bottom_line(answer(screened))
    assert bottom_line(answer(Verdict("license_required", rule_ids=("ear.744_21.group1",)))) == (
        "Needs a licence from BIS (Commerce) — talk to compliance before quoting.")
    assert "DDTC (State)" in bottom_line(answer(Verdict("license_required", rule_ids=("itar.126_1.KH",))))
    assert bottom_line(answer(Verdict("prohibited", rule_ids=("ear.embargo.IR",)))) == "No — prohibited."
    one = Verdict("depends", missing_facts=("end_use",))
    assert bottom_line(answer(one)) == "It depends on one thing: the end use."
    two = Verdict("depends", missing_facts=("classification", "end_use"))
    assert bottom_line(answer(two)).startswith("It depends on two things: the item's classification")
    unknown = Facts(as_of=FACTS.as_of, destination="KH", destination_name="Cambodia")
    assert bottom_line(answer(Verdict("cannot_determine"), facts=unknown)) == (
        "Can't decide yet — tell me what the item is.")


def test_plain_reason_drops_citations_dates_and_bookkeeping():
    assert plain_reason("All 2 possible cases give the same answer.") is None
    assert plain_reason("Unconfirmed: this verdict rests on ear.x (15 CFR 1).") is None
    assert plain_reason("Cambodia is not on the ITAR § 126.1 list on 2026-12-02 (90 FR 50489): "
                        "applications are reviewed case by case.") == (
        "Cambodia is not on the ITAR § 126.1 list: applications are reviewed case by case.")
    row = ("No License Requirements row of 7A994 that covers 7A994 has an X for Cambodia (“7A994 — AT "
           "applies to entire entry — AT Column 1.”: Cambodia · AT 1: no X): no licence is required "
           "(15 CFR 738.4). Besides: embargoes are checked by the other rules.")
    assert plain_reason(row) == ("The Commerce Country Chart shows no licence requirement for 7A994 "
                                 "to Cambodia.")


def test_branches_group_by_classification_most_severe_first():
    verdict = Verdict("depends", branches=(
        Branch({"classification": "7A994", "end_use": "civil"}, "no_license_required", ("t1",)),
        Branch({"classification": "7A994", "end_use": "military"}, "license_required", ("ear.meu",)),
        Branch({"classification": "USML XI"}, "license_required", ("itar.kh",)),
        Branch({"classification": "USML VIII(h)"}, "license_required", ("itar.kh",))))
    lines = [text for text, _ in branch_groups(verdict)]
    assert len(lines) == 2 and lines[1] == (
        "If USML XI (ITAR) or USML VIII(h) (ITAR): needs a licence from DDTC (State).")
    assert lines[0] == ("If 7A994: for civil use, no licence needed (screen the buyer first); "
                        "for military use, needs a licence from BIS (Commerce).")
    worse = Verdict("depends", branches=(*verdict.branches, Branch({"classification": "9A610.x"},
                                                                   "prohibited", ("ear.d5",))))
    assert branch_groups(worse)[0] == ("If 9A610.x: prohibited.", ("ear.d5",))  # most severe first


def test_quote_is_one_clean_sentence_of_primary_text_with_its_span_narrowed():
    source = ("[EXCERPT ONLY — see the full rule] VerDate Sep<11>2014 Jkt 001 Frm 3 Fmt 4700.\n"
              "Cambodia is removed from paragraph (o) of this section. Other text follows here.")
    cite = Citation(key="k", source="s.md", locator="22 CFR 126.1", citation="90 FR 50489",
                    quote=source, rule_ids=("itar.126_1.KH",), span=(100, 100 + len(source)),
                    trust="primary")
    narrowed = b.best_sentence(cite, answer(Verdict("license_required")), None)
    assert narrowed.quote == "Cambodia is removed from paragraph (o) of this section."
    start = source.index(narrowed.quote)
    assert narrowed.span == (100 + start, 100 + start + len(narrowed.quote))


def test_only_primary_quotes_of_shown_reasons_and_the_budget_holds():
    long = "Cambodia " + "is a word in a sentence about licences " * 8 + "."
    cites = [Citation(key="n", source="news.txt", locator="¶1", citation=None, quote="Cambodia is fine now says a minister.",
                      rule_ids=("itar.kh",), trust="commentary"),
             Citation(key="p", source="rule.md", locator="22 CFR 126.1", citation="22 CFR 126.1",
                      quote="Cambodia applications are reviewed case by case.", rule_ids=("itar.kh",),
                      span=(0, 49), trust="primary"),
             Citation(key="l", source="rule.md", locator="x", citation="x", quote=long, rule_ids=("ear.x",),
                      span=(0, len(long)), trust="primary")]
    verdict = Verdict("license_required", reasons=("A DDTC licence is needed (22 CFR 126.1).",),
                      rule_ids=("itar.kh",))
    short = b.brief(answer(verdict, cites))
    assert [q.key for q in short.quotes] == ["p"]  # not the news, not the quote of an unshown rule
    assert short.reason_lines() == ["• A DDTC licence is needed. [1]"]
    assert b.total_lines(short, 1) <= b.MAX_LINES
