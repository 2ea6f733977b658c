"""End users in verdicts (issue 10 point 4): a military or intelligence end user outranks a
declared civil use, listed entities decide as their list says, an organisation whose kind its
name does not tell is asked about, never read as civil. Questions in, verdicts out: the facts
are read by `extract_facts` (no model) and decided by the engine over the real list."""
from __future__ import annotations

from datetime import date

import pytest

from bot.records import Status
from bot.rules import evaluate, extract_facts, load_rulebook

TODAY = date(2026, 12, 1)
AT_LEAST_LICENCE = Status.LICENSE_REQUIRED.rank


def ask(question: str):
    facts = extract_facts(question, TODAY)
    return facts, evaluate(facts, load_rulebook())


# (question, destination, the least severe status the law allows)
FORCES = [
    # the issue's own two phrasings
    ("Can we sell 7A994 avionics to the PLA for civilian disaster relief?", "CN", None),
    ("7A994 avionics to the Cambodian border guard for civil search and rescue", "KH", None),
    # other national forces, by name, acronym and local spelling; each with a civil use
    ("Can we ship 9A991 aircraft parts to the Tatmadaw for humanitarian flights?", "MM", None),
    ("7A994 transponders for the RCAF's flood relief work", "KH", None),
    ("Can we sell 7A994 GPS units to the FANB for disaster relief?", "VE", None),
    ("EAR99 laptops for the IRGC's civilian hospital", "IR", Status.PROHIBITED),
    ("EAR99 radios for Rosgvardia for humanitarian use", "RU", Status.PROHIBITED),
    ("Can we sell 9A991 helicopter parts to the Venezuelan National Guard for flood relief?",
     "VE", None),
    ("9A991 parts for the People's Armed Police for disaster relief", "CN", None),
    ("7A994 avionics to the Nicaraguan army for civil search and rescue", "NI", None),
    ("Can we export 9A991 spares to the Royal Cambodian Armed Forces for civilian medevac?",
     "KH", None),
    ("7A994 avionics for the Myanmar Navy's search and rescue flights", "MM", None),
    # police, gendarmerie, border and coast guards
    ("7A994 avionics to the Cambodian national police for civil aviation training", "KH", None),
    ("The Gendarmerie Royale Khmère wants 7A994 radios for civil use", "KH", None),
    ("9A991 parts for the Chinese coast guard's search and rescue helicopters", "CN", None),
    ("7A994 avionics for Myanmar's border guard police, purely civilian use", "MM", None),
    # ministries of defence and of the interior, intelligence services
    ("7A994 avionics for the Ministerio del Poder Popular para la Defensa in Venezuela, for "
     "civil flights", "VE", None),
    ("Can we sell 9A991 parts to the Cambodian Ministry of Interior for civil use?", "KH", None),
    ("7A994 avionics for the Chinese Ministry of State Security, civilian use only", "CN", None),
    ("Can we sell 7A994 to Venezuela's DGCIM for civil purposes?", "VE", None),
    # defence universities and research institutes
    ("7A994 flight simulators for the National University of Defense Technology, for academic "
     "research", "CN", None),
    ("Can we sell 9A991 parts to the Cambodian army's defence research institute for "
     "scientific research?", "KH", None),
]


@pytest.mark.parametrize("question, destination, least", FORCES, ids=[q for q, _, _ in FORCES])
def test_a_military_end_user_outranks_the_civil_use(question, destination, least):
    facts, verdict = ask(question)
    assert facts.destination == destination
    assert facts.end_user_kind in ("military", "military-intelligence"), facts
    assert facts.end_use in ("military", "military-intelligence"), facts
    assert verdict.status.rank >= (least or Status.LICENSE_REQUIRED).rank, verdict.reasons


# listed entities from the real list (../shared/screening/csl.jsonl, 2026-07-31)
LISTED = [
    ("Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?",
     Status.LICENSE_REQUIRED, "EL"),
    ("Our customer is Harbin Institute of Technology: can we ship EAR99 lab pumps to China for "
     "academic research?", Status.LICENSE_REQUIRED, "EL"),
    ("Can we sell 7A994 avionics to Huawei Technologies in China for civil use?",
     Status.LICENSE_REQUIRED, "EL"),
    ("Can we ship EAR99 pumps to Try Pheap Group in Cambodia?", Status.PROHIBITED, "SDN"),
    ("EAR99 spare parts for Shuttle Long Co, Ltd. in China, for civil use?", Status.PROHIBITED,
     "DPL"),
    ("Can we sell 9A991 parts to the Academy of Aerospace Solid Propulsion Technology in "
     "China for civil research?", Status.LICENSE_REQUIRED, "MEU"),
]


