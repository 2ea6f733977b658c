"""`extract_facts` on many phrasings: names, aliases, demonyms, misspellings, lower case,
classifications, item words, end-use cues, dates, follow-ups and bad input."""
from __future__ import annotations

from datetime import date

import pytest

from bot.records import Facts
from bot.rules import FactsError, extract_facts

TODAY = date(2026, 11, 27)

# (question, expected facts: a subset of Facts fields; dates as ISO strings)
PHRASINGS = [
    # --- countries: names, forms, demonyms, capitals, case, misspellings
    ("Can we sell avionics to Cambodia?", {"destination": "KH", "item": "avionics"}),
    ("can we sell avionics to cambodia", {"destination": "KH", "item": "avionics"}),
    ("CAN WE SELL AVIONICS TO CAMBODIA?", {"destination": "KH", "item": "avionics"}),
    ("Avionics for the Kingdom of Cambodia", {"destination": "KH", "destination_name": "Cambodia"}),
    ("Shipping to a Cambodian airline", {"destination": "KH", "end_use": "civil",
                                         "end_user": "airline"}),
    ("Delivery to a customer in Phnom Penh", {"destination": "KH"}),
    ("Can we sell avionics to Cambodai?", {"destination": "KH"}),
    ("avionics to cambodai", {"destination": "KH"}),
    ("Export of flight instruments to Cambodja", {"destination": "KH", "item": "avionics"}),
    ("Can I ship to Kambodia?", {"destination": "KH"}),
    ("What about Combodia?", {"destination": "KH"}),
    ("Sales to Nicaragua", {"destination": "NI"}),
    ("a Nicaraguan distributor", {"destination": "NI"}),
    ("to Managua", {"destination": "NI"}),
    ("Exports to the People's Republic of China", {"destination": "CN"}),
    ("A Chinese customer wants 7A994 gear", {"destination": "CN", "classification": "7A994"}),
    ("Can we ship to the PRC?", {"destination": "CN"}),
    ("to Russia", {"destination": "RU"}),
    ("to the Russian Federation", {"destination": "RU"}),
    ("Belarusian buyer", {"destination": "BY"}),
    ("to Minsk", {"destination": "BY"}),
    ("Venezuela", {"destination": "VE"}),
    ("Burma or Myanmar?", {"destination": "MM"}),
    ("to Myanmar", {"destination": "MM"}),
    ("Can we sell to Iran?", {"destination": "IR"}),
    ("Tehran office", {"destination": "IR"}),
    ("North Korea", {"destination": "KP"}),
    ("the DPRK", {"destination": "KP"}),
    ("Cuba", {"destination": "CU"}),
    ("a Cuban hospital", {"destination": "CU", "end_use": "civil", "end_user": "hospital"}),
    ("Syria", {"destination": "SY"}),
    ("the Syrian Arab Republic", {"destination": "SY"}),
    ("to France", {"destination": "FR"}),
    ("to Viet Nam", {"destination": "VN"}),
    ("Can a US company sell avionics to Cambodia?", {"destination": "KH"}),
    ("Can we send it to South Korea?", {"destination": "KR"}),
    ("Côte d'Ivoire", {"destination": "CI"}),
    ("Can we sell avionics to Wakanda?", {"destination": None, "unknown_country": "Wakanda"}),
    ("Export drones to Atlantis in 2023", {"destination": None, "unknown_country": "Atlantis"}),
    ("Can we sell avionics to the army?", {"destination": None, "unknown_country": None,
                                           "end_use": "military"}),
    ("Can we ship grenades to them?", {"destination": None, "unknown_country": None}),
    # --- classifications
    ("Is 7A994 OK for Cambodia?", {"classification": "7A994"}),
    ("is 7a994 ok for cambodia", {"classification": "7A994"}),
    ("9A610.x parts to Cambodia", {"classification": "9A610.x"}),
    ("9a610.X parts", {"classification": "9A610.x"}),
    ("EAR99 items to Cambodia", {"classification": "EAR99"}),
    ("ear 99 items", {"classification": "EAR99"}),
    ("9A991.a aircraft to Cambodia", {"classification": "9A991.a"}),
    ("Category XI electronics to Cambodia", {"classification": "USML XI"}),
    ("USML XI to Cambodia", {"classification": "USML XI"}),
    ("usml xi to cambodia", {"classification": "USML XI"}),
    ("Cat. VIII(h) parts to Cambodia", {"classification": "USML VIII(h)"}),
    ("USML Category VIII(h) components", {"classification": "USML VIII(h)"}),
    ("ITAR-controlled avionics to Cambodia", {"classification": "USML", "item": "avionics"}),
    # --- item words (catalogue)
    ("flight instruments", {"item": "avionics"}),
    ("military avionics to Cambodia", {"item": "military avionics"}),
    ("civil avionics to Cambodia", {"item": "civil avionics", "end_use": None}),
    ("aircraft parts to Cambodia", {"item": "aircraft parts"}),
    ("spare parts for aircraft", {"item": "aircraft parts"}),
    ("night vision goggles for Cambodia", {"item": "night vision goggles"}),
    ("night vision devices for Cambodia", {"item": "night vision"}),
    ("a drone for Cambodia", {"item": "drone"}),
    ("UAVs", {"item": "drone"}),
    ("encryption software to China", {"item": "encryption software"}),
    ("avoinics to Cambodia", {"item": "avionics"}),
    # --- end use / end user cues
    ("avionics for the Cambodian army", {"end_use": "military", "end_user": "army"}),
    ("for the navy", {"end_use": "military", "end_user": "navy"}),
    ("for the Air Force", {"end_use": "military", "end_user": "air force"}),
    ("for the national police", {"end_use": "military", "end_user": "national police"}),
    ("for the Ministry of Defence", {"end_use": "military", "end_user": "ministry of defence"}),
    ("for the ministry of defense", {"end_use": "military", "end_user": "ministry of defense"}),
    ("for military use", {"end_use": "military", "end_user": None}),
    ("for an airline", {"end_use": "civil", "end_user": "airline"}),
    ("for civil use", {"end_use": "civil", "end_user": None}),
    ("for a hospital", {"end_use": "civil", "end_user": "hospital"}),
    ("for the intelligence service", {"end_use": "military-intelligence",
                                      "end_user": "intelligence service"}),
    ("for demining in Cambodia", {"end_use": "humanitarian-demining"}),
    ("for humanitarian mine action", {"end_use": "humanitarian-demining"}),
    ("our NGO customer clears landmines in Cambodia", {"end_use": "humanitarian-demining",
                                                       "destination": "KH"}),
    ("radar to clear minefields in Angola", {"end_use": "humanitarian-demining"}),
    ("an army unit removing mines in Cambodia", {"end_use": "humanitarian-demining"}),
    ("mining equipment for Cambodia", {"end_use": None}),
    # --- dates
    # a period's as_of is its last day up to today (TODAY); the period is kept in the facts
    ("Could we sell it in 2023?", {"as_of": "2023-12-31", "date_phrase": "2023",
                                   "period": {"start": "2023-01-01", "end": "2023-12-31",
                                              "phrase": "2023"}}),
    ("as of 1 June 2025", {"as_of": "2025-06-01"}),
    ("on 2025-11-06", {"as_of": "2025-11-06"}),
    ("on November 8, 2025", {"as_of": "2025-11-08"}),
    ("on 4 February 2026", {"as_of": "2026-02-04"}),
    ("in June 2025", {"as_of": "2025-06-30", "period": {"start": "2025-06-01",
                                                         "end": "2025-06-30",
                                                         "phrase": "June 2025"}}),
    ("last March", {"as_of": "2026-03-31", "date_phrase": "last March"}),
    ("last december", {"as_of": "2025-12-31"}),
    ("yesterday", {"as_of": "2026-11-26"}),
    ("two years ago", {"as_of": "2024-11-27"}),
    ("today", {"as_of": "2026-11-27"}),
    ("no date at all", {"as_of": "2026-11-27", "date_phrase": None}),
    ("avionics to Cambodia before the embargo was lifted", {"as_of": "2025-11-06"}),
    ("avionics to Cambodia after the embargo was lifted", {"as_of": "2025-11-07"}),
    ("avionics to Cambodia before the embargo was imposed", {"as_of": "2021-12-08"}),
    ("EAR99 to Syria before the embargo was lifted", {"as_of": "2025-09-01"}),
    ("USML XI to Cambodia during the embargo", {"as_of": "2025-11-06"}),
    ("Could we ship to Cambodia while the arms embargo was in place?", {"as_of": "2025-11-06"}),
    ("EAR99 to Cuba under the embargo", {"as_of": "2026-11-27"}),
    ("FR Doc. 2026-02262 says what about Cambodia?", {"as_of": "2026-11-27"}),
    ("avionics to Cambodia on 31/12/2025", {"as_of": "2025-12-31", "date_phrase": "31/12/2025"}),
    ("avionics to Cambodia on 12/31/2025", {"as_of": "2025-12-31"}),
    ("avionics to Cambodia on 28.11.2025", {"as_of": "2025-11-28"}),
    ("avionics to Cambodia on 2025/11/08", {"as_of": "2025-11-08"}),
    ("avionics to Cambodia on 05/05/2025", {"as_of": "2025-05-05"}),
    ("avionics to Cambodia in Q1 2024", {"as_of": "2024-03-31"}),
    # the future: answered on today's rules (as_of today), the period kept
    ("avionics to Cambodia tomorrow", {"as_of": "2026-11-27", "period": {
        "start": "2026-11-28", "end": "2026-11-28", "phrase": "tomorrow"}}),
    ("avionics to Cambodia next year", {"as_of": "2026-11-27", "period": {
        "start": "2027-01-01", "end": "2027-12-31", "phrase": "next year"}}),
    ("per 15 CFR 744.21(a)(1) and 22 CFR 126.1", {"as_of": "2026-11-27", "date_phrase": None}),
    # --- ISO codes of covered destinations, and words that are not places
    ("What's the licence requirement for ECCN 7A994 to KH?",
     {"destination": "KH", "unknown_country": None, "classification": "7A994"}),
    ("Can we ship EAR99 items to CN in 2023?", {"destination": "CN", "as_of": "2023-12-31"}),
    ("A US company selling 7A994 to KH", {"destination": "KH"}),
    ("Can we sell IR cameras to the army?", {"destination": None}),
    ("Can we export software for IT departments?", {"destination": None}),
    ("for the Cambodian Ministry of National Defence",
     {"destination": "KH", "end_use": "military", "end_user": "ministry of national defence"}),
    ("to the Cambodian military police", {"end_use": "military", "end_user": "military police"}),
    # --- negated cues, arrows, re-exports
    ("We are not selling to the military: 7A994 avionics for a Cambodian airline",
     {"end_use": "civil", "end_user": "airline", "destination": "KH"}),
    ("7A994 to Cambodia, no military end use", {"end_use": None}),
    ("Is no licence needed for the Chinese army?", {"end_use": "military", "end_user": "army"}),
    ("Is it not prohibited to sell avionics to the Cambodian army?",
     {"end_use": "military", "end_user": "army"}),
    ("Isn't a licence needed for the air force in Cambodia?",
     {"end_use": "military", "end_user": "air force"}),
    ("The end user is not the army but an airline", {"end_use": "civil", "end_user": "airline"}),
    ("need licence for 7A994 -> KH civil airline?", {"destination": "KH", "end_use": "civil"}),
    ("Our distributor in Singapore re-exports 7A994 to the Cambodian navy",
     {"destination": "KH", "end_use": "military", "end_user": "navy"}),
    ("Can we sell avionics to a customer in Cambodia?", {"destination": "KH"}),
    # --- outside US export controls
    ("What is the import duty in Cambodia on aircraft parts?",
     {"out_of_scope": "import duties and tariffs"}),
    ("What tariff does the US charge on drones imported from China?",
     {"out_of_scope": "import duties and tariffs"}),
    ("Under the EU dual-use regulation, do we need a licence for drones to Serbia?",
     {"out_of_scope": "another country's export-control law"}),
    ("Can we sell avionics to Cambodia?", {"out_of_scope": None}),
    ("Does our German arm need a German export licence for lidar to India?",
     {"out_of_scope": "another country's export-control law"}),
    ("Japan's export permit for lidar to Vietnam: needed?",
     {"out_of_scope": "another country's export-control law"}),
    ("Will the ECJU grant a licence for our drones?",
     {"out_of_scope": "another country's export-control law"}),
    ("Do we need a US export licence for 7A994 to Cambodia?", {"out_of_scope": None}),
    ("Do we need a BIS export licence to ship servers to China?", {"out_of_scope": None}),
    ("Do we need an export licence to Germany?", {"out_of_scope": None}),
    ("China export controls got tighter: can we still sell 3A001 to China?", {"out_of_scope": None}),
]


