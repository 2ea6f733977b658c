"""Claim and quote must agree: is a rule's quote about the reason it is shown for?

A verdict's reasons are claims about one destination and, per branch, one classification,
each resting on rule values (`Claim`). A rule value's quote is shown as support for a claim
only if it is about

- that destination, or its group or list: a quote that names countries must name the
  destination, or be the rule's whole country list (§ 744.21(a)(1) naming all five of its
  countries supports "Germany is not among them"); the Commerce Country Chart row of
  Cambodia is not evidence for China;
- that rule: a rule that holds for every destination (22 CFR 123.1, EAR99) is not supported
  by a sentence about one country (a DDTC announcement about Cambodia, "EAR99 ... require a
  license to Cuba"); and a quote naming ECCNs must name the claim's ECCN or be the rule's
  whole ECCN list (the 7A994 heading is not 9A991's reason for control);
- that paragraph: § 744.21(e)(1) reviews the items of (a)(1) with a presumption of denial and
  those of (a)(2) with a policy of denial; a sentence naming one of those paragraphs supports
  only a destination in that paragraph's country list (Russia's answer is not supported by
  the (a)(1) sentence).

Pure functions over text; country names come from `bot.rules.countries`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from bot.records import Facts, Verdict
from bot.rules import schema
from bot.rules.countries import find_countries

_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "CambodiaXX| X|" (a flattened table row)
_ECCN = re.compile(r"(?<![\w.])(\d[A-E]\d{3})(?![\dA-Za-z])")
NOT_PLACES = frozenset({"US"})  # the exporting country is named everywhere


@dataclass(frozen=True)
class Claim:
    """One rule a reason rests on, for one destination and classification."""

    rule_id: str
    destination: str | None  # ISO code
    classification: str | None = None  # "9A991", "EAR99", "USML XI", or None
    value: tuple[str, ...] | None = None  # the rule's country or ECCN list, when it is one
    # the country-group rules of PARAGRAPHS whose list holds the destination (None: not known)
    groups: frozenset[str] | None = None


# A quote naming one of these paragraphs is about the countries of that rule's list only.
PARAGRAPHS = {"paragraph (a)(1)": "ear.744_21.group1", "paragraph (a)(2)": "ear.744_21.group2"}


def places_named(text: str) -> frozenset[str]:
    """ISO codes of the countries `text` names (demonyms and capitals too), the US aside; a
    flattened table row ("CambodiaXX| X|") still names its country."""
    return countries_in(_GLUED.sub(" ", text))


@lru_cache(maxsize=4096)
def countries_in(text: str) -> frozenset[str]:
    """ISO codes `find_countries` reads in `text` as written, the US aside (cached: passages
    and quotes recur from one answer to the next)."""
    return frozenset(m.code for m in find_countries(text)) - NOT_PLACES


def eccns_named(text: str) -> frozenset[str]:
    """ECCNs `text` names, without paragraphs ("9A991.a" -> "9A991")."""
    return frozenset(_ECCN.findall(text))


def _eccn(classification: str | None) -> str | None:
    found = _ECCN.match(classification or "")
    return found.group(1) if found else None


def _kind(rule_id: str) -> tuple[str, bool] | None:
    """(value kind, per destination) of a rule the schema knows, else None."""
    parsed = schema.parse(rule_id)
    return (parsed[0].kind, parsed[0].per_destination) if parsed else None


def about_destination(quote: str, claim: Claim) -> bool:
    """The quote names no country, or the claim's destination, or is the rule's whole list;
    a rule for every destination is supported only by a quote naming no country."""
    places = places_named(quote)
    if not places:
        return True
    kind = _kind(claim.rule_id)
    if kind is not None and kind[0] != "countries" and not kind[1]:
        return False  # a rule for every destination, a quote about particular countries
    if claim.destination is None or claim.destination in places:
        return True
    return bool(kind and kind[0] == "countries" and claim.value
                and set(claim.value) <= places)


def about_item(quote: str, claim: Claim) -> bool:
    """A quote naming ECCNs names the claim's ECCN, or is the rule's whole ECCN list."""
    named = eccns_named(quote)
    own = _eccn(claim.classification)
    if not named or own is None or own in named:
        return True
    kind = _kind(claim.rule_id)
    return bool(kind and kind[0] == "eccns" and claim.value and set(claim.value) <= named)


def about_paragraph(quote: str, claim: Claim) -> bool:
    """A quote naming a paragraph of PARAGRAPHS names one whose list holds the destination."""
    named = {rule for words, rule in PARAGRAPHS.items() if words in quote}
    return not named or claim.groups is None or bool(named & claim.groups)


def supports(quote: str, claim: Claim) -> bool:
    """Whether `quote` may be shown as support for `claim`."""
    return (about_destination(quote, claim) and about_item(quote, claim)
            and about_paragraph(quote, claim))


def supported_rules(quote: str, rule_ids: Iterable[str], claims: Iterable[Claim]) -> tuple[str, ...]:
    """The rule ids among `rule_ids` for which `quote` supports at least one claim."""
    claims = list(claims)
    return tuple(r for r in rule_ids
                 if any(c.rule_id == r and supports(quote, c) for c in claims))


def _listed(value: Any) -> tuple[str, ...] | None:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else None


def claims(verdict: Verdict, facts: Facts | None) -> tuple[Claim, ...]:
    """The claims a verdict makes: per branch (or the verdict as a whole), each rule it rests
    on, for the destination and the branch's classification."""
    destination = facts.destination if facts else None
    stated = facts.classification if facts else None
    values = {t.rule_id: _listed(t.value) for t in verdict.trace}
    lists = {r: values[r] for r in PARAGRAPHS.values() if values.get(r) is not None}
    groups = (frozenset(r for r, v in lists.items() if destination in v)
              if destination and lists else None)
    per_branch = [(b.rule_ids, b.conditions.get("classification") or stated)
                  for b in verdict.branches]
    in_branches = {r for ids, _ in per_branch for r in ids}
    per_branch.append((tuple(r for r in verdict.rule_ids if r not in in_branches), stated))
    return tuple(dict.fromkeys(Claim(r, destination, cls, values.get(r), groups)
                               for ids, cls in per_branch for r in ids))
