"""Who the end user is: `classify_end_user(text) -> EndUserKind`.

Kinds: `military` (armed forces, police, gendarmerie, border and coast guards, paramilitary
units, militias, ministries of defence and of the interior, government intelligence services,
defence universities and research institutes, national forces by name or acronym: PLA,
Tatmadaw, RCAF, FANB, IRGC, Rosgvardia... — § 744.21(g)); `military-intelligence`
(intelligence or reconnaissance organisations of the armed services — § 744.22(f)(2));
`civil` (airlines, hospitals, civil ministries...); `unknown` (an organisation whose kind the
name does not tell — "X University" — or no end user named at all: `phrase` is then None).
Never "civil" by default.

The stated use ("for civilian disaster relief") is returned beside the kind and never changes
it: a military end user outranks a civil use (`effective_end_use`). The cues are data in
`end_users.yaml`; each kind's `basis` quotes the regulation verbatim.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from anyascii import anyascii

DATA = Path(__file__).resolve().parent / "end_users.yaml"
KINDS = ("military-intelligence", "military", "civil", "unknown")
USES = ("humanitarian-demining", "military-intelligence", "military", "civil")
# "not for the army", "no military end user", "never to the police": the cue is denied.
_NEGATION = re.compile(r"(?:\b(?:not|never|nor|neither|without|excluding|except)\b(?:\s+[\w'’-]+)"
                       r"{0,3}\s*|\bno(?:\s+[\w'’-]+){0,2}\s+|\bnon-?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Basis:
    """The regulation a kind rests on: citation, source (path under ../shared), verbatim quote."""

    citation: str
    source: str
    quote: str


@dataclass(frozen=True)
class EndUserKind:
    kind: str  # military | military-intelligence | civil | unknown
    phrase: str | None  # the words that decided it, as written (None: no end user named)
    span: tuple[int, int] | None  # text[span[0]:span[1]] == phrase
    basis: Basis
    stated_use: str | None = None  # civil, military, military-intelligence, humanitarian-demining
    stated_use_phrase: str | None = None
    stated_use_span: tuple[int, int] | None = None

    @property
    def outranks_use(self) -> bool:
        """A military or military-intelligence end user decides, whatever use is stated."""
        return self.kind in ("military", "military-intelligence")

    @property
    def effective_end_use(self) -> str | None:
        """The end use the engine should apply: the end user's kind when it is military,
        else the stated use (None when neither says)."""
        return self.kind if self.outranks_use else self.stated_use

    def to_dict(self) -> dict:
        return {"kind": self.kind, "phrase": self.phrase,
                "span": list(self.span) if self.span else None,
                "basis": {"citation": self.basis.citation, "source": self.basis.source,
                          "quote": self.basis.quote},
                "stated_use": self.stated_use, "stated_use_phrase": self.stated_use_phrase,
                "effective_end_use": self.effective_end_use}


@dataclass(frozen=True)
class _Cues:
    folded: tuple[tuple[str, re.Pattern], ...]  # (kind, pattern on folded text)
    acronyms: tuple[tuple[str, re.Pattern], ...]  # (kind, pattern on original text)
    native: tuple[tuple[str, str], ...]  # (kind, literal in original script)
    uses: tuple[tuple[str, re.Pattern], ...]
    exclusions: re.Pattern | None
    basis: dict[str, Basis]


def _words(patterns: list[str]) -> re.Pattern:
    return re.compile(r"(?<![\w'’-])(?:" + "|".join(f"(?:{p})" for p in patterns) +
                      r")(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    kinds = data["kinds"]
    if list(kinds) != list(KINDS):
        raise ValueError(f"{DATA}: kinds must be {KINDS} in that order, not {list(kinds)}")
    folded, acronyms, native = [], [], []
    for kind in KINDS:
        cue = kinds[kind]
        # one pattern per phrase, so the longest phrase at a place wins ("Police nationale")
        folded.extend((kind, _words([p])) for p in cue.get("phrases") or ())
        if cue.get("acronyms"):
            acronyms.append((kind, re.compile(r"(?<![\w-])(?:" + "|".join(
                re.escape(a) for a in cue["acronyms"]) + r")(?![\w-])")))
        native.extend((kind, term) for term in cue.get("native") or ())
    uses = [(use, _words(data["stated_uses"][use])) for use in USES]
    excl = data.get("exclusions") or []
    basis = {k: Basis(**v) for k, v in data["basis"].items()}
    missing = set(KINDS) - set(basis)
    if missing:
        raise ValueError(f"{DATA}: no basis for {sorted(missing)}")
    return _Cues(tuple(folded), tuple(acronyms), tuple(native), tuple(uses),
                 _words(excl) if excl else None, basis)


def _fold(text: str) -> tuple[str, list[int]]:
    """`text` in ASCII, with each output character's index in `text` (so spans map back)."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        t = ch if ch.isascii() else anyascii(ch)
        out.append(t)
        where.extend([i] * len(t))
    return "".join(out), where


