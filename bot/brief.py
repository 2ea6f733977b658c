"""The short form of a determination (issue 12 point 2): bottom line, ≤3 reasons, ≤3 quotes.

`brief(answer)` is a pure function of the `Answer`. Each quote is one clean sentence (or a
whole table row / list entry) of a primary source whose rule a shown reason rests on: still
an exact span of the source (its `span` narrowed to the sentence), never a banner, PDF
production debris, news, commentary or a project note. The whole brief, as the terminal
shows it, fits in `MAX_LINES` lines of `WIDTH` columns; everything else stays in the JSON
answer, behind `/why` and `/sources` in chat and the "More" button in Slack.
"""
from __future__ import annotations

import dataclasses
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from bot.plain import CAUTION, bottom_line, branch_groups, plain_reason
from bot.records import Answer, Citation, Status

MAX_LINES, WIDTH = 12, 80
MAX_REASONS = MAX_QUOTES = 3
SUPPORT_TRUST = ("primary",)  # only primary text supports a verdict
_BOUNDARY = re.compile(r"(?<=[.!?;])\s+(?=[A-Z“\"(§])|\n+")
_ABBREV = re.compile(r"(?:\b(?:No|Nos|Supp|Vol|e\.g|i\.e|U\.S|Sec|Pt|Ch|Inc|Co|Jr|Sr|St)|\b[A-Z])\.$")
_DEBRIS = re.compile(r"EXCERPT|VerDate|Jkt\s|Frm\s|Fmt\s|Sfmt\s|E:\\|PO 0000|BILLING CODE|"
                     r"Federal Register\s*/\s*Vol|\[FR Doc|^[#*|>=_-]|\|", re.IGNORECASE)
_KEY_WORDS = re.compile(r"licen[cs]e|prohibit|den(y|ial)|embargo|policy|require", re.IGNORECASE)


@dataclass(frozen=True)
class Reason:
    text: str
    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Brief:
    """What a determination shows first; `hidden` counts the reasons left for /why."""

    bottom_line: str
    reasons: tuple[Reason, ...] = ()
    quotes: tuple[Citation, ...] = ()
    hidden: int = 0

    def markers(self, reason: Reason) -> str:
        """' [1][2]': the shown quotes a reason rests on."""
        nums = [n for n, q in enumerate(self.quotes, 1) if set(q.rule_ids) & set(reason.rule_ids)]
        return (" " + "".join(f"[{n}]" for n in nums)) if nums else ""

    def reason_lines(self) -> list[str]:
        return [f"• {r.text}{self.markers(r)}" for r in self.reasons]

    def quote_lines(self) -> list[str]:
        return [quote_line(n, q) for n, q in enumerate(self.quotes, 1)]

    def to_json(self) -> dict[str, Any]:
        from bot.answer import citation_json

        return {"bottom_line": self.bottom_line,
                "reasons": [{"text": r.text, "rule_ids": list(r.rule_ids)} for r in self.reasons],
                "quotes": [{**citation_json(q), "span": list(q.span) if q.span else None}
                           for q in self.quotes],
                "hidden_reasons": self.hidden}


def quote_label(cite: Citation) -> str:
    label = cite.citation or cite.locator or cite.source
    return label if len(label) <= 48 else label[:47].rstrip() + "…"


def quote_line(n: int, cite: Citation) -> str:
    return f"[{n}] “{' '.join(cite.quote.split())}” — {quote_label(cite)}"


def lines_needed(text: str, width: int = WIDTH) -> int:
    return max(1, len(textwrap.wrap(text, width=width, break_on_hyphens=False)))


# --------------------------------------------------------------------------- reasons


def candidate_reasons(answer: Answer) -> list[Reason]:
    """Plain reasons, most important first; a caution about unconfirmed values always among
    the first three."""
    verdict = answer.verdict
    if verdict.status == Status.DEPENDS and verdict.branches:
        reasons = [Reason(text, rules) for text, rules in branch_groups(verdict)]
    else:
        from bot.compose import rules_named_in

        reasons = []
        for raw in verdict.reasons:
            text = plain_reason(raw)
            if text and text not in (r.text for r in reasons):
                named = rules_named_in(raw, verdict)
                unruled = raw.startswith(("No classification was given", "Screened "))
                reasons.append(Reason(text, named or (() if unruled else verdict.rule_ids)))
    if verdict.unverified:
        reasons = [*reasons[:MAX_REASONS - 1], Reason(CAUTION, tuple(verdict.unverified)),
                   *reasons[MAX_REASONS - 1:]]
    return reasons


# --------------------------------------------------------------------------- quotes


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line of `text`, stripped."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if "\n" not in m.group() and _ABBREV.search(text[start:m.start()]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        a, b = a + lead, a + len(piece.rstrip())
        if b > a:
            out.append((a, b))
    return out


def clean(sentence: str) -> bool:
    """A readable sentence: no banner or production debris, mostly words."""
    words = sentence.split()
    letters = sum(ch.isalpha() for ch in sentence)
    return (len(words) >= 5 and len(sentence) >= 30 and not _DEBRIS.search(sentence)
            and letters >= 0.6 * len(sentence.replace(" ", "")))


def _score(sentence: str, answer: Answer) -> float:
    facts = answer.facts
    score = 0.0
    names = [n for n in (facts.destination_name, facts.destination) if n]
    if any(n and re.search(rf"\b{re.escape(n)}\b", sentence) for n in names):
        score += 3
    if facts.classification and facts.classification.split()[-1] in sentence:
        score += 2
    if _KEY_WORDS.search(sentence):
        score += 1
    return score - len(sentence) / 100  # a short sentence reads faster and fits the budget


