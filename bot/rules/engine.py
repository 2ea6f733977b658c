"""`evaluate(facts, rulebook) -> Verdict`: a pure, deterministic check over dated rules.

Missing facts become branches (one per candidate classification, and civil vs military for
EAR items); all branches agree -> that status, otherwise `depends`. Anything the rulebook
does not cover -> `cannot_determine` (fail closed). Every rule value read is traced.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

from bot.records import Branch, Facts, Verdict
from bot.rules.countries import country_name
from bot.rules.decide import Outcome, Reader, decide
from bot.rules.facts import end_use_for
from bot.rules.loader import Rulebook

Q_DESTINATION = "Which country is the item going to (the destination)?"
Q_ITEM = ("What is the item, and how is it classified: on the USML (ITAR, e.g. Category XI) "
          "or on the CCL with an ECCN such as 7A994, or EAR99?")
Q_END_USE = ("Is the end user civil (e.g. an airline) or military (army, navy, air force, "
             "national police)?")


def _question_for_classification(item: str | None, options: list[str]) -> str:
    usml = [c for c in options if c.startswith("USML")]
    ear = [c for c in options if not c.startswith("USML")]
    what = f"the item ({item})" if item else "the item"
    if usml and ear:
        return (f"Is {what} ITAR-controlled (on the USML: {', '.join(usml)}) or an EAR item "
                f"such as {' or '.join(ear)}{' civil avionics' if '7A994' in ear else ''}?")
    return f"Which classification does {what} have: {', '.join(options)}?"


def _stated_end_use(facts: Facts) -> str | None:
    """The end use the facts state; a military end user outranks a civil end use."""
    from_user = end_use_for(facts.end_user)
    if from_user in ("military", "military-intelligence") and facts.end_use in (
            None, "civil", "humanitarian-demining"):
        return from_user
    return facts.end_use or from_user


def _branches(facts: Facts, rulebook: Rulebook) -> tuple[list[tuple[dict, str | None, str | None]],
                                                          list[str]]:
    """[(conditions, classification, end_use)] to evaluate, and the facts branched on."""
    missing: list[str] = []
    classes: list[str | None] = [facts.classification]
    if facts.classification is None and facts.item:
        entry = rulebook.item(facts.item)
        if entry is not None:
            classes = list(dict.fromkeys(c.classification for c in entry.candidates))
            missing.append("classification")
    end_use = _stated_end_use(facts)
    out = []
    for cls in classes:
        uses: list[str | None] = [end_use]
        if end_use is None and cls is not None and not cls.startswith("USML"):
            uses = ["civil", "military"]
        for use in uses:
            cond = {}
            if facts.classification is None and cls is not None and "classification" in missing:
                cond["classification"] = cls
            if end_use is None and use is not None:
                cond["end_use"] = use
            out.append((cond, cls, use))
    if end_use is None and any("end_use" in c for c, _, _ in out):
        missing.append("end_use")
    return out, missing


def _closed(facts: Facts, reason: str, missing=(), questions=()) -> Verdict:
    return Verdict(status="cannot_determine", reasons=(reason,), missing_facts=tuple(missing),
                   clarifying_questions=tuple(questions))


def _precheck(facts: Facts, rulebook: Rulebook) -> Verdict | None:
    if facts.out_of_scope:
        return _closed(facts, f"This question is about {facts.out_of_scope}, which is outside "
                              f"the rulebook: it covers US export controls (ITAR and EAR) only.")
    if facts.unknown_country:
        return _closed(facts, f"I don't know the country '{facts.unknown_country}'.",
                       ["destination"], [Q_DESTINATION])
    if facts.destination is None:
        return _closed(facts, "No destination was given, so no rule can be applied.",
                       ["destination"], [Q_DESTINATION])
    covered = rulebook.countries()
    if facts.destination not in covered:
        name = country_name(facts.destination) or facts.destination
        names = ", ".join(country_name(c) or c for c in covered)
        return _closed(facts, f"The rulebook has no rules for {name} ({facts.destination}); "
                              f"it covers {names}. Check the destination with compliance.")
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
    status = branch.status.replace("_", " ").replace("license", "licence")
    return f"If {cond}: {status}" + (f" ({cites})." if cites else
                                     " (outside what the rulebook covers).")


def _matters(fact: str, runs: list[tuple[dict, Outcome]]) -> bool:
    """Do two branches that differ in `fact` (and agree on the other facts both state) give
    different statuses? If not, asking for `fact` would not settle anything."""
    for (a, out_a), (b, out_b) in itertools.combinations(runs, 2):
        if fact in a and fact in b and a[fact] != b[fact] and out_a.status != out_b.status \
                and all(a[k] == b[k] for k in a.keys() & b.keys() if k != fact):
            return True
    return False


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


def _combine(facts: Facts, runs: list[tuple[dict, Outcome]], missing: list[str],
             reader: Reader, note: str | None = None) -> Verdict:
    statuses = {o.status for _, o in runs}
    status = statuses.pop() if len(statuses) == 1 else "depends"
    if status == "depends":  # ask only about the facts that change the answer
        missing = [m for m in missing if _matters(m, runs)] or missing
    rule_ids = list(dict.fromkeys(r for _, o in runs for r in o.rule_ids))
    branches = tuple(Branch(conditions=c, status=o.status, rule_ids=o.rule_ids,
                            reasons=o.reasons) for c, o in runs if c)
    if branches and status == "depends":
        reasons = [f"The answer depends on {' and '.join(m.replace('_', ' ') for m in missing)}: "
                   f"the possible cases give different answers."]
        reasons += [_branch_reason(b, reader) for b in branches]
    elif branches:
        reasons = [f"All {len(branches)} possible cases give the same answer."]
        reasons += list(dict.fromkeys(r for _, o in runs for r in o.reasons))
    else:
        reasons = list(runs[0][1].reasons)
    if note:
        reasons.insert(1, note)
    unverified = [r for r in rule_ids if reader.entry(r) and not reader.entry(r).verified]
    if unverified:
        reasons.append(_unverified_reason(unverified, reader))
    if status != "depends":  # every case agrees: nothing left to ask about the branches
        missing = []
    questions = []
    if "classification" in missing:
        options = list(dict.fromkeys(c["classification"] for c, _ in runs if "classification" in c))
        questions.append(_question_for_classification(facts.item, options))
    if "end_use" in missing:
        questions.append(Q_END_USE)
    for _, outcome in runs:
        for fact in outcome.missing:
            if fact not in missing:
                missing.append(fact)
                questions.append(Q_ITEM if fact == "classification" else Q_END_USE)
    return Verdict(status=status, reasons=tuple(reasons), branches=branches,
                   missing_facts=tuple(missing), clarifying_questions=tuple(questions),
                   rule_ids=tuple(rule_ids), trace=reader.trace(), unverified=tuple(unverified))


def evaluate(facts: Facts, rulebook: Rulebook) -> Verdict:
    """The verdict for `facts` under `rulebook`, with branches for missing facts."""
    closed = _precheck(facts, rulebook)
    if closed is not None:
        return closed
    reader = Reader(rulebook, facts.as_of)
    plans, missing = _branches(facts, rulebook)
    runs = [(cond, decide(reader, facts.destination, cls, use, facts.end_user))
            for cond, cls, use in plans]
    return _combine(facts, runs, missing, reader, _catalogue_note(facts, rulebook))


def evaluate_on(facts: Facts, rulebook: Rulebook, as_of: date) -> Verdict:
    """Convenience for front ends: the same facts on another date."""
    return evaluate(replace(facts, as_of=as_of), rulebook)


__all__ = ["evaluate", "evaluate_on"]