@pytest.mark.parametrize("question, least, list_code", LISTED, ids=[q for q, _, _ in LISTED])
def test_a_listed_entity_needs_at_least_a_licence(question, least, list_code):
    facts, verdict = ask(question)
    assert facts.parties, facts
    assert verdict.status.rank >= least.rank, verdict.reasons
    assert any(h.list_code == list_code for h in verdict.screening.flagged)


def test_an_unverified_list_entry_is_never_cleared():
    _, verdict = ask("Can we ship EAR99 pumps to Avant Science Co., Ltd. in China?")
    assert verdict.status == Status.DEPENDS and "UVL statement" in " ".join(verdict.reasons)


def test_enough_phrasings():
    assert len(FORCES) + len(LISTED) >= 20


@pytest.mark.parametrize("question", [
    "Can we sell 7A994 avionics to Phnom Penh Technical University for civil use?",
    "Can we sell 7A994 avionics to the Royal University of Phnom Penh for teaching?",
    "Can we sell 9A991 parts to Mekong Aviation Services Co., Ltd. in Cambodia for civil use?",
])
def test_an_organisation_of_unknown_kind_is_asked_about_never_civil(question):
    facts, verdict = ask(question)
    assert facts.end_user_kind == "unknown" and facts.parties
    assert verdict.status == Status.DEPENDS, verdict.reasons
    assert verdict.missing_facts == ("end_user_kind",)
    assert "military end user" in verdict.clarifying_questions[0]
    by_kind = {b.conditions["end_user_kind"]: b.status for b in verdict.branches}
    assert by_kind == {"civil": Status.NO_LICENSE_REQUIRED, "military": Status.LICENSE_REQUIRED}


def test_a_university_in_a_name_says_nothing_by_itself():
    facts = extract_facts("EAR99 laptops for a university in Cambodia", TODAY)
    assert facts.end_use is None and facts.end_user_kind == "unknown"
    facts = extract_facts("7A994 for the Cambodian Defence University", TODAY)
    assert facts.end_user_kind == "military" and facts.end_use == "military"


def test_a_role_word_names_no_organisation():
    """"a customer in Phnom Penh" says nobody: today's stated-use behaviour stands."""
    facts = extract_facts("Can we sell 7A994 avionics to a customer in Cambodia for civil use?",
                          TODAY)
    assert (facts.end_use, facts.end_user_kind, facts.parties) == ("civil", None, ())
    assert evaluate(facts, load_rulebook()).status == Status.NO_LICENSE_REQUIRED


def test_a_button_can_settle_the_kind():
    """Branch conditions are facts: setting end_user_kind re-evaluates without a question."""
    from dataclasses import replace

    facts, _ = ask("Can we sell 7A994 avionics to Phnom Penh Technical University?")
    civil = evaluate(replace(facts, end_user_kind="civil"), load_rulebook())
    military = evaluate(replace(facts, end_user_kind="military"), load_rulebook())
    assert (civil.status, military.status) == (Status.NO_LICENSE_REQUIRED,
                                               Status.LICENSE_REQUIRED)


def test_a_follow_up_names_the_buyer_and_it_is_screened():
    first = extract_facts("Can we sell EAR99 pumps to Cambodia?", TODAY)
    assert first.parties == ()
    second = extract_facts("the buyer is Try Pheap Group", TODAY, previous=first)
    assert (second.destination, second.classification, second.parties) == (
        "KH", "EAR99", ("Try Pheap Group",))
    assert evaluate(second, load_rulebook()).status == Status.PROHIBITED
    third = extract_facts("and in 2023?", TODAY, previous=second)  # the buyer stays
    assert third.parties == ("Try Pheap Group",)


def test_with_end_user_classifies_and_screens_a_front_ends_value():
    from bot.records import Facts
    from bot.rules.end_user_facts import with_end_user

    base = Facts(as_of=TODAY, destination="KH", classification="7A994", end_use="civil")
    army = with_end_user(base, "army")
    assert (army.end_user_kind, army.parties, army.end_use) == ("military", (), "civil")
    assert evaluate(army, load_rulebook()).status == Status.LICENSE_REQUIRED  # outranked
    named = with_end_user(base, "acme trading")  # lower case: screened all the same
    assert (named.end_user_kind, named.parties) == ("unknown", ("acme trading",))
    listed = with_end_user(base, "Try Pheap Group")
    assert evaluate(listed, load_rulebook()).status == Status.PROHIBITED
