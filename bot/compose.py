"""Deterministic answer text: the verdict, its reasons, the branches and what would settle it.

Pure functions of the typed records. Numbered markers like [1] refer to the
answer's `citations` tuple (1-based), so every front end can list the quotes.
"""
from __future__ import annotations

from datetime import date

from bot.records import Branch, Citation, Facts, PartyHit, Period, Status, TraceEntry, Verdict

LONG_STANDING = date(2000, 1, 1)  # the rulebook's "in force before its coverage starts"

HEADLINES: dict[str, str] = {status: status.label for status in Status}

SUMMARIES: dict[str, str] = {
    "prohibited": "this export is prohibited (an embargo or a policy of denial applies)",
    "license_required": "a licence is required before this export",
    "no_license_required": "no licence is required on the facts given",
    "depends": "the answer depends on facts the question does not state",
    "cannot_determine": "the rulebook cannot decide this question",
}

FACT_WORDS: dict[str, str] = {
    "destination": "the destination country",
    "item": "what the item is",
    "classification": "the item's classification (USML category or ECCN, e.g. 7A994)",
    "end_use": "the end use (civil or military)",
    "end_user": "who the end user is (e.g. an airline, the army)",
    "period": "the date of the export (a rule changed inside the period asked about)",
}

CONDITION_WORDS: dict[str, str] = {
    "classification": "the item is classified",
    "end_use": "the end use is",
    "end_user": "the end user is",
    "end_user_kind": "the end user is",
    "destination": "the destination is",
    "item": "the item is",
}


def headline(status: str) -> str:
    return HEADLINES.get(status, status.replace("_", " ").capitalize())


def markers(rule_ids: tuple[str, ...] | list[str], citations: tuple[Citation, ...]) -> str:
    """' [1][3]' for the citations that carry any of `rule_ids`; '' when none do."""
    wanted = set(rule_ids)
    nums = [i for i, c in enumerate(citations, 1) if wanted.intersection(c.rule_ids)]
    return (" " + "".join(f"[{n}]" for n in nums)) if nums else ""


def describe_facts(facts: Facts) -> str:
    """'avionics (7A994) to Cambodia (KH), end user: army, as of 2026-11-27'."""
    what = facts.item or "an unspecified item"
    if facts.classification:
        what += f" ({facts.classification})"
    where = facts.destination_name or facts.destination or facts.unknown_country
    parts = [f"{what} to {where}" if where else what]
    if facts.destination and facts.destination_name:
        parts[0] += f" ({facts.destination})"
    if facts.end_use:
        parts.append(f"end use: {facts.end_use}")
    if facts.end_user:
        kind = f" ({facts.end_user_kind})" if facts.end_user_kind else ""
        parts.append(f"end user: {facts.end_user}{kind}")
    if facts.parties:
        parts.append("parties: " + ", ".join(facts.parties))
    parts.append(when(facts))
    return ", ".join(parts)


def when(facts: Facts) -> str:
    """'as of 2026-11-27', or the period asked about: "from 2022-03-01 to 2026-12-01 ('after
    February 2022')"."""
    period = facts.period
    if period is None or (period.single_day and period.end == facts.as_of):
        return f"as of {facts.as_of.isoformat()}"
    return period.label() + (f" ('{period.phrase}')" if period.phrase else "")


def describe_conditions(conditions: dict[str, str]) -> str:
    """{'classification': 'USML XI'} -> 'the item is classified USML XI'."""
    if not conditions:
        return "otherwise"
    return " and ".join(f"shipped {Period.parse(v).label()}" if k == "period" else
                        f"{CONDITION_WORDS.get(k, k.replace('_', ' '))} {v}"
                        for k, v in conditions.items())


def since_note(rule_ids: tuple[str, ...], trace: tuple[TraceEntry, ...]) -> str:
    """' (In force since 2025-11-07: 90 FR 50489.)' for dated rule values the branch rests on."""
    wanted = set(rule_ids)
    dated = {(t.valid_from, t.citation) for t in trace
             if t.rule_id in wanted and t.valid_from and t.valid_from > LONG_STANDING}
    if not dated:
        return ""
    return " (In force since " + "; ".join(f"{d.isoformat()}: {c}" for d, c in sorted(dated)) + ".)"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def branch_line(branch: Branch, citations: tuple[Citation, ...],
                trace: tuple[TraceEntry, ...] = ()) -> str:
    line = f"- If {describe_conditions(branch.conditions)}: {headline(branch.status).lower()}."
    if branch.reasons:
        line += " " + " ".join(_sentence(r) for r in branch.reasons)
    return line + since_note(branch.rule_ids, trace) + markers(branch.rule_ids, citations)


def rules_named_in(reason: str, verdict: Verdict) -> tuple[str, ...]:
    """Rule ids a reason names, by id or by the citation its trace entry carries."""
    named = [t.rule_id for t in verdict.trace if t.citation and t.citation in reason]
    named += [r for r in verdict.rule_ids if r in reason]
    return tuple(dict.fromkeys(named))


def _reason_lines(verdict: Verdict, citations: tuple[Citation, ...]) -> list[str]:
    """One line per reason, each marked with the citations of the rules it names.

    Reasons that restate a branch ("If classification is ...") are left to the branch lines.
    """
    reasons = [r for r in verdict.reasons if not (verdict.branches and r.startswith("If "))]
    lines = [f"- {r}{markers(rules_named_in(r, verdict), citations)}" for r in reasons]
    if lines and not verdict.branches and not any("[" in line for line in lines):
        lines[0] += markers(verdict.rule_ids, citations)  # cite the verdict's rules once
    return lines


