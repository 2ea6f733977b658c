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
    """BM25 over every heading and every item line (one document each, so a long entry
    such as 3A001 is not drowned by its length); an ECCN scores its best line."""
    import bm25s
    import numpy as np

    items = load_items(tables.path)
    eccns, starts, lines, corpus = [], [], [], []
    for eccn, entry in tables.entries.items():
        eccns.append(eccn)
        starts.append(len(lines))  # an ECCN's lines are contiguous: its heading, its items
        for line in [entry.heading] + [i.text for i in items.get(eccn, ())]:
            lines.append(line)
            corpus.append(tokens(line) or ["_"])
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    return model, eccns, np.asarray(starts), lines


@lru_cache(maxsize=4)
def _stemmed_synonyms(tables: Tables) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(" stemmed phrase ", phrase, ECCNs), longest phrase first."""
    return tuple((" " + " ".join(tokens(phrase)) + " ", phrase, eccns)
                 for phrase, eccns in sorted(tables.synonyms.items(), key=lambda kv: -len(kv[0])))


def _synonyms(query_tokens: list[str], tables: Tables) -> list[tuple[str, str]]:
    """(ECCN, synonym) for every curated phrase whose words occur in order in the query."""
    joined = " " + " ".join(query_tokens) + " "
    return [(e, phrase) for stemmed, phrase, eccns in _stemmed_synonyms(tables)
            if stemmed.strip() and stemmed in joined for e in eccns]


def find_candidates(words: str, tables: Tables, k: int = 8) -> ItemSearch:
    """Candidate ECCNs for everyday item words, best first (at most k)."""
    query = " ".join(words.split())
    qt = tokens(query)
    found: dict[str, Candidate] = {}
    for eccn, phrase in _synonyms(qt, tables):
        if eccn in tables.entries and eccn not in found:
            found[eccn] = Candidate(eccn, tables.entries[eccn].heading, "synonym", phrase, 1.0)
    if qt:
        import numpy as np

        model, eccns, starts, lines = _index(tables)
        scores = np.asarray(model.get_scores(qt), dtype=np.float64)
        per_eccn = np.maximum.reduceat(scores, starts)  # an ECCN scores its best line
        top = float(per_eccn.max()) if len(per_eccn) else 0.0
        for j in np.argsort(-per_eccn, kind="stable"):
            if len(found) >= k or top <= 0 or per_eccn[j] < top * MIN_SHARE:
                break
            if eccns[j] not in found:
                end = starts[j + 1] if j + 1 < len(starts) else len(lines)
                best = starts[j] + int(np.argmax(scores[starts[j]:end]))
                found[eccns[j]] = Candidate(eccns[j], tables.entries[eccns[j]].heading, "text",
                                            lines[best], round(float(per_eccn[j]) / top, 3))
    candidates = tuple(list(found.values())[:k])
    if not candidates:
        note = (f"no CCL heading or item line mentions {query!r}: the item may be EAR99 or "
                "described in other words; classify it (ask the manufacturer for the ECCN)")
    else:
        note = (f"{len(candidates)} candidate ECCN(s) for {query!r} from the CCL of "
                f"{tables.ecfr_date}: candidates to classify against, not a classification")
    return ItemSearch(query, candidates, note)
