"""`evaluate(facts, rulebook) -> Verdict`: a pure, deterministic check over dated rules.

Facts -> branch plans (missing facts become branches) -> per branch a Context -> the
findings of the layers (`bot.rules.layers`) -> one outcome per branch (`combine`) -> the
Verdict. All branches agree -> that status, otherwise `depends`. Anything the rulebook does
not cover -> `cannot_determine` (fail closed). Every rule value read is traced. Facts about a
period (`Facts.period`) are evaluated on each stretch of it where the rules differ
(`bot.rules.periods`): a rule change inside the period gives dated branches.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.records import Branch, Facts, Status, Verdict
from bot.rules import combine, item_words
from bot.rules.branches import matters, plan
from bot.rules.context import Context
from bot.rules.countries import country_name
from bot.rules.dates import window
from bot.rules.datasets.load import pin, unpin
from bot.rules.destinations import covered, not_in_chart, place
from bot.rules.loader import Rulebook
from bot.rules.parties import PartyLists, parties_only, screening_record
from bot.rules.periods import over_period
from bot.rules.questions import classification_choice, question
from bot.rules.reader import Reader
from bot.rules.types import Outcome

Run = tuple[dict, Outcome]


def _closed(reason: str, missing=()) -> Verdict:
    return Verdict(status=Status.CANNOT_DETERMINE, reasons=(reason,), missing_facts=tuple(missing),
                   clarifying_questions=tuple(question(m) for m in missing))


def _precheck(facts: Facts, rulebook: Rulebook) -> Verdict | None:
    if facts.out_of_scope:
        return _closed(f"This question is about {facts.out_of_scope}, which is outside "
                       f"the rulebook: it covers US export controls (ITAR and EAR) only.")
    if facts.unknown_country:
        return _closed(f"I don't know the country '{facts.unknown_country}'.", ["destination"])
    if facts.destination is None:
        return _closed("No destination was given, so no rule can be applied.", ["destination"])
    if facts.destination not in covered(rulebook):
        name = country_name(facts.destination) or facts.destination
        return _closed(f"Neither the rulebook nor the EAR's tables can decide an export to "
                       f"{name} ({facts.destination}): {not_in_chart(facts.destination).reason}. "
                       f"Check the destination with compliance.")
    return None


def _unverified_reason(ids: list[str], reader: Reader) -> str:
    cites = "; ".join(f"{rid} ({reader.entry(rid).citation})" for rid in ids)
    return (f"Unconfirmed: this verdict rests on rule values the corpus does not confirm — "
            f"{cites}. Check them against the primary text before relying on it.")


def _branch_reason(branch: Branch, reader: Reader) -> str:
    """'If classification is 7A994 and end use is civil: no licence required (15 CFR ...).'"""
    cond = " and ".join(f"{k.replace('_', ' ')} is {v}" for k, v in branch.conditions.items())
    cites = "; ".join(dict.fromkeys(reader.entry(r).citation for r in branch.rule_ids
                                    if reader.entry(r)))
    return f"If {cond}: {branch.status.label.lower()}" + (
        f" ({cites})." if cites else " (outside what the rulebook covers).")


def _catalogue_note(facts: Facts, rulebook: Rulebook) -> str | None:
    """Which classifications an unclassified item word was checked as (the catalogue's)."""
    entry = rulebook.item(facts.item) if facts.classification is None and facts.item else None
    if entry is None:
        return None
    names = ", ".join(dict.fromkeys(c.classification for c in entry.candidates))
    shaky = ", ".join(dict.fromkeys(c.classification for c in entry.candidates if not c.verified))
    return (f"No classification was given for '{facts.item}': it was checked as each "
            f"classification the item catalogue lists for it ({names})."
            + (f" Catalogue entries not confirmed by the corpus: {shaky}." if shaky else ""))


def _reasons(status: Status, runs: list[Run], branches: tuple[Branch, ...], missing: list[str],
             reader: Reader) -> list[str]:
    if branches and status == Status.DEPENDS and len({o.status for _, o in runs}) > 1:
        return [f"The answer depends on {' and '.join(m.replace('_', ' ') for m in missing)}: "
                f"the possible cases give different answers.",
                *(_branch_reason(b, reader) for b in branches)]
    if branches:
        return [f"All {len(branches)} possible cases give the same answer.",
                *dict.fromkeys(r for _, o in runs for r in o.reasons)]
    return list(runs[0][1].reasons)


def _questions(facts: Facts, runs: list[Run], missing: list[str]) -> list[str]:
    """One question per missing fact (extended in place by what the branches still need)."""
    asked = []
    if "classification" in missing:
        options = list(dict.fromkeys(c["classification"] for c, _ in runs if "classification" in c))
        asked.append(classification_choice(facts.item, options))
    for fact in ("end_use", "end_user_kind"):
        if fact in missing:
            asked.append(question(fact))
    for _, outcome in runs:
        for fact in outcome.missing:
            if fact not in missing:
                missing.append(fact)
                asked.append(question(fact))
    return asked


def _verdict(facts: Facts, runs: list[Run], missing: list[str], reader: Reader,
             note: str | None, first: tuple[str, ...] = ()) -> Verdict:
    statuses = {o.status for _, o in runs}
    agree = len(statuses) == 1  # every case gives this status (a listed party may say depends)
    status = statuses.pop() if agree else Status.DEPENDS
    if status == Status.DEPENDS:  # ask only about the facts that change the answer
        missing = [m for m in missing if matters(m, runs)] or missing
    rule_ids = list(dict.fromkeys([*first, *(r for _, o in runs for r in o.rule_ids)]))
    branches = tuple(Branch(conditions=c, status=o.status, rule_ids=o.rule_ids,
                            reasons=o.reasons) for c, o in runs if c)
    reasons = _reasons(status, runs, branches, missing, reader)
    if note:
        reasons.insert(1, note)
    unverified = [r for r in rule_ids if (e := reader.entry(r)) and not e.verified]
    if unverified:
        reasons.append(_unverified_reason(unverified, reader))
    if agree:  # every case agrees: nothing left to ask about the branches
        missing = []
    questions = _questions(facts, runs, missing)
    if not facts.parties:  # the status follows item and destination; still ask who buys it
        questions.append(question("parties"))
    return Verdict(status=status, reasons=tuple(reasons), branches=branches,
                   missing_facts=tuple(missing), clarifying_questions=tuple(questions),
                   rule_ids=tuple(rule_ids), trace=reader.trace(), unverified=tuple(unverified),
                   screening=screening_record(reader, facts.parties))


def evaluate(facts: Facts, rulebook: Rulebook, parties: PartyLists | None = None) -> Verdict:
    """The verdict for `facts` under `rulebook` and the screening list `parties` (default: the
    active one, read only when the facts name a party), with branches for missing facts and,
    over a period in which a rule changes, for the dates."""
    token = pin()  # the snapshot of the EAR's tables is looked up once per date
    try:
        return _evaluate(facts, rulebook, parties)
    finally:
        unpin(token)


def _evaluate(facts: Facts, rulebook: Rulebook, parties: PartyLists | None) -> Verdict:
    closed = _precheck(facts, rulebook)
    if closed is not None:  # the parties named may still decide (a denial order, ...)
        return parties_only(closed, facts, rulebook, parties)
    if facts.period is not None and window(facts.period, facts.as_of) != (
            facts.as_of, facts.as_of, False):
        return over_period(facts, lambda day: _on_day(replace(facts, as_of=day, period=None),
                                                      rulebook, parties), question("period"))
    return _on_day(facts, rulebook, parties)[0]


def _on_day(facts: Facts, rulebook: Rulebook, parties: PartyLists | None) -> tuple[Verdict, Reader]:
    """The verdict on the one day `facts.as_of`, and the reader that read the rules for it."""
    reader = Reader(rulebook, facts.as_of, parties)
    where = place(facts.destination, country_name(facts.destination) or facts.destination)
    first: tuple[str, ...] = ()
    if where.direction is not None:  # Hong Kong reads China's row: say so, cite it
        first = (f"ear-table:direction:{where.asked}",)
        reader.traced(first[0], where.direction)
    plans, missing = plan(facts, rulebook)
    note = _catalogue_note(facts, rulebook)
    if facts.classification is None and note is None and \
            (found := item_words.search(facts.item, facts.as_of, rulebook)) is not None:
        note, keys = item_words.note(found, reader)  # each candidate's heading, quoted
        first = (*first, *keys)
    runs = []
    for branch in plans:
        ctx = Context(reader, where.code, where.name, branch.classification, branch.end_use,
                      facts.end_user, parties=facts.parties, asked=where.asked, item=facts.item,
                      activity=facts.end_use)
        runs.append((branch.conditions, combine.outcome(ctx, combine.consult(ctx))))
    return _verdict(facts, runs, missing, reader, note, first), reader


def evaluate_on(facts: Facts, rulebook: Rulebook, as_of: date) -> Verdict:
    """Convenience for front ends: the same facts on another date."""
    return evaluate(replace(facts, as_of=as_of, period=None), rulebook)


__all__ = ["evaluate", "evaluate_on"]
