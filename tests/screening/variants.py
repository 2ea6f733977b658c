"""Generated test names for measuring the matcher: variants of real list entries (which must be
found) and unlisted business names (which must not be flagged).

    python tests/screening/variants.py     # prints recall / false positives over thresholds

Variants (fixed seed): case, one typo, two typos, token order, corporate-form change, accents,
transliteration rewrites, spacing/punctuation. Each keeps a link to the entry it came from.
"""
from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
UNLISTED_FILE = HERE / "data" / "unlisted_names.txt"
SEED = 20260731
KINDS = ("case", "typo", "two-typos", "token-order", "suffix", "accents", "transliteration",
         "spacing")
_FORMS = ("Co., Ltd.", "Ltd", "LLC", "Limited", "Company", "Corp.", "JSC", "OOO", "GmbH",
          "S.A.", "FZE", "Inc.")
_FORM_RE = re.compile(r"[,\s]+(?:co\.?,?\s*ltd\.?|ltd\.?|llc|limited|company|corp\.?|"
                      r"corporation|jsc|ooo|gmbh|s\.a\.|fze|inc\.?)\s*$", re.I)
_LEAD_FORM_RE = re.compile(r"^\s*(?:(?:public|open|closed)\s+)?(?:joint[- ]stock company|"
                           r"jsc|ojsc|pjsc|cjsc|ooo|oao|zao|pao|ao|llc)\s+", re.I)
_FORM_WORDS = frozenset("joint stock company public open closed limited liability co ltd llc "
                        "jsc ojsc pjsc cjsc ooo oao zao pao ao corporation corp inc".split())
_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "c": "ç", "n": "ñ"}
_TRANSLIT = (("kh", "h"), ("ph", "f"), ("ou", "u"), ("ya", "ia"), ("yu", "iu"), ("iy", "y"),
             ("sh", "sch"), ("ts", "tz"), ("v", "w"), ("y", "i"), ("i", "y"), ("ee", "i"),
             ("oo", "u"), ("j", "dzh"), ("zh", "j"), ("ck", "k"), ("q", "k"), ("mohammed",
             "muhammad"), ("muhammad", "mohammed"), ("ei", "ey"))


@dataclass(frozen=True)
class Variant:
    text: str
    kind: str
    entry: int  # index of the party in the list it came from
    original: str


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))  # people rarely get the first letter wrong
    op = rng.choice(("sub", "del", "ins", "swap"))
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        return word[:i] + rng.choice(letters.replace(word[i].lower(), "")) + word[i + 1:]
    if op == "del":
        return word[:i] + word[i + 1:]
    if op == "ins":
        return word[:i] + rng.choice(letters) + word[i:]
    if i == len(word) - 1:
        i -= 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _long_words(name: str) -> list[int]:
    words = name.split()
    return [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 5]


def make_variant(name: str, kind: str, rng: random.Random) -> str | None:
    words = name.split()
    if kind == "case":
        return rng.choice((name.lower(), name.upper(), name.title(), name.swapcase()))
    if kind in ("typo", "two-typos"):
        idx = _long_words(name)
        n = 1 if kind == "typo" else 2
        if len(idx) < n:
            return None
        for i in rng.sample(idx, n):
            words[i] = _typo(words[i], rng)
        return " ".join(words)
    if kind == "token-order":
        if "," in name:  # "PHEAP, Try" -> "Try PHEAP"
            last, _, first = name.partition(",")
            return f"{first.strip()} {last.strip()}"
        lead = _LEAD_FORM_RE.match(name)
        core = _FORM_RE.sub("", name[lead.end():] if lead else name).split()
        if len(core) < 2:
            return None
        rotated = core[1:] + core[:1]  # the corporate form stays in front, as people write it
        return " ".join(([lead.group(0).strip()] if lead else []) + rotated)
    if kind == "suffix":
        core = _FORM_RE.sub("", name)
        if core == name:
            return f"{name} {rng.choice(_FORMS)}"
        return rng.choice((core, f"{core} {rng.choice(_FORMS)}"))
    if kind == "accents":
        chars = list(name)
        spots = [i for i, c in enumerate(chars) if c.lower() in _ACCENTS]
        if not spots:
            return None
        for i in rng.sample(spots, min(2, len(spots))):
            accent = _ACCENTS[chars[i].lower()]
            chars[i] = accent.upper() if chars[i].isupper() else accent
        return "".join(chars)
    if kind == "transliteration":
        spots = [(i, a, b) for i, w in enumerate(words) if w.lower().strip(".,") not in _FORM_WORDS
                 for a, b in _TRANSLIT if a in w.lower()]
        if not spots:
            return None
        i, a, b = rng.choice(spots)  # romanise a name word, never "Joint Stock Company"
        words[i] = re.sub(re.escape(a), b, words[i], count=1, flags=re.I)
        return " ".join(words)
    if kind == "spacing":
        if len(words) < 2:
            return None
        i = rng.randrange(len(words) - 1)
        joiner = rng.choice(("", "-"))
        return " ".join(words[:i] + [words[i] + joiner + words[i + 1]] + words[i + 2:])
    raise ValueError(kind)


