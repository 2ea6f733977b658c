"""Trust levels of documents and flags on text that addresses the reader (pure functions).

A document is one of: `primary` (regulation text: CFR sections, Federal Register rules),
`official` (an agency's own notice, press release or guidance), `commentary` (law firms,
news, summaries) or `unknown`. The level comes from the sidecar (an explicit `trust`, else
its `document_type`) and may be capped by the folder it was ingested from
(`regbot ingest DIR --trust LEVEL`). A missing or unrecognised value is `unknown`, and
`unknown` never counts as primary. These live in ingest (the bottom layer) so index and bot
both read them; what an answer does with them is bot.provenance.
"""
from __future__ import annotations

import re
from typing import Any

PRIMARY, OFFICIAL, COMMENTARY, UNKNOWN = "primary", "official", "commentary", "unknown"
TRUST_LEVELS: tuple[str, ...] = (PRIMARY, OFFICIAL, COMMENTARY, UNKNOWN)  # most trusted first
_RANK = {level: len(TRUST_LEVELS) - i for i, level in enumerate(TRUST_LEVELS)}  # unknown = 1

# sidecar document_type -> trust level (anything else: unknown)
_BY_TYPE = {
    PRIMARY: ("regulation_text", "regulation", "cfr", "final_rule", "interim_final_rule", "rule",
              "proposed_rule", "federal_register", "statute"),
    OFFICIAL: ("notice", "official_notice", "press_release", "guidance", "faq", "advisory",
               "agency_notice", "federal_register_notice"),
    COMMENTARY: ("commentary", "news", "blog", "analysis", "article", "summary", "rule_summary",
                 "regulation_summary", "timeline_summary", "note", "client_alert", "newsletter"),
}
_TYPE_TRUST = {t: level for level, types in _BY_TYPE.items() for t in types}
_WORDS = {OFFICIAL: "official notice", COMMENTARY: "commentary", UNKNOWN: "unverified source"}


def parse_trust(value: Any) -> str | None:
    """'Primary ' -> 'primary'; None for None/''; ValueError for anything not a level."""
    if value is None or value == "":
        return None
    level = str(value).strip().lower()
    if level not in TRUST_LEVELS:
        raise ValueError(f"trust must be one of {', '.join(TRUST_LEVELS)}, got {value!r}")
    return level


def trust_of_type(document_type: str | None) -> str:
    """'final_rule' -> 'primary', 'news' -> 'commentary', None or unrecognised -> 'unknown'."""
    if not document_type:
        return UNKNOWN
    return _TYPE_TRUST.get(document_type.strip().lower().replace("-", "_").replace(" ", "_"), UNKNOWN)


def lowest(*levels: str | None) -> str:
    """The least trusted of the given levels (None ignored); 'unknown' when none is given."""
    given = [level for level in levels if level]
    return min(given, key=lambda level: _RANK.get(level, 0)) if given else UNKNOWN


def rank(level: str | None) -> int:
    """Higher is more trusted: primary 4 ... unknown 1; anything else 0."""
    return _RANK.get(level or "", 0)


def effective_trust(sidecar: dict[str, Any] | None, folder: str | None) -> str:
    """A document's level: the sidecar's `trust` (else its document_type's), capped by the
    folder's level when one was given; with no sidecar, the folder's level, else unknown."""
    stated = None
    if sidecar is not None:
        stated = parse_trust(sidecar.get("trust")) or trust_of_type(sidecar.get("document_type"))
    if folder is None:
        return stated or UNKNOWN
    return lowest(folder, stated) if stated else folder


def trust_label(trust: str, document_type: str | None, publisher: str | None,
                fallback: str) -> str | None:
    """What a non-primary document is, e.g. 'news — The Phnom Penh Post'; None for primary."""
    if trust == PRIMARY:
        return None
    kind = _WORDS.get(trust, _WORDS[UNKNOWN])
    if document_type and trust_of_type(document_type) == trust and trust != UNKNOWN:
        kind = document_type.strip().lower().replace("_", " ")
    return f"{kind} — {(publisher or '').strip() or fallback}"


_OFFICIAL_CITE = re.compile(r"\b\d+\s+(?:CFR|C\.F\.R\.|FR|U\.?S\.?C\.?)\b|\bFR\s+Doc\b|"
                            r"\bFederal\s+Register\b", re.I)


def looks_official(citation: str | None) -> bool:
    """Whether a citation or locator reads as a CFR, Federal Register or U.S. Code reference."""
    return bool(citation) and bool(_OFFICIAL_CITE.search(citation))


def shown_locator(locator: str, source: str, trust: str) -> str:
    """Where in its file a passage is, never dressed as a CFR/FR reference unless primary:
    '15 CFR 744.21(a)' of an unknown file -> 'file.txt · § 744.21(a)'."""
    if trust == PRIMARY or not looks_official(locator):
        return locator
    bare = re.sub(r"^\s*\d+\s+CFR\s+", "§ ", locator)
    bare = _OFFICIAL_CITE.sub("ref.", bare)
    return bare if bare.startswith(source) else f"{source} · {bare}"


def meta_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A stored DocMeta dict made current: a home written before trust levels existed has no
    `trust`; it is re-derived from the stored document_type (the sidecar's), never assumed."""
    if "trust" not in data:
        return {**data, "trust": trust_of_type(data.get("document_type"))}
    return data


# --------------------------------------------------------------------------- reader-addressed text

# Each pattern: text that speaks to whoever reads it (an instruction to a model or a person),
# which regulation text, notices and commentary do not do. Measured: none matches any passage
# of ../shared/corpus (tests/test_provenance.py).
_FLAG_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ignore_instructions", re.compile(
        r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
        r"(?:previous|prior|above|earlier|preceding|other|system|original)\b", re.I)),
    ("system_instruction", re.compile(
        r"\bSYSTEM\s*(?:INSTRUCTIONS?|PROMPT|MESSAGE|NOTE|OVERRIDE)\b|(?:^|\n)\s*\[?SYSTEM\]?\s*:"
        r"|<\|?(?:im_start|system)\|?>|\b(?:system|developer)\s+(?:prompt|instructions?)\b", re.I)),
    ("directs_answer", re.compile(
        r"\b(?:you|assistants?|the\s+(?:bot|model|assistant|ai))\s+(?:must|should|shall|will|are\s+to)\s+"
        r"(?:always\s+|now\s+|only\s+)?(?:say|answer|reply|tell|conclude|output)\b"
        r"|(?:^|[.!?:]\s+|\n\s*|\bplease\s+|\balways\s+|\bjust\s+)(?:answer|reply|respond|say)\s+"
        r"(?:that|only|yes|no)\b"
        r"|\btell\s+(?:the\s+)?(?:user|reader|customer|asker)s?\b"
        r"|\b(?:the\s+)?(?:correct|right|final|only)\s+answer\s+is\b"
        r"|\bthe\s+verdict\s+(?:is|must\s+be|should\s+be)\b", re.I)),
    ("role_play", re.compile(
        r"\b(?:as\s+an?\s+(?:ai|language\s+model|assistant)|you\s+are\s+(?:now\s+)?(?:an?\s+)?"
        r"(?:ai|assistant|chatbot|language\s+model|regbot))\b", re.I)),
)


def reader_flags(text: str) -> tuple[str, ...]:
    """Names of the ways `text` addresses its reader ('system_instruction', ...); () if none."""
    return tuple(name for name, pattern in _FLAG_PATTERNS if pattern.search(text))
