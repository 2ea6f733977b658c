"""Name normalisation for screening: one canonical form per name, and a transliteration key.

`normalize_name("TRY PHEAP GROUP CO., LTD.")` -> tokens ("try", "pheap", "group"): scripts and
accents to ASCII (anyascii: Cyrillic, Chinese, Arabic, Khmer... -> Latin), case folded,
apostrophes dropped ("Xi'an" = "Xian"), dotted and spaced initials joined ("S.A." = "S A" =
"sa"), common abbreviations expanded ("Intl" = "International"), corporate forms (Co., Ltd.,
LLC, JSC, OOO, GmbH, S.A., FZE, "Limited", "Company", "Joint Stock Company"...) and the
connectives "the/of/and/for" removed. `skeleton()` folds romanisation variants (kh/h, ph/f,
zh/j, y/i, w/v, every vowel alike, double letters) so "Mohammed"/"Muhammad" and
"Yurchik"/"Yurchyk" share a key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import OSA

# Legal forms, as tokens after normalisation. Multi-token forms are matched first.
_FORM_PHRASES: tuple[tuple[str, ...], ...] = tuple(tuple(p.split()) for p in (
    "public joint stock company", "closed joint stock company", "open joint stock company",
    "joint stock company", "joint stock co", "joint venture company",
    "limited liability company", "limited liability partnership", "limited partnership",
    "private limited company", "private limited", "public limited company",
    "company limited", "sa de cv", "s de rl de cv", "s de rl", "sdn bhd", "pte ltd", "pvt ltd",
    "pty ltd", "co ltd", "sp zoo", "obshchestvo s ogranichennoi otvetstvennostiu",
    "obshchestvo s ogranichennoy otvetstvennostyu", "obshchestvo s ogranichennoi otvetstvennostyu",
    "aktsionernoe obshchestvo", "aktsionernoye obshchestvo", "otkrytoe aktsionernoe obshchestvo",
    "zakrytoe aktsionernoe obshchestvo", "publichnoe aktsionernoe obshchestvo",
    "sociedad anonima", "sociedad anonima de capital variable", "societe anonyme",
    "sociedad de responsabilidad limitada", "gesellschaft mit beschrankter haftung",
    "free zone establishment", "free zone company", "fz llc",
))
_PHRASES_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _p in sorted(_FORM_PHRASES, key=len, reverse=True):
    _PHRASES_BY_FIRST[_p[0]] = (*_PHRASES_BY_FIRST.get(_p[0], ()), _p)
_FORM_TOKENS = frozenset(
    "co company corp corporation inc incorporated ltd limited llc llp lp plc jsc ojsc cjsc pjsc "
    "ao oao zao pao ooo tov gmbh ag kg sa sas sarl srl spa bv nv pte pvt pty fze fzco fzc "
    "fzllc fzllc dmcc bhd tbk ab oy oyj aps doo eood ood kft zrt sro sae saog saoc wll "
    "cv lda ltda sac eirl".split())
_CONNECTIVES = frozenset("the of and for".split())
_ABBREVIATIONS = {
    "intl": "international", "int'l": "international", "mfg": "manufacturing",
    "natl": "national", "univ": "university", "inst": "institute", "dept": "department",
    "govt": "government", "bros": "brothers", "assn": "association", "assoc": "association",
    "ind": "industrial", "inds": "industries", "elec": "electronic", "eng": "engineering",
    "tech": "technology", "techs": "technologies", "svcs": "services", "svc": "service",
}
_APOSTROPHES = re.compile(r"['`\u2019\u2018\u02bc\u02bb\u00b4]")
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PARENS = re.compile(r"\(([^()]*)\)")
_AKA = re.compile(r"\b(?:a\.?k\.?a\.?|f\.?k\.?a\.?|n\.?k\.?a\.?|formerly known as|"
                  r"also known as)\s+",
                  re.IGNORECASE)


@dataclass(frozen=True)
class NormName:
    """A name's normalised forms (all derived from `tokens`)."""

    tokens: tuple[str, ...]
    text: str  # tokens joined by spaces, original order
    sorted: str  # tokens sorted, joined by spaces (token-order key)
    joined: str  # tokens with no spaces ("hik vision" = "hikvision")
    skeleton: str  # sorted transliteration keys


def _ascii_lower(name: str) -> str:
    text = anyascii(name).lower().replace("&", " and ").replace("+", " ")
    text = _APOSTROPHES.sub("", text)
    return _DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", text)


def _join_initials(tokens: list[str]) -> list[str]:
    """'s a de c v' -> 'sa de cv': runs of two or more single letters are one token."""
    out: list[str] = []
    run = ""
    for tok in tokens + [""]:
        if len(tok) == 1 and tok.isalpha():
            run += tok
            continue
        if run:
            out.append(run)
            run = ""
        if tok:
            out.append(tok)
    return out