def _negated(folded: str, start: int) -> bool:
    return bool(_NEGATION.search(folded[max(0, start - 40):start]))


def _masked(text: str, cues: _Cues) -> str:
    if cues.exclusions is None:
        return text
    return cues.exclusions.sub(lambda m: " " * len(m.group(0)), text)


def _first(folded: str, where: list[int], text: str, cues: _Cues,
           kind: str) -> tuple[int, int] | None:
    """The earliest non-negated cue of `kind`: its span in `text`."""
    spans: list[tuple[int, int]] = []
    for k, pattern in cues.folded:
        if k == kind:
            spans += [(where[m.start()], where[m.end() - 1] + 1) for m in pattern.finditer(folded)
                      if not _negated(folded, m.start())]
    for k, pattern in cues.acronyms:
        if k == kind:
            spans += [m.span() for m in pattern.finditer(text) if not _negated(text, m.start())]
    for k, term in cues.native:
        at = text.find(term) if k == kind else -1
        if at >= 0 and not _negated(text, at):
            spans.append((at, at + len(term)))
    return min(spans, key=lambda s: (s[0], -s[1])) if spans else None


def stated_use(text: str) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """(use, phrase, span) of the end use `text` states, or (None, None, None)."""
    cues = _cues()
    folded, where = _fold(_masked(text, cues))
    for use, pattern in cues.uses:
        for m in pattern.finditer(folded):
            if not _negated(folded, m.start()):
                span = (where[m.start()], where[m.end() - 1] + 1)
                return use, text[span[0]:span[1]], span
    return None, None, None


_LEAD = re.compile(r"(?:(?:the|a|an|our|their|my|this|new|buyer|customer|client|consignee|"
                   r"end[- ]?user|is|are|was|will be|called|named)\s+)+", re.IGNORECASE)


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """"the buyer is Acme Co." -> "Acme Co.": the organisation, not the words before it."""
    m = _LEAD.match(text, span[0], span[1])
    return (m.end(), span[1]) if m and m.end() < span[1] else span


def classify_end_user(text: str) -> EndUserKind:
    """The kind of end user `text` names (a question, or an --end-user value); see the module
    docstring. The most restrictive kind named wins: military-intelligence, then military,
    then civil, then an organisation of unknown kind."""
    cues = _cues()
    text = text if isinstance(text, str) else ""
    masked = _masked(text, cues)
    folded, where = _fold(masked)
    use = stated_use(text)
    for kind in KINDS:
        span = _first(folded, where, masked, cues, kind)
        if span is not None and kind == "unknown":
            span = _trim(text, span)
        if span is not None:
            return EndUserKind(kind, text[span[0]:span[1]], span, cues.basis[kind], *use)
    return EndUserKind("unknown", None, None, cues.basis["unknown"], *use)


@lru_cache(maxsize=1)
def _force_countries() -> tuple[tuple[str, re.Pattern | None, re.Pattern | None, tuple[str, ...]], ...]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8")).get("force_countries") or {}
    table = []
    for code, cue in data.items():
        patterns, acronyms = cue.get("patterns") or [], cue.get("acronyms") or []
        table.append((code, _words(patterns) if patterns else None,
                      re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in acronyms)
                                 + r")(?![\w-])") if acronyms else None,
                      tuple(cue.get("native") or ())))
    return tuple(table)


def force_country(phrase: str | None) -> str | None:
    """The ISO code of the country a national force or agency belongs to ("PLA" -> "CN",
    "Tatmadaw" -> "MM"), None when the phrase does not say ("the army", "border guard")."""
    if not phrase:
        return None
    folded, _ = _fold(phrase)
    for code, patterns, acronyms, native in _force_countries():
        if (patterns is not None and patterns.search(folded)) or \
                (acronyms is not None and acronyms.search(phrase)) or \
                any(term in phrase for term in native):
            return code
    return None


__all__ = ["classify_end_user", "force_country", "stated_use", "EndUserKind", "Basis", "KINDS", "USES"]
