"""Which screening lists a party is on: the Consolidated Screening List as regbot holds it.

"No match" is said as what it is — no entry of this list matched these words — never as
"the party is clear": names are screened as typed, so a buyer must still be screened by its
full legal name and address.
"""
from __future__ import annotations

import re
from collections import Counter

from bot.answers.base import Ask, Line, Reply, day_words
from bot.answers.cite import party_citation, rule_citation

_NAME_PATTERNS = (
    re.compile(r"\b(?:which|what)\s+(?:\w+\s+){0,2}lists?\s+(?:is|are|was)\s+(?P<name>.+?)\s+"
               r"(?:on|in|listed on|listed in)\b", re.IGNORECASE),
    re.compile(r"\bis\s+(?P<name>.+?)\s+(?:on|in|listed on|listed in)\s+(?:the|a|any|an)\s+",
               re.IGNORECASE),
    re.compile(r"\b(?:is|are)\s+(?P<name>.+?)\s+(?:sanctioned|denied|blocked|listed|restricted)\b",
               re.IGNORECASE),
    re.compile(r"\bscreen(?:ing)?\s+(?:for\s+)?(?P<name>.+?)\s*[?.!]*$", re.IGNORECASE),
)
_QUOTES = "\"'“”‘’"
MAX_ENTRIES = 3


def party_name(question: str) -> str | None:
    """The party the question asks about ("Is Huawei on the Entity List?" -> "Huawei")."""
    for pattern in _NAME_PATTERNS:
        m = pattern.search(question)
        if m:
            name = m.group("name").strip().strip(_QUOTES).strip()
            if name and name.lower() not in ("it", "they", "he", "she", "this", "that", "the buyer"):
                return name
    return None


def _effect_line(ask: Ask, hit) -> Line | None:
    """What a hit on its list means, with the effect's reference quoted where the index holds it."""
    from bot.screening import effect_of

    effect = effect_of(hit)
    for ref in effect.references:
        if ref.source and ref.source.startswith("corpus/") and ref.quote:
            cite = rule_citation(f"screening.{effect.list_code}", _Ref(ref), ask.answerer)
            if cite is not None:
                return Line(f"What it means: {effect.summary}", (cite,))
    return Line(f"What it means: {effect.summary} ({effect.references[0].citation})"
                if effect.references else f"What it means: {effect.summary}")


class _Ref:
    def __init__(self, ref):
        self.source = ref.source.rsplit("/", 1)[-1]
        self.quote = ref.quote


def _entry_line(hit, list_date: str) -> Line:
    p = hit.party
    where = f" ({', '.join(p.countries)})" if p.countries else ""
    need = f"; licence requirement: {' '.join(p.license_requirement.split())}" \
        if p.license_requirement else ""
    near = " — a near match: confirm it is not the same party" if hit.band == "near" else ""
    return Line(f"{p.list_code}: {p.name}{where}{need}{near}.", (party_citation(p, list_date),))


def party_reply(ask: Ask) -> Reply | None:
    name = party_name(ask.question)
    if name is None:
        return None
    from bot.screening import ScreeningInputError, screen

    try:
        result = screen(name)
    except ScreeningInputError:
        return None
    when = day_words(result.list_date)
    flagged = result.flagged or result.near
    if not flagged:
        return Reply((Line(f"No entry of the Consolidated Screening List of {when} matches "
                           f"\"{name}\"."),
                      Line("Names are matched as typed: screen the party's full legal name and "
                           "address before relying on this.")))
    lists = Counter(h.party.list for h in flagged)
    summary = "; ".join(f"{lst} ({n} entr{'y' if n == 1 else 'ies'})" for lst, n in lists.most_common())
    head = "Yes — \"{}\" matches" if result.flagged else "Possibly — \"{}\" comes near"
    lines = [Line(f"{head.format(name)} the Consolidated Screening List of {when}: {summary}.")]
    lines += [_entry_line(h, result.list_date) for h in flagged[:MAX_ENTRIES]]
    if len(flagged) > MAX_ENTRIES:
        lines.append(Line(f"…and {len(flagged) - MAX_ENTRIES} more entries (regbot screen \"{name}\")."))
    effect = _effect_line(ask, flagged[0])
    if effect is not None:
        lines.append(effect)
    return Reply(tuple(lines))
