"""The parties of the export against the Consolidated Screening List (issue 10 point 3).

Each name the question gives (buyer, end user, consignee; `--end-user`) is screened on the
reader's list (`bot.rules.parties`, traced with the list's date). What a hit means comes from
the list (`bot.screening.effects`): Entity List -> a licence as the entry's License Requirement
says (§ 744.11(a)), its License Policy quoted; Denied Persons -> prohibited (General
Prohibition Four, § 736.2(b)(4)); SDN -> prohibited (OFAC blocking); MEU List -> a licence for
items in Supp. No. 2 to part 744 (§ 744.21(b)); Unverified List -> depends (a UVL statement,
no licence exceptions, § 744.15); other lists -> depends with the list's effect; a near match
-> depends ("confirm the buyer is not <entry>"). No hit -> clear, naming the list's date.
"""
from __future__ import annotations

import re
from typing import Iterator

from bot.records import Status
from bot.rules import parties
from bot.rules.context import Context
from bot.rules.schema import MEU_SUPP2
from bot.rules.types import Finding, Layer, Need

NAME = "parties"
SHOWN = 3  # entries named in one reason; the rest are counted
_ALL_ITEMS = re.compile(r"\ball items subject to the EAR\b", re.IGNORECASE)
_CONDITIONAL = re.compile(r"\bwhen used in\b|\bprojects specified\b", re.IGNORECASE)
_CCL_AND_SUPP7 = re.compile(r"items on the CCL and (?:EAR99 items )?listed in supplement no\. 7 "
                            r"to part 746", re.IGNORECASE)


def applies(ctx: Context) -> bool:
    return bool(ctx.parties)


def check(ctx: Context) -> Iterator[Finding]:
    screened = [parties.screen(ctx.reader, name, ctx.destination) for name in ctx.parties]
    found: list[Finding] = []
    for item in screened:
        if item.problem:
            found.append(Finding(NAME, Status.CANNOT_DETERMINE, (parties.LIST_RULE,), (
                f"The parties could not be screened: {item.problem}. Nothing may be exported "
                f"until they are."), ()))
            continue
        for group in _groups(item):
            found.append(_finding(ctx, item.name, group))
    yield from found
    if not found:
        yield _clear(ctx, screened)


def _groups(item: parties.Screened) -> list[list[tuple]]:
    """The hits of one name grouped by list and band (one reason each, not one per entry)."""
    groups: dict[tuple[str, bool], list[tuple]] = {}
    for hit, effect, key in item.hits:
        groups.setdefault((effect.list_code, hit.band == "near"), []).append((hit, effect, key))
    return list(groups.values())


def _entry(hit, effect) -> str:
    """'the Entity List entry “X” of Burma (90 FR 14046; matched exact on name 'X')'."""
    party = hit.party
    notice = f"{party.federal_register_notice}; " if party.federal_register_notice else ""
    return (f"the {_list_name(effect)} entry “{party.name}”{_places(party)} ({notice}"
            f"matched {hit.match.describe()})")


def _places(party) -> str:
    """" of Burma": the entry's countries, outside the parentheses so the brief keeps them (a
    short name like "MOD" is told apart by them)."""
    from bot.rules.countries import country_name

    names = [country_name(c) or c for c in party.countries]
    return f" of {', '.join(names)}" if names else ""


def _list_name(effect) -> str:
    from bot.screening.effects import list_name

    return list_name(effect.list_code)


def _cites(effect) -> str:
    return "; ".join(dict.fromkeys(r.citation for r in effect.references)) or \
        "no primary text in the sources states this list's effect"


def _effect_said(effect) -> str:
    """The list's effect in one sentence, with the citations it rests on."""
    return f"{effect.summary.rstrip('. ')} ({_cites(effect)})."


def _more(group: list[tuple]) -> str:
    if len(group) <= 1:
        return ""
    names = ", ".join(f"“{h.party.name}”" for h, _, _ in group[1:SHOWN])
    rest = len(group) - SHOWN
    return f" It also matches {names}" + (f" and {rest} more entries" if rest > 0 else "") + \
        " of the same list."


def _finding(ctx: Context, query: str, group: list[tuple]) -> Finding:
    hit, effect, _ = group[0]
    keys = (parties.LIST_RULE, *(k for _, _, k in group))
    near = hit.band == "near"
    status, reason = _near(ctx, query, group) if near else _listed(ctx, query, hit, effect)
    needs = (Need("party"),) if near else ()
    for _, _, key in group:
        parties.decided(ctx.reader, key, status)
    more = "" if near else _more(group)
    return Finding(NAME, status, keys, reason + more + _when(ctx, hit),
                   (effect.references[0].citation,) if effect.references else (), needs)


