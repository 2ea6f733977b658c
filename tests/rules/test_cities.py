"""A question that names a city, not a country: the city's country, or no guess at all."""
from __future__ import annotations

from datetime import date

import pytest

from bot.rules import evaluate, load_rulebook
from bot.rules.cities import city_table
from bot.rules.datasets import build_cities
from bot.rules.facts import extract_facts

DAY = date(2026, 12, 1)


def test_the_shipped_table_is_what_the_build_makes():
    assert build_cities.OUT.read_text(encoding="utf-8") == build_cities.render(build_cities.build())


def test_only_unambiguous_sizeable_cities():
    table = city_table()
    assert 3000 < len(table) < 10000
    assert table["Siem Reap"] == "KH" and table["Shanghai"] == "CN" and table["Dubai"] == "AE"
    # names shared with another sizeable city are left out: the question asks for the country
    for shared in ("Hyderabad", "Victoria", "Reading", "Hamilton", "San Jose", "Orange"):
        assert shared not in table


@pytest.mark.parametrize("question, destination", [
    ("Replacement 9A991 parts for a pilot based in Siem Reap - do we need a licence?", "KH"),
    ("EAR99 software for a company in Shanghai?", "CN"),
    ("Can we ship servers to a distributor in Ho Chi Minh City?", "VN"),
    ("Ship from Austin to a customer in Dubai", "AE"),       # "to" outranks "from"
    ("Avionics for a customer in Shanghai, re-exported to Cambodia", "KH"),  # a country wins
    ("Mobile phones to a company in Germany?", "DE"),         # "Mobile" is no place here
])
def test_a_city_stands_for_its_country(question, destination):
    assert extract_facts(question, DAY).destination == destination


@pytest.mark.parametrize("question, unknown", [
    ("Mobile phones to a company in Hyderabad?", "Hyderabad"),  # India or Pakistan: ask
    ("Export drones to Atlantis in 2023", "Atlantis"),          # a small town is no guess
])
def test_no_guess_for_ambiguous_or_small_places(question, unknown):
    facts = extract_facts(question, DAY)
    assert facts.destination is None and facts.unknown_country == unknown
    assert evaluate(facts, load_rulebook()).status == "cannot_determine"


def test_a_city_is_not_a_party_but_a_longer_name_still_is():
    facts = extract_facts("Can we sell 7A994 avionics to a private pilot in Siem Reap?", DAY)
    assert facts.parties == () and facts.end_user is None
    listed = extract_facts("Can we sell EAR99 items to Shanghai Micro Electronics Equipment?", DAY)
    assert listed.destination == "CN"
    assert listed.parties == ("Shanghai Micro Electronics Equipment",)  # still screened
