"""Names in a question worth screening — and the words that are not parties."""
from __future__ import annotations

import pytest

from bot.screening import find_party_mentions, screen


@pytest.mark.parametrize("question, expected", [
    ("Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?",
     ["Beijing Academy of Artificial Intelligence"]),
    ("Can we ship 7A994 avionics to Try Pheap Group in Cambodia?", ["Try Pheap Group"]),
    ("Our buyer is Huawei Technologies, is that ok?", ["Huawei Technologies"]),
    ('Can we ship routers to "Acme Trading" next week?', ["Acme Trading"]),
    ("Can we ship routers to “Mekong Star Logistics”?", ["Mekong Star Logistics"]),
    ("the end user is Phnom Penh Precision Machining", ["Phnom Penh Precision Machining"]),
    ("We want to sell flight instruments to Mekong Aviation Services Co., Ltd. in Phnom Penh.",
     ["Mekong Aviation Services Co., Ltd"]),
    ("Is HUAWEI on any list?", ["HUAWEI"]),
    ("Can Siemens AG buy our EAR99 pumps?", ["Siemens AG"]),
    ("Our customer called Sunrise Medical Supplies wants 10 units", ["Sunrise Medical Supplies"]),
    ("Selling GPS receivers via Golden Harvest Grain Merchants to Laos",
     ["Golden Harvest Grain Merchants"]),
    ("Can we sell to Hikvision and to Dahua Technology?", ["Hikvision", "Dahua Technology"]),
    # what a sentence puts around a name is not part of it
    ("Our flight instruments for Cambodia Angkor Air's civil jets?", ["Cambodia Angkor Air"]),
    ("EAR99 headsets to a flight school in Siem Reap, Cambodia. Any licence?", ["Siem Reap"]),
    ("Is Try Pheap Group OK as a buyer?", ["Try Pheap Group"]),
])
def test_party_names_are_found(question, expected):
    mentions = find_party_mentions(question)
    assert [m.text for m in mentions] == expected
    for m in mentions:
        assert question[m.span[0]:m.span[1]] == m.text


@pytest.mark.parametrize("question", [
    "Can we sell avionics to Cambodia?",
    "Can we sell EAR99 servers to Cambodia?",
    "Is a licence needed to sell to the army in Cambodia?",
    "Can we export to the Cambodian Army for disaster relief?",
    "Does ITAR apply to the Royal Cambodian Armed Forces?",
    "Can we sell USML XI items to Cambodia after 2025-11-08?",
    "What is the Entity List?",
    "Can we sell to a hospital in Vietnam in March 2026?",
    "Do we need a license for 7A994 to China?",
    "What does General Prohibition Four say?",
    "Can we ship to the navy of Vietnam?",
    "Avionics to KH on 2026-02-10?",
    "Translate 'thank you for your order' into Khmer",
    "Can we license our encryption software to Cambodia's military intelligence service?",
    "We're told Cambodia is still marked in Country Group D:5. Can we ship 9A610.x parts there?",
    "Can we sell 7A994 GPS receivers to the Royal Cambodian Air Force?",
    "",
    "   ",
])
def test_questions_without_parties_give_no_mentions(question):
    assert find_party_mentions(question) == []


def test_each_mention_is_screened_with_the_matcher():
    q = "Can we sell EAR99 servers to the Beijing Academy of Artificial Intelligence?"
    (mention,) = find_party_mentions(q)
    hit = screen(mention.text).hits[0]
    assert hit.party.list_code == "EL" and hit.band == "exact"


def test_cheap_enough_for_every_question():
    import time

    q = "Can we ship 7A994 avionics to Try Pheap Group in Cambodia for the Ministry of Health?"
    find_party_mentions(q)
    start = time.perf_counter()
    for _ in range(200):
        find_party_mentions(q)
    assert (time.perf_counter() - start) / 200 < 0.01  # generous: ~0.4 ms measured
