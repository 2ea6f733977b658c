"""Everyday words -> candidate ECCNs, each with its heading quoted verbatim."""
from __future__ import annotations

import pytest

from bot.rules.datasets import find_candidates, load_tables

# word -> ECCNs a compliance officer would expect among the candidates
EXPECTED = {
    "thermal camera": {"6A003"}, "thermal imaging cameras": {"6A003", "6A993"},
    "encryption software": {"5D002", "5D992"}, "machine tools": {"2B001", "2B991"},
    "drone": {"9A012"}, "UAVs": {"9A012"}, "lidar": {"6A008"}, "servers": {"4A003", "5A992"},
    "Garmin G1000": {"7A994"}, "night vision goggles": {"6A002", "6A003"},
    "avionics": {"7A994"}, "ammunition": {"0A505"}, "riflescope": {"0A504"},
    "jet engines": {"9A001", "9A991"}, "gyroscopes": {"7A002"}, "GPS receiver": {"7A005"},
    "satellites": {"9A515"}, "sonar": {"6A001"}, "radar": {"6A008", "6A998"},
    "body armor": {"1A005"}, "handcuffs": {"0A982"}, "stun gun": {"0A503"},
    "shotguns": {"0A502"}, "semi-automatic rifles": {"0A506"},
    "hot isostatic presses": {"2B004"}, "flow-forming machines": {"2B009"},
    "oscilloscope": {"3A002"}, "integrated circuits": {"3A001"},
    "lithography equipment": {"3B001"}, "quantum computers": {"4A906"},
    "industrial robots": {"2B007"}, "carbon fiber": {"1C010"}, "lasers": {"6A005"},
    "spacecraft": {"9A515"}, "telecommunications equipment": {"5A001", "5A991"},
    "intrusion software": {"4A005"}, "nerve agent precursor": {"1C350"},
}


@pytest.fixture(scope="module")
def tables():
    return load_tables()


@pytest.mark.parametrize("words", sorted(EXPECTED))
def test_everyday_words_find_the_expected_eccns(tables, words):
    result = find_candidates(words, tables)
    found = {c.eccn for c in result.candidates}
    assert EXPECTED[words] <= found, (words, sorted(found))
    for c in result.candidates:  # each with its heading, verbatim from the snapshot
        assert c.heading == tables.entries[c.eccn].heading and c.matched
    assert "not a classification" in result.note


def test_nothing_found_is_said(tables):
    result = find_candidates("banana smoothie", tables)
    assert result.candidates == () and "no CCL heading or item line mentions" in result.note


def test_synonyms_come_first_and_name_real_eccns(tables):
    assert all(e in tables.entries or e == "EAR99"
               for eccns in tables.synonyms.values() for e in eccns)
    first = find_candidates("drones", tables).candidates[0]
    assert (first.eccn, first.via, first.matched) == ("9A012", "synonym", "drone")


def test_a_curated_phrase_is_used_alone(tables):
    """Hand-checked candidates only: no loose text hits (3A233 for "thermal camera")."""
    result = find_candidates("thermal camera", tables)
    assert result.classifications == ("6A003", "6A993", "6A002", "EAR99")
    assert all(c.via == "synonym" for c in result.candidates)


@pytest.mark.parametrize("words,expected", [
    ("servers", ("4A003", "4A994", "5A002", "5A992")),  # no EAR99: 5A992 at least
    ("laptops", ("4A994", "5A992")),
    ("a satellite phone", ("5A991", "5A992")),  # the longer phrase, not "satellite" (9A515)
    ("a Garmin G1000", ("7A994",)),
    ("lidar sensor", ("6A008", "6A998", "EAR99")),
])
def test_curated_candidates_and_ear99(tables, words, expected):
    assert find_candidates(words, tables).classifications == expected


def test_text_hits_keep_ear99_as_a_candidate(tables):
    result = find_candidates("hot isostatic presses", tables)
    assert result.ear99 and result.classifications[-1] == "EAR99"
    assert find_candidates("banana smoothie", tables).classifications == ()


def test_synonym_in_a_question(tables):
    from bot.rules.datasets.search import synonym_in

    assert synonym_in("Can we sell thermal cameras to Vietnam?", tables) == "thermal camera"
    assert synonym_in("Can we sell night vision goggles to Japan?", tables) == "night vision"
    assert synonym_in("Can we sell bananas to Japan?", tables) is None


def test_text_hits_quote_the_line_that_matched(tables):
    hit = next(c for c in find_candidates("hot isostatic presses", tables).candidates
               if c.eccn == "2B004")
    assert hit.via == "text" and "isostatic" in hit.matched.lower()


@pytest.mark.parametrize("query", ["hot isostatic presses", "flow forming machines",
                                   "integrated circuits", "telecommunications equipment",
                                   "spacecraft", "centrifuge rotor"])
def test_text_scores_are_bm25s_scores(tables, query):
    """The hand-kept scorer (no scipy on a cold look-up) gives bm25s's own scores."""
    import bm25s

    from bot.rules.datasets.search import _index, tokens

    index = _index(tables)
    model = bm25s.BM25()  # Lucene BM25, k1 1.5, b 0.75
    docs = [tokens(line) or ["_"] for line in index.lines]
    model.index(docs, show_progress=False)
    want = model.get_scores(tokens(query))
    got = index.scores(tokens(query))
    assert set(got) == {i for i, v in enumerate(want) if v > 0}
    assert all(abs(got[i] - want[i]) < 1e-4 * max(1.0, want[i]) for i in got)


def test_a_cold_text_search_imports_neither_scipy_nor_numpy():
    import subprocess
    import sys

    code = ("import sys; from bot.rules.datasets import load_tables; "
            "from bot.rules.datasets.search import find_candidates; "
            "r = find_candidates('hot isostatic presses', load_tables()); "
            "assert r.classifications[0] == '2B004', r; "
            "print(sorted(m for m in ('scipy', 'numpy', 'bm25s') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