def _check(facts: Facts, expected: dict) -> None:
    got = facts.to_dict()
    for key, want in expected.items():
        assert got[key] == want, f"{key}: got {got[key]!r}, want {want!r} ({got})"


def test_enough_phrasings():
    assert len(PHRASINGS) >= 80


@pytest.mark.parametrize("question,expected", PHRASINGS, ids=[q for q, _ in PHRASINGS])
def test_phrasing(question, expected):
    _check(extract_facts(question, TODAY), expected)


def test_full_question():
    facts = extract_facts("Can we sell 7A994 avionics to the Cambodian air force as of "
                          "1 June 2025?", TODAY)
    assert (facts.destination, facts.classification, facts.item, facts.end_use,
            facts.end_user, facts.as_of) == ("KH", "7A994", "avionics", "military",
                                             "air force", date(2025, 6, 1))


def test_follow_up_changes_only_the_stated_fact():
    first = extract_facts("Can we sell avionics to Cambodia to an airline?", TODAY)
    army = extract_facts("what if the buyer is the army?", TODAY, previous=first)
    assert (army.destination, army.item, army.end_use, army.end_user) == (
        "KH", "avionics", "military", "army")
    back = extract_facts("and back in 2023?", TODAY, previous=army)
    assert (back.destination, back.item, back.end_use, back.as_of) == (
        "KH", "avionics", "military", date(2023, 12, 31))
    again = extract_facts("and to Nicaragua?", TODAY, previous=back)
    assert (again.destination, again.as_of, again.end_user) == ("NI", date(2023, 12, 31), "army")


