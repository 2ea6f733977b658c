"""Everyday words -> candidate ECCNs, each with its heading quoted verbatim.

Two sources: a small curated synonym table for words the CCL does not use literally
("drone", "lidar", "servers", "Garmin G1000"; `sources/synonyms.yaml`, hand-checked, which
also says where EAR99 is a realistic classification); when no curated phrase matches, BM25
(PyStemmer and bm25s's stop words and scoring, as the passage index uses, computed in plain
Python so that one look-up imports neither scipy nor numpy) over every ECCN's heading and List of Items
Controlled. A curated match is used alone: it needs only PyStemmer, so
the common words cost well under a millisecond cold, and the text search's loose hits
(3A233 for "thermal camera") do not become branches. Candidates are things to classify
against, never a classification: the caller branches over them. Nothing found is said.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    """bm25s's English stop words, read from its module file: importing the bm25s package
    pulls in scipy (about 0.5 s cold), which one look-up does not need."""
    import importlib.util

    spec = importlib.util.find_spec("bm25s")
    path = Path(spec.origin).with_name("stopwords.py")
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location(
        "_bm25s_stopwords", path))
    module.__spec__.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN)


def tokens(text: str) -> list[str]:
    """Lower-cased, stop-worded, stemmed words ("Thermal cameras" -> therm, camera)."""
    stem, stop = _stemmed(), _stopwords()
    return [stem(w) for w in _WORD.findall(text.lower().replace("“", "").replace("”", ""))
            if w not in stop]


@lru_cache(maxsize=1)
def _stemmed():
    """The stemmer behind a cache: the CCL's ~3,000 lines repeat a few thousand words."""
    return lru_cache(maxsize=None)(_stemmer().stemWord)


@dataclass(frozen=True)
class _Index:
    """BM25 over every heading and item line (Lucene BM25, k1 = 1.5, b = 0.75: bm25s's
    defaults, so the scores are bm25s's; tests/rules/datasets/test_search.py compares them).
    Plain Python, weights computed for the query's stems only: a cold look-up imports
    neither scipy nor numpy."""
    eccns: tuple[str, ...]
    owner: tuple[int, ...]      # line -> index of its ECCN
    lines: tuple[str, ...]
    lengths: tuple[int, ...]    # stems per line
    hits: dict                  # stem -> [(line, term frequency), ...]

    def scores(self, query: list[str]) -> dict[int, float]:
        """line -> score, for the lines holding a query stem."""
        n, average = len(self.lines), sum(self.lengths) / len(self.lengths)
        out: dict[int, float] = {}
        for term in query:
            found = self.hits.get(term, ())
            idf = math.log(1 + (n - len(found) + 0.5) / (len(found) + 0.5))
            for line, tf in found:
                norm = K1 * (1 - B + B * self.lengths[line] / average)
                out[line] = out.get(line, 0.0) + idf * tf / (tf + norm)
        return out

    def best_lines(self, query: list[str]) -> dict[int, tuple[float, int]]:
        """ECCN index -> (its best line's score, that line): an ECCN scores its best line."""
        best: dict[int, tuple[float, int]] = {}
        for line, score in self.scores(query).items():
            j = self.owner[line]
            if j not in best or score > best[j][0] or (score == best[j][0] and line < best[j][1]):
                best[j] = (score, line)
        return best


K1, B = 1.5, 0.75


@lru_cache(maxsize=4)
def _index(tables: Tables) -> _Index:
    """One document per heading and per item line (so a long entry such as 3A001 is not
    drowned by its length)."""
    from collections import Counter

    items = load_items(tables.path)
    eccns, owner, lines, lengths = [], [], [], []
    hits: dict[str, list[tuple[int, int]]] = {}
    for eccn, entry in tables.entries.items():
        for line in [entry.heading] + [i.text for i in items.get(eccn, ())]:
            doc = tokens(line) or ["_"]
            for term, tf in Counter(doc).items():
                hits.setdefault(term, []).append((len(lines), tf))
            owner.append(len(eccns))
            lines.append(line)
            lengths.append(len(doc))
        eccns.append(eccn)
    return _Index(tuple(eccns), tuple(owner), tuple(lines), tuple(lengths), hits)


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


def synonym_in(text: str, tables: Tables, skip: frozenset[str] = frozenset()) -> str | None:
    """The longest curated phrase `text` contains ("Can we sell laptops to ..." -> "laptop"),
    or None: how questions name an item the item catalogue does not hold. Phrases in `skip`
    are not items in a question (a verb: "can we ship ...")."""
    found = [p for _, p in _synonyms(stems(text), tables) if p not in skip]
    return found[0] if found else None


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
        index = _index(tables)
        best = index.best_lines(qt)
        top = max((score for score, _ in best.values()), default=0.0)
        for j in sorted(best, key=lambda j: (-best[j][0], j)):
            score, line = best[j]
            if len(found) >= k or top <= 0 or score < top * MIN_SHARE:
                break
            eccn = index.eccns[j]
            if eccn not in found:
                found[eccn] = Candidate(eccn, tables.entries[eccn].heading, "text",
                                        index.lines[line], round(score / top, 3))
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
