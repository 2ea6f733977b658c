"""A question naming several destinations: one is evaluated, the others are named, never dropped silently."""
from __future__ import annotations

from datetime import date

import pytest

from bot.compose import compose_text
from bot.rules import evaluate, extract_facts, load_rulebook

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize("question, destination, others", [
    ("Can we sell avionics to Cambodia and Vietnam?", "KH", ("VN",)),
    ("ship drones to China, Russia and Iran", "CN", ("RU", "IR")),
    ("avionics to Laos, Burma or Cambodia?", "LA", ("MM", "KH")),
    ("Can we sell avionics to Cambodia?", "KH", ()),
    ("distributor in Singapore re-exports to the Cambodian navy", "KH", ()),
    ("US company exporting 7A994 to Cambodia", "KH", ()),
])
def test_co_destinations(question, destination, others):
    facts = extract_facts(question, TODAY)
    assert facts.destination == destination and facts.other_destinations == others


def test_answer_text_says_which_destinations_it_did_not_cover():
    facts = extract_facts("Can we sell avionics to Cambodia and Vietnam?", TODAY)
    text = compose_text(facts, evaluate(facts, load_rulebook()), ())
    assert "covers Cambodia only" in text and "Vietnam (VN)" in text