def test_follow_up_new_item_drops_old_classification():
    first = extract_facts("7A994 to Cambodia", TODAY)
    second = extract_facts("what about night vision?", TODAY, previous=first)
    assert (second.item, second.classification) == ("night vision", None)


@pytest.mark.parametrize("bad,words", [
    ("", "empty"), ("   \n\t ", "empty"), ("on 2025-02-30", "not a real date"),
    ("on 2025-13-01", "not a real date"), ("as of 31 February 2025", "not a real date"),
    ("x" * 100_000, "too long"), ("before the embargo was lifted", "which country"),
    ("avionics to Cambodia on 01/06/2025", "ambiguous"), ("on 31/02/2025", "not a real date"),
    ("to France before the embargo was lifted", "no such embargo"),
    ("to France during the embargo", "no such embargo"), ("during the embargo", "which country"),
])
def test_bad_input_is_a_clear_error(bad, words):
    with pytest.raises(FactsError, match=words):
        extract_facts(bad, TODAY)
    assert issubclass(FactsError, ValueError)


def test_deterministic():
    q = "Can we sell avionics to the Cambodian army last March?"
    assert extract_facts(q, TODAY) == extract_facts(q, TODAY)


def test_question_limit_comes_from_settings(monkeypatch):
    monkeypatch.setenv("REGBOT_MAX_QUESTION_CHARS", "50")
    with pytest.raises(FactsError, match="the limit is 50"):
        extract_facts("avionics to Cambodia " * 5, TODAY)
    monkeypatch.setenv("REGBOT_MAX_QUESTION_CHARS", "5000")
    assert extract_facts("avionics to Cambodia " * 100, TODAY).destination == "KH"