def _drop_forms(tokens: list[str]) -> list[str]:
    """Remove corporate forms and connectives, unless nothing would be left."""
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase in _PHRASES_BY_FIRST.get(tokens[i], ()):
            if tuple(tokens[i:i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            if tokens[i] not in _FORM_TOKENS and tokens[i] not in _CONNECTIVES:
                kept.append(tokens[i])
            i += 1
    return kept or [t for t in tokens if t not in _CONNECTIVES] or tokens


_FORM_WORDS = tuple(sorted({w for p in _FORM_PHRASES for w in p if len(w) >= 5} |
                           {"company", "corporation", "limited", "incorporated"}))
_SPLIT = {"jointstock": "joint stock", "cold": "co ltd", "coltd": "co ltd"}


_TRAILING_FORMS = frozenset(("company", "corporation", "limited", "incorporated"))
_ALL_FORMS = frozenset(_FORM_WORDS) | _FORM_TOKENS


@lru_cache(maxsize=100_000)
def _near_form_word(token: str) -> str | None:
    """The corporate-form word `token` misspells ("stcok" -> "stock"), or None."""
    if len(token) < 4 or not token.isalpha() or token in _FORM_WORDS:
        return None
    found = process.extractOne(token, _FORM_WORDS, scorer=OSA.distance,
                               score_cutoff=2 if len(token) >= 9 else 1)
    return found[0] if found else None


def _fix_form_typos(tokens: list[str]) -> list[str]:
    """Correct misspelt corporate-form words where the context says they are one: next to
    another form word ("joint stcok company"), or a last "Limifted"/"Comany"; so "Point
    Trading" keeps its "point"."""
    fixes = [_near_form_word(t) for t in tokens]
    if not any(fixes):
        return tokens
    words = [f or t for f, t in zip(fixes, tokens)]
    out = list(tokens)
    for i, fix in enumerate(fixes):
        if fix is None:
            continue
        neighbours = set(words[max(0, i - 1):i] + words[i + 1:i + 2])
        if neighbours & _ALL_FORMS or (i == len(tokens) - 1 and i > 0 and fix in _TRAILING_FORMS):
            out[i] = fix
    return out


def tokenize(name: str) -> tuple[str, ...]:
    """The canonical tokens of a name (see the module docstring)."""
    raw = _NON_ALNUM.split(_ascii_lower(name))
    tokens: list[str] = []
    for t in raw:
        if t:
            t = _ABBREVIATIONS.get(t, t)
            tokens.extend(_SPLIT.get(t, t).split())
    tokens = _fix_form_typos(_join_initials(tokens))
    return tuple(_drop_forms(tokens))


_TRANSLIT = (
    ("sch", "S"), ("tch", "C"), ("dzh", "J"), ("sh", "S"), ("ch", "C"), ("zh", "J"), ("dj", "J"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("ts", "c"), ("tz", "c"),
    ("ce", "se"), ("ci", "si"),
)
_TRANSLIT_1 = str.maketrans({"j": "J", "q": "k", "x": "ks", "w": "v", "c": "k", "y": "i",
                             "z": "s"})
_VOWELS = re.compile(r"[aeiou]+")
_REPEATS = re.compile(r"(.)\1+")
_SKIP_IN_SKELETON = frozenset(("al", "el", "ul"))  # Arabic article, written apart or not


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """A transliteration key: romanisation variants of one token map to the same key."""
    key = token
    for old, new in _TRANSLIT:
        if old in key:
            key = key.replace(old, new)
    key = _VOWELS.sub("a", key.translate(_TRANSLIT_1).lower())
    key = _REPEATS.sub(r"\1", key)
    if len(key) > 2 and key.endswith("h"):  # "Allah"/"Alla", "Aleh"
        key = key[:-1]
    return key


_LIGHT = (("dzh", "j"), ("zh", "j"), ("dj", "j"), ("kh", "h"), ("ph", "f"), ("ou", "u"),
          ("oo", "u"), ("ee", "i"), ("tz", "ts"), ("y", "i"), ("w", "v"), ("ck", "k"), ("q", "k"))


@lru_cache(maxsize=200_000)
def light_key(token: str) -> str:
    """A cautious transliteration key that keeps the vowels ("Wey" = "Wei", "Lym" = "Lim",
    "VTB" = "WTB", "Dzh." = "J."), safe for short tokens where `skeleton` is too loose."""
    key = token
    for old, new in _LIGHT:
        key = key.replace(old, new)
    return _REPEATS.sub(r"\1", key)


def normalize_name(name: str) -> NormName:
    tokens = tokenize(name)
    skel = sorted(skeleton(t) for t in tokens if t not in _SKIP_IN_SKELETON) or [
        skeleton(t) for t in tokens]
    return NormName(tokens=tokens, text=" ".join(tokens), sorted=" ".join(sorted(tokens)),
                    joined="".join(tokens), skeleton=" ".join(skel))


def name_forms(name: str) -> list[str]:
    """The forms of a listed name worth indexing: the name whole, the name without its
    parenthesised parts unless that is only a place ("INDONESIA (MMI)"), and each part that is
    another name ("(f.k.a. X)", "(Huawei)") rather than a place ("(Australia)", "(Hong Kong)")."""
    forms = [name]
    inner = [m.group(1) for m in _PARENS.finditer(name)]
    if inner:
        outer = _PARENS.sub(" ", name).strip()
        if not _is_place(outer):  # "INDONESIA (MMI)": the party is MMI, not the country
            forms.append(outer)
        for part in inner:
            aka = bool(_AKA.search(part))
            part = _AKA.sub("", part).strip()
            if (len(re.sub(r"\W", "", part)) >= 3 and not set(tokenize(part)) <= _ALL_FORMS
                    and (aka or not _is_place(part))):
                forms.append(part)
    return [f for f in dict.fromkeys(forms) if f]


def _is_place(text: str) -> bool:
    """Does `text` name only countries or well-known places (as the rulebook knows them)?"""
    from bot.rules.countries import find_countries

    rest = text
    for m in sorted(find_countries(text), key=lambda m: m.start, reverse=True):
        rest = rest[:m.start] + rest[m.end:]
    return not re.sub(r"[\W_]|\b(?:and|the|of)\b", "", rest, flags=re.I).strip() and rest != text