def best_sentence(cite: Citation, answer: Answer, claims) -> Citation | None:
    """The citation narrowed to its best clean sentence that still supports its rules."""
    from bot.answers.cite import is_dataset_citation
    from bot.support import supported_rules

    if is_dataset_citation(cite.key):  # a table row or list entry: shown whole
        return cite
    scored = []
    for a, b in sentences(cite.quote):
        text = cite.quote[a:b]
        if clean(text) and (claims is None or supported_rules(text, cite.rule_ids, claims)):
            scored.append((_score(text, answer), a, b))
    if not scored:
        return None
    _, a, b = max(scored)
    span = (cite.span[0] + a, cite.span[0] + b) if cite.span else None
    return dataclasses.replace(cite, quote=cite.quote[a:b], span=span)


def pick_quotes(answer: Answer, reasons: list[Reason]) -> list[Citation]:
    """Candidate quotes (twice as many as are shown; `fit` keeps the first three that fit),
    one per shown reason in turn."""
    from bot.support import claims as claims_of

    claims = claims_of(answer.verdict, answer.facts)
    usable = [c for c in answer.citations if c.trust in SUPPORT_TRUST and c.rule_ids]
    picked: list[Citation] = []
    for _ in range(2 * MAX_QUOTES):
        for reason in reasons:
            for cite in usable:
                if len(picked) >= 2 * MAX_QUOTES or not set(cite.rule_ids) & set(reason.rule_ids):
                    continue
                if any(p.key == cite.key and p.rule_ids == cite.rule_ids for p in picked):
                    continue
                narrowed = best_sentence(cite, answer, claims)
                if narrowed is not None and all(p.quote != narrowed.quote for p in picked):
                    picked.append(narrowed)
                    break
    return picked


# --------------------------------------------------------------------------- the brief


def footer(answer: Answer, hint: str = "", hidden: int = 0) -> str:
    """The last line: the date answered for, where the rest is, how many notes."""
    from bot.compose import when

    said = when(answer.facts)
    day = f"as of {answer.as_of.isoformat()}"
    parts = [day if said.startswith("as of") else f"{day} · {said}"]
    if hidden:
        parts.append(f"{hidden} more reason{'s' if hidden > 1 else ''}")
    if hint:
        parts.append(hint)
    if answer.notes:
        parts.append(f"{len(answer.notes)} note{'s' if len(answer.notes) > 1 else ''}")
    return " · ".join(parts)


LONGEST_HINT = "more: --full, --json"


def total_lines(short: Brief, footer_lines: int) -> int:
    """Lines the terminal needs for `short` (as bot.chat renders it), footer included."""
    return (lines_needed(short.bottom_line) + footer_lines
            + sum(lines_needed(line) for line in short.reason_lines())
            + sum(lines_needed(line) for line in short.quote_lines()))


def fit(first: str, reasons: list[Reason], quotes: list[Citation], footer_lines: int = 1,
        lead_decides: bool = False) -> Brief:
    """The largest brief that fits MAX_LINES: reasons in order, then quotes in order (each quote
    kept only if the whole brief, its reasons' [n] markers included, still fits). With
    `lead_decides` (one verdict, not branches) the first reason is the one the verdict rests on."""
    shown: list[Reason] = []
    for reason in reasons[:MAX_REASONS]:
        trial = Brief(first, (*shown, reason))
        if total_lines(trial, footer_lines) <= MAX_LINES:
            shown.append(reason)
    short = Brief(first, tuple(shown), (), hidden=len(reasons) - len(shown))
    by_cost = sorted(quotes, key=lambda c: lines_needed(quote_line(1, c)))  # stable: best first

    def add(short: Brief, cite: Citation) -> Brief:
        if len(short.quotes) >= MAX_QUOTES or cite in short.quotes:
            return short
        trial = dataclasses.replace(short, quotes=(*short.quotes, cite))
        return trial if total_lines(trial, footer_lines) <= MAX_LINES else short

    # a short quote (≤ 3 lines) for each shown reason first, then any that fit; the first rule
    # reason of a single verdict takes its shortest quote even when longer, so a short quote of a
    # lesser reason never displaces the one the verdict rests on
    lead = next((i for i, r in enumerate(shown)  # a screening hit's support is its list entry
                 if any(not rule.startswith("csl:") for rule in r.rule_ids)), None)
    for i, reason in enumerate(shown):
        for cite in by_cost:
            if set(cite.rule_ids) & set(reason.rule_ids) and (
                    (i == lead and lead_decides) or lines_needed(quote_line(1, cite)) <= 3):
                grown = add(short, cite)
                if grown is not short:
                    short = grown
                    break
    for cite in by_cost:
        if any(set(cite.rule_ids) & set(r.rule_ids) for r in shown):
            short = add(short, cite)
    return short


def brief(answer: Answer) -> Brief:
    """The short form of a determination answer."""
    first = bottom_line(answer)
    low = lines_needed(footer(answer, LONGEST_HINT, hidden=9))
    reasons = candidate_reasons(answer)
    if answer.abstained:
        from bot.compose import what_would_help

        helps = [] if answer.facts.out_of_scope else what_would_help(answer.facts, answer.verdict)
        if helps:
            reasons = [Reason(f"It would help to know {' and '.join(helps)}.")] + reasons
        return fit(first, reasons, [], low)
    branches = answer.verdict.status == Status.DEPENDS and bool(answer.verdict.branches)
    return fit(first, reasons, pick_quotes(answer, reasons[:MAX_REASONS]), low,
               lead_decides=not branches)