def _near(ctx: Context, query: str, group: list[tuple]) -> tuple[Status, str]:
    """A close match: depends until the buyer is told apart from every entry it resembles."""
    hit, effect, _ = group[0]
    entries = [f"“{h.party.name}”" for h, _, _ in group[:SHOWN]]
    others = f" (and {len(group) - SHOWN} more)" if len(group) > SHOWN else ""
    names = " or ".join(entries) + others
    return Status.DEPENDS, (
        f"“{query}” closely resembles, on the Consolidated Screening List of "
        f"{parties.list_date(ctx.reader)}, {_entry(hit, effect)}: confirm the buyer is not "
        f"{names} before relying on this answer. If it is: {_effect_said(effect)}")


def _listed(ctx: Context, query: str, hit, effect) -> tuple[Status, str]:
    party = hit.party
    code = effect.list_code
    head = (f"“{query}” is on the Consolidated Screening List of {parties.list_date(ctx.reader)}"
            f": {_entry(hit, effect)}.")
    if code == "EL":
        return _entity_list(ctx, head, party, effect)
    if code == "MEU":
        return _meu(ctx, head, party, effect)
    if code in ("DPL", "SDN"):
        programs = f" (programs: {party.programs})" if party.programs else ""
        return Status.PROHIBITED, f"{head[:-1]}{programs}. {_effect_said(effect)}"
    return Status.DEPENDS, f"{head} {_effect_said(effect)}"


def _columns(party) -> str:
    """The entry's own columns, verbatim."""
    requirement = party.license_requirement or "(none stated)"
    policy = party.license_policy or "(none stated)"
    return f"License Requirement: “{requirement}”; License Policy: “{policy}”"


def _entity_list(ctx: Context, head: str, party, effect) -> tuple[Status, str]:
    """§ 744.11(a): a licence "to the extent specified on the Entity List"."""
    columns = f"{head} {_columns(party)}."
    requirement = party.license_requirement or ""
    if ctx.kind == "usml":
        return Status.DEPENDS, (
            f"{columns} The Entity List reaches items subject to the EAR; this item is on the "
            f"USML, so the ITAR licence decides, and the application must name this party.")
    if _CONDITIONAL.search(requirement):
        return Status.DEPENDS, (
            f"{columns} A licence is required if the export is of the kind the entry names "
            f"({_cites(effect)}); confirm it is not.")
    if _CCL_AND_SUPP7.search(requirement) and ctx.kind in ("ear99", None):
        return Status.DEPENDS, (
            f"{columns} For an EAR99 item a licence is required only if the item is listed in "
            f"Supplement No. 7 to part 746 ({_cites(effect)}).")
    scope = "every item subject to the EAR, EAR99 included" if _ALL_ITEMS.search(requirement) \
        else "the items the entry names"
    return Status.LICENSE_REQUIRED, (
        f"{columns} A licence is required for {scope} ({_cites(effect)}); licence exceptions "
        f"only where the entry allows them, and the application is reviewed under the entry's "
        f"License Policy.")


def _meu(ctx: Context, head: str, party, effect) -> tuple[Status, str]:
    """§ 744.21(b): a licence for the items of Supp. No. 2 to part 744 when an MEU is a party."""
    columns = f"{head} {_columns(party)}."
    if ctx.kind == "usml":
        return Status.DEPENDS, (f"{columns} The MEU List reaches items subject to the EAR; "
                                f"this item is on the USML, so the ITAR licence decides.")
    supp2 = ctx.reader.value(MEU_SUPP2.id)
    if ctx.kind == "ear99":
        return Status.NO_LICENSE_REQUIRED, (
            f"{columns} The MEU List requires a licence only for items in Supplement No. 2 to "
            f"part 744 ({_cites(effect)}); EAR99 items are not among them.")
    if supp2 is not None and ctx.eccn in supp2.value:
        return Status.LICENSE_REQUIRED, (
            f"{columns} {ctx.classification} is listed in Supplement No. 2 to part 744 "
            f"({supp2.citation}): a licence is required ({_cites(effect)}).")
    return Status.CANNOT_DETERMINE, (
        f"{columns} A licence is required if {ctx.classification or 'the item'} is listed in "
        f"Supplement No. 2 to part 744 ({_cites(effect)}); the rulebook cannot say whether "
        f"it is.")


def _when(ctx: Context, hit) -> str:
    """The list is today's: an answer about an earlier date says so."""
    listed = parties.list_date(ctx.reader)
    if listed and ctx.as_of.isoformat() < listed:
        return (f" (Screened against the list of {listed}; the entry may have been added after "
                f"{ctx.as_of}.)")
    return ""


def _clear(ctx: Context, screened: list[parties.Screened]) -> Finding:
    """Nothing listed: the verdict names the list and the date it screened against."""
    names = ", ".join(f"“{s.name}”" for s in screened)
    listed = screened[0].list_date
    return Finding(NAME, Status.NO_LICENSE_REQUIRED, (parties.LIST_RULE,), (
        f"Screened {names} against the Consolidated Screening List of {listed}: no listed party "
        f"matches."), (f"Consolidated Screening List, list of {listed}",))


LAYER = Layer(NAME, applies, check)