def test_extract_facts_reads_by_the_rulebook_it_is_given(tmp_path):
    """An Answerer's own rulebook decides which item words a question names."""
    import shutil

    from bot.rules import load_rulebook
    from bot.rules.loader import RULEBOOK_DIR

    shutil.copytree(RULEBOOK_DIR, tmp_path / "rb")
    (tmp_path / "rb" / "zz_extra.yaml").write_text(
        "items:\n  - id: flux capacitor\n    words: [flux capacitors]\n    candidates:\n"
        "      - {classification: EAR99, citation: 15 CFR 734.3(c), verified: false}\n",
        encoding="utf-8")
    own = load_rulebook(tmp_path / "rb")
    question = "Can we sell flux capacitors to Cambodia?"
    assert extract_facts(question, TODAY, rulebook=own).item == "flux capacitor"
    assert extract_facts(question, TODAY).item is None


def test_one_question_validator_with_one_limit(monkeypatch):
    from bot.answer import QuestionError, clean_question

    monkeypatch.setenv("REGBOT_MAX_QUESTION_CHARS", "60")
    text = "Can we sell avionics to Cambodia? " * 2  # 68 characters
    with pytest.raises(QuestionError, match="the limit is 60"):
        clean_question(text)
    with pytest.raises(FactsError, match="the limit is 60"):
        extract_facts(text, TODAY)
    assert issubclass(FactsError, QuestionError)
    monkeypatch.delenv("REGBOT_MAX_QUESTION_CHARS")
    assert extract_facts("avionics to Cambodia " * 95, TODAY).destination == "KH"  # 1,995
    with pytest.raises(FactsError, match="the limit is 2,000"):
        extract_facts("avionics to Cambodia " * 96, TODAY)


@pytest.mark.parametrize("separator", ["\u0085", "\u2028", "\u2029", "\x1c", "\x1f"])
def test_separators_inside_a_question_keep_its_words_apart(separator):
    """A line or record separator is not a character to delete: the words on either side
    stay words, so the destination is still found."""
    from bot.question import clean_question
    from bot.rules import extract_facts

    text = clean_question(f"Can we sell avionics{separator}to{separator}Cambodia?")
    assert "avionics to Cambodia" in " ".join(text.split())
    assert extract_facts(text, date(2026, 12, 1)).destination == "KH"
