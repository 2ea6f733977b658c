"""Everyday words -> candidate ECCNs, each with its heading quoted verbatim.

Two sources: a small curated synonym table for words the CCL does not use literally
("drone", "lidar", "servers", "Garmin G1000"; `sources/synonyms.yaml`, hand-checked, which
also says where EAR99 is a realistic classification); when no curated phrase matches, BM25
(bm25s + PyStemmer, as the passage index uses) over every ECCN's heading and List of Items
Controlled. A curated match is used alone: it needs only PyStemmer (no bm25s, no scipy), so
the common words cost well under a millisecond cold, and the text search's loose hits
(3A233 for "thermal camera") do not become branches. Candidates are things to classify
against, never a classification: the caller branches over them. Nothing found is said.
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


EAR99 = "EAR99"  # in synonyms.yaml: the words often name items on no CCL entry (§ 734.3(c))


@dataclass(frozen=True)
class ItemSearch:
    query: str
    candidates: tuple[Candidate, ...]
    note: str
    ear99: bool = False   # EAR99 is a candidate too (curated, or any text-search result)

    @property
    def classifications(self) -> tuple[str, ...]:
        """The candidates as classifications to branch on, EAR99 last where it is one."""
        return tuple(c.eccn for c in self.candidates) + ((EAR99,) if self.ear99 else ())


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


def stems(text: str) -> list[str]:
    """Lower-cased, stemmed words, stop words kept (no bm25s import: the curated path)."""
    stem = _stemmer().stemWord
    return [stem(w) for w in _WORD.findall(text.lower().replace("“", "").replace("”", ""))]


@lru_cache(maxsize=4)
def _stemmed_synonyms(tables: Tables) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(" stemmed phrase ", phrase, classifications), longest phrase first."""
    return tuple((" " + " ".join(stems(phrase)) + " ", phrase, eccns)
                 for phrase, eccns in sorted(tables.synonyms.items(), key=lambda kv: -len(kv[0])))


def _synonyms(query_stems: list[str], tables: Tables) -> list[tuple[str, str]]:
    """(classification, synonym) for every curated phrase whose words occur in order in the
    query; a phrase inside a longer matched one ("camera" in "thermal camera") is skipped."""
    joined = " " + " ".join(query_stems) + " "
    hits, taken = [], []
    for stemmed, phrase, eccns in _stemmed_synonyms(tables):
        if stemmed.strip() and stemmed in joined and not any(stemmed in t for t in taken):
            taken.append(stemmed)
            hits += [(e, phrase) for e in eccns]
    return hits


def synonym_in(text: str, tables: Tables) -> str | None:
    """The longest curated phrase `text` contains ("Can we sell laptops to ..." -> "laptop"),
    or None: how questions name an item the item catalogue does not hold."""
    found = _synonyms(stems(text), tables)
    return found[0][1] if found else None


def find_candidates(words: str, tables: Tables, k: int = 8) -> ItemSearch:
    """Candidate ECCNs for everyday item words, best first (at most k): the curated phrases
    the words contain, else a text search over the CCL."""
    query = " ".join(words.split())
    found: dict[str, Candidate] = {}
    ear99 = False
    for eccn, phrase in _synonyms(stems(query), tables):
        if eccn == EAR99:
            ear99 = True
        elif eccn in tables.entries and eccn not in found:
            found[eccn] = Candidate(eccn, tables.entries[eccn].heading, "synonym", phrase, 1.0)
    qt = tokens(query) if not found else []
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
    # a text hit is a word match, not a reading of the entry's parameters: the item may
    # fall under none of them, so EAR99 stays a candidate
    ear99 = ear99 or any(c.via == "text" for c in candidates)
    if not candidates:
        note = (f"no CCL heading or item line mentions {query!r}: the item may be EAR99 or "
                "described in other words; classify it (ask the manufacturer for the ECCN)")
    else:
        note = (f"{len(candidates)} candidate ECCN(s) for {query!r} from the CCL of "
                f"{tables.ecfr_date}: candidates to classify against, not a classification")
    return ItemSearch(query, candidates, note, ear99 and bool(candidates))
