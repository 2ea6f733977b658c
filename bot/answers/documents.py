"""Questions about a document: which one is meant, then its metadata and its best sentences.

Extractive: every sentence shown is a verified span of the document. The document is the one
the question names best — by citation ("FR Doc. 2026-02262"), publisher ("the Phnom Penh
Post"), agency ("the BIS rule"), the destination in its title (from the question or the
conversation), its kind (rule, article) and its dates — and among equals the most recent one
published by the date asked (a reader who says "the BIS rule" means the latest). The answer
names the document it chose, so a wrong pick is visible.
"""
from __future__ import annotations

import re
from datetime import date

from bot.answers.base import Ask, Line, Reply, day_words
from bot.answers.catalogue import SECONDARY, Doc, catalogue, sentence_citation, sentences
from bot.evidence import terms_of
from bot.rules.countries import find_countries

AGENCY_CUES = {
    "BIS": re.compile(r"\b(?:BIS|Commerce|Bureau of Industry)\b", re.I),
    "DDTC": re.compile(r"\b(?:State|DDTC|Directorate of Defense Trade)\b", re.I),
    "OFAC": re.compile(r"\b(?:OFAC|Treasury)\b", re.I),
}
KIND_CUES = ((re.compile(r"\b(?:rule|regulation|amendment)\b", re.I), ("final_rule", "interim_final_rule", "rule")),
             (re.compile(r"\b(?:article|report|story|news|post|paper)\b", re.I), ("news",)),
             (re.compile(r"\b(?:blog|alert|commentary|analysis|insight)\b", re.I), ("commentary",)),
             (re.compile(r"\b(?:notice)\b", re.I), ("notice",)))
_WHEN_EFFECT = re.compile(r"\b(?:take|takes|took|taking) effect|\beffective|come into (?:force|effect)|"
                          r"\bin force\b", re.I)
_WHEN_PUBLISHED = re.compile(r"\bwhen\b.*\b(?:published|issued|released|come out|came out)\b", re.I)
_NOT_NAMES = frozenset({"the", "llp", "u.s.", "department", "of", "and", "via", "us", "asia",
                        "news", "network", "commerce", "state", "bureau", "industry", "security"})
MAX_SENTENCES = 3


def _publisher_names(doc: Doc) -> list[str]:
    """'The Phnom Penh Post / Asia News Network' -> ['phnom penh post', 'asia news network']."""
    parts = re.split(r"[/,(;)]|\bvia\b", doc.meta.publisher or "")
    names = []
    for part in parts:
        words = [w for w in re.findall(r"[\w&'.-]+", part.lower()) if w != "the"]
        if words and not set(words) <= _NOT_NAMES and len(" ".join(words)) > 4 \
                and not re.search(r"\d|ecfr|rendering|republished", " ".join(words)):
            names.append(" ".join(w for w in words if w not in ("llp", "inc", "ltd")))
    return names


def publisher_names(answerer) -> tuple[str, ...]:
    """The publishers of the indexed documents, as a question names them ("phnom penh post")."""
    return tuple(dict.fromkeys(n for doc in catalogue(answerer) for n in _publisher_names(doc)))


def score(doc: Doc, question: str, destination: str | None) -> float:
    """How well the question names `doc` (0 = not at all)."""
    q = question.lower()
    points = 0.0
    if doc.meta.citation and any(part and part.lower() in q for part in re.findall(
            r"\d{4}-\d{5}|\d{2,3} FR \d{3,6}", doc.meta.citation)):
        points += 5
    if any(re.search(rf"\b{re.escape(n)}\b", q) for n in _publisher_names(doc)):
        points += 4
    agency = doc.meta.agency or ""
    if agency in AGENCY_CUES and AGENCY_CUES[agency].search(question):
        points += 2
    named = {m.code for m in find_countries(question)} | ({destination} if destination else set())
    if named & {m.code for m in find_countries(doc.meta.title or "")}:
        points += 2
    for pattern, types in KIND_CUES:
        if pattern.search(question) and (doc.meta.document_type or "") in types:
            points += 1
    return points


def resolve(ask: Ask) -> tuple[Doc | None, list[Doc]]:
    """The document meant, and the others that the question names as well (best first)."""
    docs = [d for d in catalogue(ask.answerer) if d.published is None or d.published <= ask.today]
    scored = [(score(d, ask.question, ask.facts.destination), d) for d in docs]
    scored = [(s, d) for s, d in scored if s >= 2]
    if not scored:
        return None, []
    scored.sort(key=lambda sd: (sd[0], sd[1].dated or date.min), reverse=True)
    best = scored[0]
    rivals = [d for s, d in scored[1:] if s == best[0]]
    return best[1], rivals


def _pick(ask: Ask, doc: Doc, pattern: re.Pattern | None) -> list[tuple]:
    """The document's sentences that answer: those matching `pattern`, else the ones sharing
    most words with the question and the title (in reading order)."""
    found = sentences(ask.answerer.chunks_by_source(doc.source))
    if pattern is not None:
        hits = [s for s in found if pattern.search(s[3])]
        if hits:
            return hits[:1]
    terms = terms_of(ask.question) | terms_of(doc.meta.title or "")
    overlap = [len(terms_of(s[3]) & terms) for s in found]
    best = max(overlap, default=0)
    if best == 0:
        return found[:1]
    return [s for s, n in zip(found, overlap) if n >= max(1, 0.6 * best)][:MAX_SENTENCES - 1]


def _headline(doc: Doc, question: str) -> tuple[str, re.Pattern | None]:
    ref = doc.reference()
    ref = ref[0].upper() + ref[1:]
    if _WHEN_EFFECT.search(question):
        if doc.meta.effective:
            return f"{ref} takes effect {day_words(doc.meta.effective)}.", re.compile(
                r"\beffective\b", re.I)
        return f"{ref} states no effective date in regbot's records.", None
    if _WHEN_PUBLISHED.search(question):
        when = day_words(doc.meta.published) if doc.meta.published else "on a date not stated"
        return f"{ref} was published {when}.", None
    when = f", published {day_words(doc.meta.published)}" if doc.meta.published else ""
    return f"{ref}{when}, says:", None


def document_reply(ask: Ask) -> Reply | None:
    doc, rivals = resolve(ask)
    if doc is None:
        return None
    head, pattern = _headline(doc, ask.question)
    picked = _pick(ask, doc, pattern)
    cites = [c for s in picked if (c := sentence_citation(s[0], s[1], s[2])) is not None]
    if pattern is not None and cites:
        lines = [Line(head, tuple(cites))]
    else:
        lines = [Line(head)] + [Line(f"“{' '.join(c.quote.split())}”", (c,)) for c in cites]
    if (doc.meta.document_type or "") in SECONDARY:
        lines.append(Line("This is news or commentary: background, not a source of law."))
    if rivals:
        others = "; ".join(f"“{d.meta.title}” ({day_words(d.dated) if d.dated else 'undated'})"
                           for d in rivals[:2])
        lines.append(Line(f"Other documents the question could mean: {others}."))
    return Reply(tuple(lines))
