"""Plain words for a verdict: the bottom line a salesperson acts on, and short reasons.

Pure functions of the typed records (no I/O). Rule ids, trace dates and the engine's
bookkeeping sentences ("All 2 possible cases give the same answer") are left out here;
they stay in the JSON answer and behind `/why` (bot.compose writes the full text).
"""
from __future__ import annotations

import re

from bot.records import Answer, Branch, Status, Verdict

AUTHORITY = {"itar": "DDTC (State)", "ear": "BIS (Commerce)", "ofac": "OFAC (Treasury)"}

FACT_SHORT: dict[str, str] = {
    "destination": "the destination country",
    "item": "what the item is",
    "classification": "the item's classification",
    "end_use": "the end use",
    "end_user": "who the end user is",
    "end_user_kind": "who the end user is (civil or military)",
    "period": "the shipping date (a rule changed in the period asked about)",
}
COUNT_WORDS = {1: "one thing", 2: "two things", 3: "three things"}

# Engine sentences that are bookkeeping, not reasons (their content is in the branches).
_BOOKKEEPING = re.compile(r"^(All \d+ possible cases|The answer depends on|If \w[\w ]* is |"
                          r"The same answer holds over|Part of the period asked about)")
_CITED = re.compile(r"CFR|FR\b|U\.S\.C|§|Supp\.|Screening List|eCFR|“")
_DATE = re.compile(r",? (?:on|as of) \d{4}-\d{2}-\d{2}")
_NO_ROW = re.compile(r"^No License Requirements row of (\S+) .*? has an X for ([^(:“]+?)\s*[(:]")
_ROW_X = re.compile(r"a licence is required for (\S+) to (.+?) \((\w+);")
_NO_CLASS = re.compile(r"^No classification was given for '([^']+)': .*?lists for it \((.*?)\)\.")
_UNCONFIRMED = "Unconfirmed:"
CAUTION = "Rests in part on unconfirmed rule values — check them before relying on this."


def authorities(rule_ids: tuple[str, ...] | list[str], verdict: Verdict | None = None) -> list[str]:
    """Which agency's licence the rules speak of: DDTC for ITAR rules, BIS for the EAR, OFAC
    for an SDN hit."""
    found: list[str] = []
    for rule in rule_ids:
        if rule.startswith("itar"):
            found.append(AUTHORITY["itar"])
        elif rule.startswith(("ear", "ear-table")):
            found.append(AUTHORITY["ear"])
        elif rule.startswith("csl") and verdict is not None and verdict.screening is not None:
            for hit in verdict.screening.hits:
                found.append(AUTHORITY["ofac"] if "SDN" in hit.list or "Specially" in hit.list
                             else AUTHORITY["itar"] if "Debarred" in hit.list else AUTHORITY["ear"])
    return list(dict.fromkeys(found))


def _licence_from(rule_ids, verdict: Verdict | None = None) -> str:
    agencies = authorities(rule_ids, verdict)
    return f"a licence from {' and '.join(agencies)}" if agencies else "a licence"


def _unscreened(verdict: Verdict) -> bool:
    return verdict.screening is None or not verdict.screening.parties


def status_words(status: str, rule_ids, verdict: Verdict | None = None) -> str:
    """'needs a licence from BIS (Commerce)', 'no licence needed', 'prohibited', ..."""
    if status == Status.NO_LICENSE_REQUIRED:
        return "no licence needed"
    if status == Status.LICENSE_REQUIRED:
        return f"needs {_licence_from(rule_ids, verdict)}"
    if status == Status.PROHIBITED:
        return "prohibited"
    if status == Status.DEPENDS:
        return "it depends on details of the item"
    return "the rulebook cannot decide"


def missing_words(verdict: Verdict) -> list[str]:
    return [FACT_SHORT.get(m, m.replace("_", " ")) for m in dict.fromkeys(verdict.missing_facts)]


