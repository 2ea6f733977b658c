"""Who the end user is, and which parties to screen, as facts (issue 10 point 4).

`read_end_user(text, use, user)` reads a question (or a front end's value) with
`classify_end_user`: a military or military-intelligence end user outranks any stated use
(§ 744.21(g)), and a national force names its country; a civil one is civil; an organisation
whose kind its name does not tell is `unknown` (never civil by default); a role word ("a
customer") names nobody. The names worth screening come with it (`Facts.parties`).
`with_end_user(facts, text)` applies an end user a front end states (--end-user, a Slack
button) to facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.records import Facts
from bot.rules.end_users import EndUserKind, classify_end_user, force_country


def end_use_for(text: str | None) -> str | None:
    from bot.rules.facts import end_use_for as cue  # the end-use cues live with the facts

    return cue(text)


MILITARY_KINDS = ("military-intelligence", "military")  # most restrictive first
# Words that name a role in the deal, not an organisation ("a customer", "the distributor").
_ROLE = re.compile(r"^(?:(?:the|a|an|our|their|my|this|that|new|local|potential)\s+)*(?:customer|buyer|"
                   r"client|distributor|reseller|dealer|integrator|contractor|subcontractor|"
                   r"intermediary|freight forwarder|consignee|end[- ]?user|importer|purchaser|"
                   r"partner|agent|company|firm|business)s?$", re.IGNORECASE)


@dataclass(frozen=True)
class EndUser:
    """Who the end user is, as a question or a front end states it."""

    end_use: str | None  # the end use the engine applies (a military end user outranks)
    end_user: str | None  # the words naming the end user
    kind: str | None  # Facts.end_user_kind
    parties: tuple[str, ...]  # names worth screening
    span: tuple[int, int] | None = None  # where the text names an end user or organisation
    country: str | None = None  # the country a national force belongs to ("PLA" -> CN)


def _outranking(who: EndUserKind, use: str | None) -> str:
    """A military end user outranks a stated use; the stricter military kind wins."""
    kinds = [k for k in MILITARY_KINDS if k in (who.kind, use)]
    return kinds[0]


def _words_for(who: EndUserKind, user: str | None) -> str | None:
    """The end user's words: the cue's ("army"), or the fuller name that holds it ("people's
    armed police"), or the name as written when no cue found it ("PLA")."""
    if user and end_use_for(user) == who.kind:
        return who.phrase.lower() if user in who.phrase.lower() else user
    return who.phrase


def read_end_user(text: str, use: str | None = None, user: str | None = None,
                  skip: list[tuple[int, int]] = ()) -> EndUser:
    """The end user `text` names (`use`, `user`: what the end-use cues found), and the parties
    worth screening. Armed forces, police, intelligence services... are military end users
    whatever use is stated (§ 744.21(g)); an organisation whose kind its name does not tell is
    `unknown`, never civil by default; a role word ("a customer") names no organisation."""
    from bot.screening.mentions import find_party_mentions

    who = classify_end_user(text)
    # a named force is screened too: some are listed (NUDT is on the Entity List)
    mentions = [m for m in find_party_mentions(text) if not any(s <= m.span[0] < e for s, e in skip)]
    parties = tuple(dict.fromkeys(m.text for m in mentions))
    if who.kind in MILITARY_KINDS:
        if who.phrase and re.search(r"[A-Z]", who.phrase) and who.phrase not in parties:
            parties = (*parties, who.phrase)  # a force named as a proper noun: "NUDT", "PLA"
        return EndUser(_outranking(who, use), _words_for(who, user), who.kind, parties,
                       who.span, force_country(who.phrase))
    if who.kind == "civil":
        return EndUser(use or "civil", user or who.phrase, "civil", parties, who.span)
    organisation = who.phrase is not None and not _ROLE.match(who.phrase)
    name = _proper_name(who.phrase) if organisation else None
    if name and _new_name(name, parties):
        parties = (*parties, name)  # "the Royal University of Phnom Penh": screened whole
    if parties or organisation:  # named, but its name does not say what it is
        words = parties[0] if parties else _AFTER_PREPOSITION.sub("", who.phrase)
        return EndUser(use, words, "unknown", parties, who.span if organisation else None)
    return EndUser(use, user, None, ())


_AFTER_PREPOSITION = re.compile(r"^.*\b(?:to|for|from|with|by|via|at)\s+", re.IGNORECASE)
_PROPER = re.compile(r"(?<![\w'’])[A-Z][\w'’.&-]*(?:\s+(?:(?:of|and|&|de|du|des|la|le|the)\s+)*"
                     r"[A-Z0-9][\w'’.&-]*)*")


def _new_name(name: str, parties: tuple[str, ...]) -> bool:
    """An organisation's name (two words at least, or an acronym) that the mentions do not
    already hold, nor hold part of. Place words count here ("Royal University of Phnom Penh")."""
    bare = name.rstrip(" .,")
    if len(re.findall(r"[A-Za-z]{2,}", bare)) < 2 and not re.fullmatch(r"[A-Z]{3,}", bare):
        return False
    return not any(bare in p or p in bare for p in parties)


def _proper_name(phrase: str) -> str | None:
    """"servers to the Royal University of Phnom Penh for teaching" -> "Royal University of
    Phnom Penh"; None when no capitalised word starts a name ("a local university")."""
    m = _PROPER.search(phrase)
    return m.group(0) if m else None


def with_end_user(facts: Facts, text: str) -> Facts:
    """`facts` with the end user a front end states (--end-user, "the buyer is X", a Slack
    button): classified, the stricter end use kept, the name screened unless it is generic."""
    from bot.screening.mentions import worth_screening

    text = " ".join(str(text).split())
    found = read_end_user(text, facts.end_use, text)
    parties = found.parties
    if not parties and found.kind not in (*MILITARY_KINDS, "civil") and worth_screening(text):
        parties = (text,)  # a name, even in lower case ("acme trading"); not "airline", "army"
    kind = found.kind or ("unknown" if parties else None)
    # the stated end use stays as stated: the engine lets a military end user outrank it
    return replace(facts, end_user=text, end_user_kind=kind, parties=parties)


__all__ = ["EndUser", "MILITARY_KINDS", "read_end_user", "with_end_user"]
