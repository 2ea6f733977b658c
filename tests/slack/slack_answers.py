"""Hand-built Answer records for rendering tests (no index, no rules needed)."""
from __future__ import annotations

from datetime import date

from bot.records import Answer, Branch, Citation, Facts, PartyHit, Screening, Verdict

AS_OF = date(2026, 2, 20)


def depends_answer(log_id: int | None = 41) -> Answer:
    facts = Facts(as_of=AS_OF, destination="KH", destination_name="Cambodia", item="avionics")
    verdict = Verdict(
        status="depends",
        reasons=("Cambodia is no longer on the ITAR § 126.1 list; licences are reviewed case by case.",
                 "If classification is USML XI: licence required."),
        branches=(
            Branch({"classification": "USML XI"}, "license_required", ("itar.126_1.kh",),
                   ("ITAR licence, case-by-case review",)),
            Branch({"classification": "7A994", "end_use": "civil"}, "no_license_required",
                   ("ear.744_21",), ("No military end use",)),
            Branch({"classification": "7A994", "end_use": "military"}, "license_required",
                   ("ear.744_21",), ("§ 744.21 military end use & users <Cambodia>",)),
        ),
        missing_facts=("classification", "end_use"),
        clarifying_questions=("Is the item ITAR (USML) or EAR (e.g. 7A994)?",
                              "Is the end user civil or military?"),
        rule_ids=("itar.126_1.kh", "ear.744_21"),
        unverified=("ear.744_21",),
    )
    citations = (
        Citation(key="c1", source="2025-11-12_state.txt", locator="22 CFR 126.1(o)",
                 citation="90 FR 50489", quote="Cambodia is removed from paragraph (d)(1).",
                 rule_ids=("itar.126_1.kh",), url="https://www.federalregister.gov/d/2025-20001"),
        Citation(key="c2", source="2026-02-10_ecfr_15cfr744.21.md", locator="15 CFR 744.21(a)",
                 citation=None, quote="A license is required for items subject to the EAR when "
                 "you have knowledge that the item is intended for a military end use.",
                 rule_ids=("ear.744_21",)),
        Citation(key="c3", source="internal-memo.txt", locator="internal-memo.txt ¶2", citation=None,
                 quote="Internal guidance: escalate all Cambodia deals.", visibility="internal"),
    )
    return Answer(question="Can we sell avionics to Cambodia?", as_of=AS_OF, facts=facts,
                  verdict=verdict, citations=citations,
                  text="It depends on how the avionics are classified and who the end user is.",
                  log_id=log_id)


def prohibited_answer() -> Answer:
    facts = Facts(as_of=date(2023, 3, 1), destination="KH", destination_name="Cambodia",
                  item="rifles", classification="USML I")
    verdict = Verdict(status="prohibited", reasons=("Policy of denial under 22 CFR 126.1(o).",),
                      rule_ids=("itar.126_1.kh",))
    citations = (Citation(key="c9", source="2021-12-09_state.txt", locator="22 CFR 126.1(o)",
                          citation="86 FR 70047", quote="It is the policy of the United States to deny "
                          "licenses ... destined for Cambodia.",
                          url="https://www.federalregister.gov/d/2021-26723"),)
    return Answer(question="Can we sell rifles to Cambodia in 2023?", as_of=date(2023, 3, 1),
                  facts=facts, verdict=verdict, citations=citations, log_id=7)


def huge_answer(n_citations: int = 80) -> Answer:
    base = depends_answer()
    quote = "word " * 900  # 4,500 characters each
    citations = tuple(Citation(key=f"k{i}", source=f"doc{i}.md", locator=f"§ {i}", citation=f"{i} FR {i}",
                               quote=quote, url=f"https://example.org/{i}") for i in range(n_citations))
    return Answer(question="x" * 5000, as_of=base.as_of, facts=base.facts, verdict=base.verdict,
                  citations=citations, text="Long. " * 2000, log_id=1)


BAAI_HIT = PartyHit(
    query="Beijing Academy of Artificial Intelligence", name="Beijing Academy of Artificial Intelligence",
    list="Entity List (EL) - Bureau of Industry and Security", list_code="EL", band="exact", score=100.0,
    matched="exact on name 'Beijing Academy of Artificial Intelligence', country matches",
    status="license_required", citation="15 CFR 744.11(a)", countries=("CN",),
    license_requirement="For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4",
    license_policy="Presumption of denial", federal_register_notice="90 FR 14046")


def listed_answer(log_id: int | None = 12) -> Answer:
    """An answer resting on an Entity List hit (as the engine records it, Verdict.screening)."""
    facts = Facts(as_of=AS_OF, destination="CN", destination_name="China", classification="EAR99",
                  end_user="Beijing Academy of Artificial Intelligence", end_user_kind="unknown",
                  parties=("Beijing Academy of Artificial Intelligence",))
    near = PartyHit(query="Beijing Academy of Artificial Intelligence", name="Beijing Academy <AI> & Co",
                    list="Specially Designated Nationals (SDN) - Treasury Department", list_code="SDN",
                    band="near", score=80.0, matched="partial 80", status="depends",
                    citation="31 CFR 594.204")
    verdict = Verdict(status="license_required", reasons=("On the Entity List: a licence for all items.",),
                      rule_ids=("csl.list", "csl:EL:Beijing Academy of Artificial Intelligence"),
                      screening=Screening(parties=facts.parties, list_date="2026-07-31",
                                          list_source="trade.gov", hits=(BAAI_HIT, near)))
    return Answer(question="Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?",
                  as_of=AS_OF, facts=facts, verdict=verdict, log_id=log_id)


def unscreened_answer() -> Answer:
    facts = Facts(as_of=AS_OF, destination="KH", destination_name="Cambodia", classification="EAR99")
    verdict = Verdict(status="no_license_required", reasons=("EAR99 needs no licence to Cambodia.",),
                      screening=Screening())
    return Answer(question="EAR99 pumps to Cambodia?", as_of=AS_OF, facts=facts, verdict=verdict)