def bottom_line(answer: Answer) -> str:
    """The first line of a determination, in plain words."""
    verdict, facts = answer.verdict, answer.facts
    status = verdict.status
    if answer.abstained:
        return "Can't answer: the rulebook does not cover this and the sources hold nothing to quote."
    if status == Status.NO_LICENSE_REQUIRED:
        return "Yes — no licence needed" + ("; screen the buyer first." if _unscreened(verdict)
                                            else " (the parties named were screened).")
    if status == Status.LICENSE_REQUIRED:
        return (f"Needs {_licence_from(verdict.rule_ids, verdict)} — talk to compliance "
                f"before quoting.")
    if status == Status.PROHIBITED:
        return "No — prohibited."
    missing = missing_words(verdict)
    if status == Status.DEPENDS and missing:
        what = COUNT_WORDS.get(len(missing), f"{len(missing)} things")
        return f"It depends on {what}: {_and(missing)}."
    if status == Status.DEPENDS:
        return "It depends: the facts given fit more than one answer (see the cases below)."
    unknown = [k for k in ("destination", "item") if getattr(facts, k) is None]
    missing = [FACT_SHORT[k] for k in unknown] + [m for m in missing if m not in
                                                    (FACT_SHORT[k] for k in unknown)]
    if missing:
        return f"Can't decide yet — tell me {_and(missing)}."
    return "Can't decide this from the rulebook — ask your export-compliance team."


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _strip_parentheses(text: str) -> str:
    """Drop parenthesised citations and quotes (nested ones too), keep plain asides."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                out.append(text[start:i])
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                inner = text[start:i + 1]
                out.append("" if _CITED.search(inner) or re.search(r"\d", inner) else inner)
                start = i + 1
    out.append(text[start:])
    return re.sub(r"\s+([,.:;])", r"\1", re.sub(r"\s{2,}", " ", "".join(out))).strip()


def plain_reason(reason: str) -> str | None:
    """One engine reason in plain words, or None when it is bookkeeping."""
    reason = reason.strip()
    if not reason or _BOOKKEEPING.match(reason) or reason.startswith(_UNCONFIRMED):
        return None
    found = _NO_ROW.match(reason)
    if found:
        return (f"The Commerce Country Chart shows no licence requirement for {found.group(1)} "
                f"to {found.group(2).strip()}.")
    found = _ROW_X.search(reason)
    if found:
        return (f"The Commerce Country Chart requires a licence for {found.group(1)} to "
                f"{found.group(2)} ({found.group(3)} controls).")
    found = _NO_CLASS.match(reason)
    if found:
        return (f"No classification was given for '{found.group(1)}': each one it could be "
                f"({found.group(2)}) was checked.")
    text = _strip_parentheses(_DATE.sub("", reason))
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    kept = [s for s in sentences if not s.startswith(("Besides", "Licence exceptions", "Check "))]
    text = " ".join(kept[:1]) if kept else text
    return text if text.endswith((".", "!", "?")) else text + "."


def condition_words(conditions: dict[str, str]) -> str:
    """{'classification': '7A994', 'end_use': 'military'} -> '7A994 for military use'."""
    parts = []
    for key, value in conditions.items():
        if key == "classification":
            parts.insert(0, f"{value} (ITAR)" if value.upper().startswith("USML") else value)
        elif key in ("end_use", "end_user_kind"):
            parts.append(f"for {value.replace('-', ' ')} use")
        elif key == "end_user":
            parts.append(f"for end user {value}")
        elif key == "period":
            parts.append(f"shipped {value.replace('/', ' to ')}")
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return " ".join(parts) if parts else "otherwise"


def _outcome(branches: list[Branch], verdict: Verdict) -> str:
    """What one classification's branches give: one outcome, or one per end use."""
    said = {}
    for b in branches:
        words = status_words(b.status, b.rule_ids, verdict)
        if b.status == Status.NO_LICENSE_REQUIRED and _unscreened(verdict):
            words += " (screen the buyer first)"
        rest = {k: v for k, v in b.conditions.items() if k != "classification"}
        said.setdefault(words, []).append(condition_words(rest) if rest else "")
    if len(said) == 1:
        return next(iter(said))
    return "; ".join(f"{' or '.join(dict.fromkeys(c for c in conds if c)) or 'otherwise'}, {words}"
                     for words, conds in said.items())


def branch_groups(verdict: Verdict) -> list[tuple[str, tuple[str, ...]]]:
    """One plain line per classification of a `depends` (classifications with the same outcome
    share a line), most severe first. Returns (line, rule ids it rests on)."""
    by_class: dict[str, list[Branch]] = {}
    for branch in verdict.branches:
        by_class.setdefault(branch.conditions.get("classification", ""), []).append(branch)
    groups: dict[str, list[tuple[str, list[Branch]]]] = {}
    for cls, branches in by_class.items():
        groups.setdefault(_outcome(branches, verdict), []).append((cls, branches))
    lines = []
    for outcome, members in groups.items():
        branches = [b for _, bs in members for b in bs]
        classes = [condition_words({"classification": c}) for c, _ in members if c]
        head = f"If {' or '.join(classes)}: " if classes else ""
        rules = tuple(dict.fromkeys(r for b in branches for r in b.rule_ids))
        severity = max(Status(b.status).rank for b in branches)
        lines.append((severity, f"{head}{outcome[0].upper() + outcome[1:] if not head else outcome}.",
                      rules))
    lines.sort(key=lambda x: -x[0])
    return [(text, rules) for _, text, rules in lines]