def unverified_line(verdict: Verdict) -> str | None:
    """A caution naming unverified rules, unless the engine's reasons already say so."""
    if not verdict.unverified or any("nconfirmed" in r for r in verdict.reasons):
        return None
    return ("Caution: this rests on facts the sources obtained do not confirm (rules "
            + ", ".join(verdict.unverified) + "); check them before relying on this answer.")


def other_destinations_line(facts: Facts) -> str:
    """The question named several destinations; the verdict covers one of them."""
    from bot.rules.countries import country_name

    names = ", ".join(f"{country_name(code) or code} ({code})" for code in facts.other_destinations)
    return (f"This answer covers {facts.destination_name or facts.destination} only. The question also "
            f"names {names}: ask about each destination separately.")


UNSCREENED = ("The buyer has not been screened: no party was named, so nobody was checked "
              "against the Consolidated Screening List.")
SHOWN_HITS = 5  # screening hits listed in an answer (all are in the JSON and the log)


def screening_note(verdict: Verdict) -> str | None:
    """What the first line says about screening: not screened, or the list date screened."""
    screening = verdict.screening
    if screening is None:
        return None
    if not screening.parties:
        return UNSCREENED
    if screening.problem:
        return f"The parties could not be screened ({screening.problem})."
    if not screening.hits:
        return (f"Parties screened against the Consolidated Screening List of "
                f"{screening.list_date}: no match.")
    return (f"Parties screened against the Consolidated Screening List of "
            f"{screening.list_date}: {len(screening.flagged)} listed, {len(screening.near)} "
            f"close match(es).")


def hit_line(hit: PartyHit) -> str:
    """'“BAAI” → Entity List (EL): “Beijing Academy …” (90 FR 14046) — License Requirement:
    “…”; License Policy: “…” → licence required.'"""
    near = " (close match: confirm it is not this entry)" if hit.band == "near" else ""
    notice = f" ({hit.federal_register_notice})" if hit.federal_register_notice else ""
    columns = "".join(f" — {label}: “{value}”" for label, value in (
        ("License Requirement", hit.license_requirement), ("License Policy", hit.license_policy))
        if value)
    return (f"“{hit.query}” → {hit.list}: “{hit.name}”{notice}{near}{columns} → "
            f"{hit.status.label.lower()} ({hit.citation}).")


def screening_lines(verdict: Verdict) -> list[str]:
    screening = verdict.screening
    if screening is None or not screening.hits:
        return []
    shown = [*screening.flagged, *screening.near][:SHOWN_HITS]
    lines = [f"- {hit_line(h)}" for h in shown]
    if len(screening.hits) > len(shown):
        lines.append(f"- ... and {len(screening.hits) - len(shown)} more entries "
                     f"(all in the JSON answer and the decision log).")
    return lines


def compose_text(facts: Facts, verdict: Verdict, citations: tuple[Citation, ...]) -> str:
    """The full deterministic answer text."""
    first = f"{headline(verdict.status)}: {SUMMARIES.get(verdict.status, verdict.status)}."
    note = screening_note(verdict)
    parts = [f"{first} {note}" if note else first,
             f"Question understood as: {describe_facts(facts)}."]
    if facts.unknown_country and not any("know the country" in r for r in verdict.reasons):
        parts.append(f"I don't know the country '{facts.unknown_country}'.")
    if facts.other_destinations:
        parts.append(other_destinations_line(facts))
    reasons = _reason_lines(verdict, citations)
    if reasons:
        parts.append("Why:\n" + "\n".join(reasons))
    hits = screening_lines(verdict)
    if hits:
        parts.append(f"Screening ({verdict.screening.list_date} list):\n" + "\n".join(hits))
    if verdict.branches:
        parts.append("How it turns out:\n" + "\n".join(branch_line(b, citations, verdict.trace)
                                                          for b in verdict.branches))
    if verdict.clarifying_questions:
        parts.append("To settle it, tell me:\n"
                     + "\n".join(f"- {q}" for q in verdict.clarifying_questions))
    caution = unverified_line(verdict)
    if caution:
        parts.append(caution)
    if verdict.status == "cannot_determine" and citations:
        parts.append("The passages below are the closest matches in the indexed sources; they are "
                     "shown for reference and do not decide the question.")
    return "\n\n".join(parts)


def what_would_help(facts: Facts, verdict: Verdict) -> list[str]:
    """The facts still unknown, in words: destination and item first, then what the rules asked for."""
    unknown = [k for k in ("destination", "item") if getattr(facts, k) is None]
    return [FACT_WORDS.get(m, m.replace("_", " "))
            for m in dict.fromkeys([*unknown, *verdict.missing_facts])]


def _and_list(words: list[str]) -> str:
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else words[0]


def abstain_text(facts: Facts, verdict: Verdict) -> str:
    """Say honestly that neither the rulebook nor the indexed sources answer this, why, and what would help."""
    parts = ["I can't answer this: the rulebook does not cover it and the indexed sources hold "
             "nothing relevant enough to quote. I won't guess."]
    reasons = [_sentence(r) for r in verdict.reasons]
    if facts.unknown_country and not any("know the country" in r for r in reasons):
        reasons.append(f"I don't know the country '{facts.unknown_country}'.")
    if reasons:
        parts.append(" ".join(reasons))
    helps = [] if facts.out_of_scope else what_would_help(facts, verdict)
    if helps:
        parts.append(f"It would help to know {_and_list(helps)}.")
    parts.append("Ask about exporting a named item to a named country (e.g. \"Can we sell "
                 "avionics to Cambodia?\"), or consult your export-compliance team.")
    return "\n\n".join(parts)
