"""Fuzzy screening of a name against every name and alias on the list.

Two steps per query (see docs/screening.md):
1. Blocking: an inverted index from name tokens (and their transliteration keys, joined
   adjacent pairs, and one-edit neighbours of each query token) to the aliases holding them.
   Each alias gathers the IDF of the keys it shares with the query; the best CANDIDATES
   (a few hundred of ~60,000 aliases) go on.
2. Scoring with rapidfuzz: ratio of the normalised names, of their sorted tokens (token order),
   of the names without spaces, and of the transliteration keys; an IDF-weighted token overlap
   for partial names ("Huawei" vs "Huawei Technologies"), which can only reach the near band.
   The query's country is a booster (+COUNTRY_BOOST), never a filter.

Bands: exact (same name after normalisation, or the same tokens in another order), strong
(score >= THRESHOLD), near (NEAR_THRESHOLD <= score < THRESHOLD): the thresholds were chosen
by measurement over generated variants and unlisted names (tests/screening/variants.py).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.screening.normalize import NormName, light_key, name_forms, normalize_name, skeleton
from bot.screening.records import Hit, ListInfo, Match, Party, ScreeningResult

THRESHOLD = 86.0  # strong match: at or above (chosen by measurement, docs/screening.md)
NEAR_THRESHOLD = 78.0  # near match: [NEAR_THRESHOLD, THRESHOLD) -> "depends"
COUNTRY_BOOST = 3.0
CANDIDATES = 300
PARTIAL_CANDIDATES = 40  # the best-blocked candidates that may match as a partial name
PARTIAL_MIN_SHARE = 0.5  # ...if they share keys worth half the query's IDF weight
TOKEN_MARGIN = 12.0  # character scores may exceed the IDF-weighted token score by this much
PARTIAL_MIN_WEIGHT = 8.0  # IDF a partial match must carry (one rare word is ~7-10)
TRANSLIT_PENALTY = 4.0  # a transliteration key match is a little less certain than spelling
TRANSLIT_REACH = 12.0  # ...and may add at most this much to the spelling's own score
NAME_PART_SCORE = 95.0  # the exact name outside or inside its parentheses: strong, not exact
SHORT = 8  # names shorter than this (letters) lose SHORT_PENALTY per missing letter on fuzzy
SHORT_PENALTY = 2.5
MAX_POSTING = 20_000  # keys on more aliases than this say nothing about who is meant
MAX_QUERY_CHARS = 300
_ISO2 = re.compile(r"^[A-Z]{2}$")


class ScreeningInputError(ValueError):
    """A query that cannot be screened (empty, too long, bad country code)."""


def _deletes(token: str) -> set[str]:
    return {token[:i] + token[i + 1:] for i in range(len(token))}


class Matcher:
    """The list's aliases, indexed once; `screen()` is then a pure function of the query."""

    def __init__(self, parties: tuple[Party, ...], info: ListInfo):
        self.parties, self.info = parties, info
        self.alias_party: list[int] = []
        self.alias_name: list[str] = []
        self.alias_is_alt: list[bool] = []
        self.alias_part: list[bool] = []  # a form inside or outside the name's parentheses
        self.norms: list[NormName] = []
        seen: set[tuple[int, str]] = set()
        for i, party in enumerate(parties):
            for k, name in enumerate(party.names):
                for form in name_forms(name):
                    norm = normalize_name(form)
                    if not norm.tokens or (i, norm.text) in seen:
                        continue
                    seen.add((i, norm.text))
                    self.alias_party.append(i)
                    self.alias_name.append(name)
                    self.alias_is_alt.append(k > 0)
                    self.alias_part.append(form != name)
                    self.norms.append(norm)
        self.texts = [n.text for n in self.norms]
        self.sorted = [n.sorted for n in self.norms]
        self.joined = [n.joined for n in self.norms]
        self.skels = [n.skeleton for n in self.norms]
        self.joined_len = np.fromiter((len(j) for j in self.joined), dtype=np.int32)
        self.skel_key = np.fromiter((hash(k) for k in self.skels), dtype=np.int64)
        self._build_index()

    def _build_index(self) -> None:
        postings: dict[str, list[int]] = defaultdict(list)
        for a, norm in enumerate(self.norms):
            for key in self._keys(norm.tokens):
                postings[key].append(a)
        n = len(self.norms)
        self.idf = {k: math.log(1 + n / len(v)) for k, v in postings.items()}
        self.max_idf = math.log(1 + n)
        self.postings = {k: np.asarray(v, dtype=np.int32) for k, v in postings.items()
                         if len(v) <= MAX_POSTING}
        self.by_sorted: dict[str, list[int]] = defaultdict(list)
        for a, s in enumerate(self.sorted):
            self.by_sorted[s].append(a)
        self._build_typo_index({t for norm in self.norms for t in norm.tokens if len(t) >= 4})

    def _build_typo_index(self, words: set[str]) -> None:
        """Each word and its one-letter deletions, as sorted (hash, word id) arrays: two words
        one edit apart share a key (SymSpell's idea), in a few MB instead of a dict of sets."""
        self.vocab = sorted(words)
        hashes: list[int] = []
        ids: list[int] = []
        for i, word in enumerate(self.vocab):
            for key in _deletes(word) | {word}:
                hashes.append(hash(key))
                ids.append(i)
        order = np.argsort(np.asarray(hashes, dtype=np.int64), kind="stable")
        self.typo_hash = np.asarray(hashes, dtype=np.int64)[order]
        self.typo_word = np.asarray(ids, dtype=np.int32)[order]

    @staticmethod
    def _keys(tokens: tuple[str, ...]) -> set[str]:
        keys = set(tokens)
        keys.update("~" + skeleton(t) for t in tokens)
        keys.update(a + b for a, b in zip(tokens, tokens[1:]))
        return keys

    def _neighbours(self, token: str) -> set[str]:
        """Vocabulary words at most one typo from `token` (edit distance <= 2 covers a swap)."""
        if len(token) < 4:
            return set()
        keys = np.asarray([hash(k) for k in _deletes(token) | {token}], dtype=np.int64)
        lo = np.searchsorted(self.typo_hash, keys, side="left")
        hi = np.searchsorted(self.typo_hash, keys, side="right")
        found = set()
        for a, b in zip(lo, hi):
            for i in self.typo_word[a:b]:
                word = self.vocab[i]
                if word != token and Levenshtein.distance(word, token, score_cutoff=2) <= 2:
                    found.add(word)
        return found

    def _candidates(self, q: NormName) -> tuple[np.ndarray, np.ndarray]:
        """The aliases sharing the most IDF weight of keys with the query (best first), and
        that weight: a few hundred of ~55,000."""
        weights: dict[str, float] = {key: self.idf.get(key, 0.0) for key in self._keys(q.tokens)}
        for tok in q.tokens:
            for near in self._neighbours(tok):
                weights.setdefault(near, 0.8 * self.idf[near])
        lists, ws = [], []
        for key, w in weights.items():
            ids = self.postings.get(key)
            if ids is not None and w > 0:
                lists.append(ids)
                ws.append(np.full(len(ids), w, dtype=np.float32))
        exact = self.by_sorted.get(q.sorted, [])
        lists.append(np.asarray(exact, dtype=np.int32))
        ws.append(np.full(len(exact), 1000.0, dtype=np.float32))
        ids, inverse = np.unique(np.concatenate(lists), return_inverse=True)
        acc = np.bincount(inverse, weights=np.concatenate(ws), minlength=len(ids))
        if len(ids) > CANDIDATES:
            top = np.argpartition(acc, -CANDIDATES)[-CANDIDATES:]
            ids, acc = ids[top], acc[top]
        order = np.argsort(-acc, kind="stable")
        return ids[order], acc[order]

    def _token_weight(self, token: str) -> float:
        return self.idf.get(token, self.max_idf)

    @staticmethod
    def _similarity(xs: tuple[str, ...], ys: tuple[str, ...]) -> list[list[float]]:
        """Token-by-token similarity (0-1) of two names: equal 1; the same cautious
        transliteration key 0.95; the same loose key (5+ letters) 0.9; else the rapidfuzz
        ratio when it is >= 70. (Plain loops: for a few tokens they beat numpy 4 to 1.)"""
        ly = [light_key(y) for y in ys]
        sy = [skeleton(y) if len(y) >= 5 else None for y in ys]
        rows = []
        for x in xs:
            lx, sx = light_key(x), skeleton(x) if len(x) >= 5 else None
            row = []
            for y, lk, sk in zip(ys, ly, sy):
                if x == y:
                    row.append(1.0)
                    continue
                best = fuzz.ratio(x, y, score_cutoff=70) / 100
                if lx == lk:
                    best = max(best, 0.95)
                elif sx is not None and sx == sk:
                    best = max(best, 0.9)
                row.append(best)
            rows.append(row)
        return rows

    def _token_scores(self, q: NormName, a: NormName) -> tuple[float, float]:
        """(token score, partial score), both 0-100 and IDF-weighted. Token score: the share
        of both names' weight that the other holds; it caps the character scores, so long
        common words ("Information Technology") cannot make two different firms match.
        Partial: how fully the lighter name is inside the heavier (70 %) and the reverse
        (30 %), scaled down when what matched is too little to name anyone."""
        sim = self._similarity(q.tokens, a.tokens)
        wq = [self._token_weight(t) for t in q.tokens]
        wa = [self._token_weight(t) for t in a.tokens]
        tq, ta = sum(wq), sum(wa)
        if not tq or not ta:
            return 0.0, 0.0
        mq = sum(w * max(row) for w, row in zip(wq, sim))
        ma = sum(w * max(col) for w, col in zip(wa, zip(*sim)))
        token = 100.0 * (mq + ma) / (tq + ta)
        (m_small, t_small), (m_large, t_large) = sorted(((mq, tq), (ma, ta)), key=lambda x: x[1])
        partial = (70.0 * m_small / t_small + 30.0 * m_large / t_large) * min(
            1.0, m_small / PARTIAL_MIN_WEIGHT)
        return token, partial

    def _score(self, q: NormName, ids: np.ndarray, acc: np.ndarray
               ) -> list[tuple[float, str, int]]:
        """(score, how, alias id) for each candidate alias (`acc`: their blocking scores).
        The character scores are computed for all candidates at once (rapidfuzz, numpy); only
        those that could reach the near band, or match as a partial name, are judged one by one."""
        if len(ids) == 0:
            return []
        pick = lambda xs: [xs[i] for i in ids]  # noqa: E731
        ratio = process.cdist([q.text], pick(self.texts), scorer=fuzz.ratio)[0]
        order = process.cdist([q.sorted], pick(self.sorted), scorer=fuzz.ratio)[0]
        joined = process.cdist([q.joined], pick(self.joined), scorer=fuzz.ratio)[0]
        translit = process.cdist([q.skeleton], pick(self.skels), scorer=fuzz.ratio)[0]
        spelling = np.maximum(np.maximum(ratio, order), joined)
        short = np.minimum(self.joined_len[ids], len(q.joined))
        penalty = np.maximum(0, SHORT - short) * SHORT_PENALTY
        key = np.minimum(np.maximum(translit, 100.0 * (self.skel_key[ids] == hash(q.skeleton))),
                         spelling + TRANSLIT_REACH) - TRANSLIT_PENALTY
        bound = np.maximum(spelling, key) - penalty
        weight = sum(self._token_weight(t) for t in q.tokens)
        # a partial match needs most of the query's weight among the shared keys
        partial = (np.arange(len(ids)) < PARTIAL_CANDIDATES) & (acc >= PARTIAL_MIN_SHARE * weight)
        keep = np.flatnonzero((bound >= NEAR_THRESHOLD - COUNTRY_BOOST) | (spelling >= 100.0)
                              | partial)
        out = []
        for j in keep:
            judged = self._judge(q, int(ids[j]), float(spelling[j]), float(translit[j]),
                                 bool(partial[j]))
            if judged is not None:
                out.append(judged)
        return out

    def _judge(self, q: NormName, a: int, spelling: float, translit: float, partial: bool
               ) -> tuple[float, str, int] | None:
        """The candidate's score and how it matched; None when it cannot reach the near band."""
        norm = self.norms[a]
        if q.text == norm.text or q.joined == norm.joined or q.sorted == norm.sorted:
            if self.alias_part[a]:
                return NAME_PART_SCORE, "name-part", a
            return 100.0, ("token-order" if q.sorted == norm.sorted and q.text != norm.text
                           and q.joined != norm.joined else "exact"), a
        penalty = max(0, SHORT - min(len(q.joined), len(norm.joined))) * SHORT_PENALTY
        if self.alias_part[a]:  # part of a listed name: a little less sure than the whole
            penalty += 100.0 - NAME_PART_SCORE
        # the key may not outrun the spelling by much: "Toyota Motor" is not "Tetya Motya"
        key = min(100.0 if q.skeleton == norm.skeleton else translit, spelling + TRANSLIT_REACH)
        best = max((spelling - penalty, "fuzzy"), (key - TRANSLIT_PENALTY - penalty,
                                                    "transliteration"))
        differ = partial and len(q.tokens) != len(norm.tokens)
        if best[0] < NEAR_THRESHOLD - COUNTRY_BOOST and not differ:
            return None
        token, partial = self._token_scores(q, norm)
        best = (min(best[0], token + TOKEN_MARGIN), best[1])
        if differ and partial - penalty > best[0]:
            best = (partial - penalty, "partial")
        return (best[0], best[1], a) if best[0] >= NEAR_THRESHOLD - COUNTRY_BOOST else None

    def screen(self, name: str, country: str | None = None, *, limit: int = 10) -> ScreeningResult:
        """Hits for `name` (best first), at most `limit`; `country` (ISO-2) boosts."""
        q = normalize_name(_check_query(name))
        country = _check_country(country)
        best: dict[int, tuple[float, str, int, bool]] = {}
        for score, how, a in self._score(q, *self._candidates(q)):
            p = self.alias_party[a]
            boost = bool(country) and country in self.parties[p].countries
            if boost and how not in ("exact", "token-order"):
                score = min(score + COUNTRY_BOOST, 99.0)
            if how == "partial":  # a name that is part of another is never more than near
                score = min(score, THRESHOLD - 0.1)
            if score >= NEAR_THRESHOLD and (p not in best or score > best[p][0]):
                best[p] = (score, how, a, boost)
        hits = [self._hit(p, *v) for p, v in best.items()]
        rank = {"exact": 0, "strong": 1, "near": 2}
        hits.sort(key=lambda h: (rank[h.band], -h.match.score, h.party.name))
        return ScreeningResult(query=name, country=country, hits=tuple(hits[:limit]),
                               list_date=self.info.list_date, threshold=THRESHOLD,
                               near_threshold=NEAR_THRESHOLD)

    def _hit(self, p: int, score: float, how: str, a: int, boost: bool) -> Hit:
        band = "exact" if how in ("exact", "token-order") else (
            "strong" if score >= THRESHOLD else "near")
        match = Match(name=self.alias_name[a], how=how, score=round(score, 1),
                      alias=self.alias_is_alt[a], country_boost=boost)
        return Hit(party=self.parties[p], match=match, band=band)


def _check_query(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ScreeningInputError("the name to screen is empty")
    if len(name) > MAX_QUERY_CHARS:
        raise ScreeningInputError(f"the name is too long ({len(name):,} characters; the limit "
                                  f"is {MAX_QUERY_CHARS})")
    if not normalize_name(name).tokens:
        raise ScreeningInputError(f"{name!r} has no letters or digits to screen")
    return " ".join(name.split())


def _check_country(country: str | None) -> str | None:
    if country is None or not str(country).strip():
        return None
    code = str(country).strip().upper()
    if not _ISO2.match(code):
        raise ScreeningInputError(f"the country must be an ISO-2 code such as KH, not {country!r}")
    return code