def _eligible(party) -> bool:
    letters = sum(c.isalpha() for c in party.name)
    return letters >= 6 and party.name.isascii() and party.type not in ("Vessel", "Aircraft")


def generate_variants(parties, n_entries: int = 240, seed: int = SEED) -> list[Variant]:
    """Variants of `n_entries` entries drawn across the lists (fixed seed), every kind."""
    rng = random.Random(seed)
    by_list: dict[str, list[int]] = {}
    for i, p in enumerate(parties):
        if _eligible(p):
            by_list.setdefault(p.list, []).append(i)
    picks: list[int] = []
    lists = sorted(by_list)
    while len(picks) < n_entries:  # round-robin over lists, so small lists are represented
        for lst in lists:
            pool = by_list[lst]
            if pool and len(picks) < n_entries:
                picks.append(pool.pop(rng.randrange(len(pool))))
    variants: list[Variant] = []
    for n, i in enumerate(picks):
        name = parties[i].name
        for kind in (KINDS[n % len(KINDS)], KINDS[(n + 3) % len(KINDS)]):
            text = make_variant(name, kind, rng)
            if text and text.strip() and text != name:
                variants.append(Variant(text, kind, i, name))
    return variants


def unlisted_names() -> list[str]:
    lines = UNLISTED_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def best_score_for(matcher, variant: Variant) -> float | None:
    """The variant's true entry's score (None when it is not among the hits at all)."""
    result = matcher.screen(variant.text, limit=200)
    target = matcher.parties[variant.entry]
    scores = [h.match.score for h in result.hits if h.party == target]
    return max(scores) if scores else None


def curve(matcher, thresholds=range(70, 101, 2)) -> tuple[list[tuple], int, int]:
    """Rows (threshold, recall, false-positive rate) over generated variants / unlisted names."""
    variants = generate_variants(matcher.parties)
    found = [best_score_for(matcher, v) for v in variants]
    top_unlisted = []
    for name in unlisted_names():
        hits = matcher.screen(name, limit=1).hits
        top_unlisted.append(hits[0].match.score if hits else 0.0)
    rows = []
    for t in thresholds:
        recall = sum(1 for s in found if s is not None and s >= t) / len(variants)
        fp = sum(1 for s in top_unlisted if s >= t) / len(top_unlisted)
        rows.append((t, recall, fp))
    return rows, len(variants), len(top_unlisted)


def per_kind(matcher, variants, threshold: float, near: float) -> dict[str, tuple[int, int, int]]:
    """kind -> (variants, flagged at threshold, at least near)."""
    out: dict[str, list[int]] = {}
    for v in variants:
        score = best_score_for(matcher, v)
        row = out.setdefault(v.kind, [0, 0, 0])
        row[0] += 1
        row[1] += score is not None and score >= threshold
        row[2] += score is not None and score >= near
    return {k: tuple(v) for k, v in out.items()}


def main() -> int:
    sys.path.insert(0, str(HERE.parents[1]))
    from bot.screening import get_matcher
    from bot.screening.matcher import NEAR_THRESHOLD, THRESHOLD

    matcher = get_matcher()
    import bot.screening.matcher as m

    saved = m.NEAR_THRESHOLD
    m.NEAR_THRESHOLD = 0.0  # see every score, to draw the curve below the near band too
    try:
        rows, nv, nu = curve(matcher)
    finally:
        m.NEAR_THRESHOLD = saved
    print(f"{nv} variants of real entries, {nu} unlisted names; threshold {THRESHOLD}, "
          f"near band from {NEAR_THRESHOLD}")
    print("| threshold | recall (variants found) | false positives (unlisted flagged) |")
    print("|---|---|---|")
    for t, recall, fp in rows:
        print(f"| {t} | {recall:.3f} | {fp:.3f} |")
    for label, seed in (("tuning set", SEED), ("held-out set (another seed)", SEED + 1)):
        variants = generate_variants(matcher.parties, seed=seed)
        kinds = per_kind(matcher, variants, THRESHOLD, NEAR_THRESHOLD)
        total = [sum(k[i] for k in kinds.values()) for i in range(3)]
        print(f"\n{label}: {total[0]} variants, flagged {total[1] / total[0]:.3f}, "
              f"flagged or near {total[2] / total[0]:.3f}")
        print("| kind | variants | flagged | flagged or near |\n|---|---|---|---|")
        for kind in KINDS:
            n, f, near = kinds[kind]
            print(f"| {kind} | {n} | {f / n:.3f} | {near / n:.3f} |")
    near = sum(bool(matcher.screen(n).near) for n in unlisted_names())
    print(f"\nunlisted names with a near match (-> depends): {near} of {nu}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
