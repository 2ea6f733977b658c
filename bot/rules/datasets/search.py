"""Everyday words -> candidate ECCNs, each with its heading quoted verbatim.

Two sources, in this order: a small curated synonym table for words the CCL does not use
literally ("drone", "lidar", "Garmin G1000"; `sources/synonyms.yaml`), then BM25 (bm25s +
PyStemmer, as the passage index uses) over every ECCN's heading and List of Items
Controlled. Candidates are things to classify against, never a classification: the caller
branches over them. Nothing found is said, not hidden.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.rules.datasets.load import Tables, load_items

MIN_SHARE = 0.35       # BM25 hits below this share of the best score are noise
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


@dataclass(frozen=True)
class Candidate:
    eccn: str
    heading: str          # verbatim
    via: str              # "synonym" | "text"
    matched: str          # the synonym, or the item line / heading that matched (verbatim)
    score: float


@dataclass(frozen=True)
class ItemSearch:
    query: str
    candidates: tuple[Candidate, ...]
    note: str


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokens(text: str) -> list[str]:
    """Lower-cased, stop-worded, stemmed words ("Thermal cameras" -> therm, camera)."""
    stem, stop = _stemmer().stemWord, _stopwords()
    return [stem(w) for w in _WORD.findall(text.lower().replace("“", "").replace("”", ""))
            if w not in stop]


@lru_cache(maxsize=4)
def _index(tables: Tables):
    """BM25 over heading + items of every ECCN (built once per process, ~633 documents)."""
    import bm25s

    items = load_items(tables.path)
    eccns = list(tables.entries)
    corpus = []
    for eccn in eccns:
        text = " ".join([tables.entries[eccn].heading] + [i.text for i in items.get(eccn, ())])
        corpus.append(tokens(text) or ["_"])
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    return model, eccns


def _synonyms(query_tokens: list[str], tables: Tables) -> list[tuple[str, str]]:
    """(ECCN, synonym) for every curated phrase whose words occur in order in the query."""
    joined = " " + " ".join(query_tokens) + " "
    out = []
    for phrase, eccns in sorted(tables.synonyms.items(), key=lambda kv: -len(kv[0])):
        stemmed = " " + " ".join(tokens(phrase)) + " "
        if stemmed.strip() and stemmed in joined:
            out += [(e, phrase) for e in eccns]
    return out


def _best_line(eccn: str, query_tokens: set[str], tables: Tables) -> str:
    """The heading or item line that shares the most words with the query, verbatim."""
    lines = [tables.entries[eccn].heading] + [i.text for i in load_items(tables.path).get(eccn, ())]
    return max(lines, key=lambda line: len(query_tokens & set(tokens(line))))


def find_candidates(words: str, tables: Tables, k: int = 8) -> ItemSearch:
    """Candidate ECCNs for everyday item words, best first (at most k)."""
    query = " ".join(words.split())
    qt = tokens(query)
    found: dict[str, Candidate] = {}
    for eccn, phrase in _synonyms(qt, tables):
        if eccn in tables.entries and eccn not in found:
            found[eccn] = Candidate(eccn, tables.entries[eccn].heading, "synonym", phrase, 1.0)
    if qt:
        model, eccns = _index(tables)
        scores = model.get_scores(qt)
        best = float(max(scores)) if len(scores) else 0.0
        order = sorted(range(len(eccns)), key=lambda i: (-scores[i], eccns[i]))
        for i in order:
            if len(found) >= k or best <= 0 or scores[i] < best * MIN_SHARE:
                break
            if eccns[i] not in found:
                found[eccns[i]] = Candidate(eccns[i], tables.entries[eccns[i]].heading, "text",
                                            _best_line(eccns[i], set(qt), tables),
                                            round(float(scores[i]) / best, 3))
    candidates = tuple(list(found.values())[:k])
    if not candidates:
        note = (f"no CCL heading or item line mentions {query!r}: the item may be EAR99 or "
                "described in other words; classify it (ask the manufacturer for the ECCN)")
    else:
        note = (f"{len(candidates)} candidate ECCN(s) for {query!r} from the CCL of "
                f"{tables.ecfr_date}: candidates to classify against, not a classification")
    return ItemSearch(query, candidates, note)
