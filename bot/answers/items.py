"""Facts about a classification: what an ECCN controls, its reasons and License Requirements
(the CCL as shipped), what a USML category or EAR99 is (the rulebook's item catalogue)."""
from __future__ import annotations

from bot.answers.base import Ask, Line, Reply, day_words
from bot.answers.cite import ccl_citation, rule_citation

MAX_ROWS = 3  # License Requirements rows quoted; the rest are counted


def _ccl_lines(eccn: str, tables) -> list[Line]:
    entry = tables.entries.get(eccn)
    if entry is None:
        return [Line(f"{eccn} is not an ECCN on the Commerce Control List of "
                     f"{day_words(tables.ecfr_date)}.")]
    lines = [Line(f"ECCN {eccn} controls: {' '.join(entry.heading.split())}",
                  (ccl_citation(entry, "heading", tables),))]
    if entry.reason_for_control:
        lines.append(Line(f"Reasons for control: {', '.join(entry.reasons)}.",
                          (ccl_citation(entry, "reasons", tables),)))
    for row in entry.rows[:MAX_ROWS]:
        lines.append(Line(f"{' '.join(row.left.split())} — {' '.join(row.right.split())}",
                          (ccl_citation(entry, f"row:{row.number}", tables),)))
    if len(entry.rows) > MAX_ROWS:
        lines.append(Line(f"…and {len(entry.rows) - MAX_ROWS} more License Requirements rows "
                          f"(15 CFR part 774, Supp. No. 1, ECCN {eccn})."))
    if not entry.rows:
        lines.append(Line("The CCL prints no License Requirements table for this entry."))
    return lines


def _catalogue_lines(ask: Ask, classification: str) -> list[Line]:
    """USML categories and EAR99 from the rulebook's item catalogue, with its quotes."""
    for item in ask.rulebook.items:
        for cand in item.candidates:
            if cand.classification.upper() == classification.upper() and cand.source:
                cite = rule_citation(f"items.{item.id}", cand, ask.answerer)
                if cite is None:
                    continue
                caution = "" if cand.verified else " (unconfirmed)"
                return [Line(f"{classification}: {cand.reason}{caution} ({cand.citation}).", (cite,))]
    return []


def item_reply(ask: Ask) -> Reply | None:
    classification = ask.facts.classification
    if not classification:
        return None
    from bot.rules.datasets import load_tables

    tables = load_tables()
    eccn = classification.split(".")[0].upper()
    if eccn in tables.entries or (eccn[:1].isdigit() and len(eccn) == 5):
        lines = _ccl_lines(eccn, tables)
    else:
        lines = _catalogue_lines(ask, classification)
    return Reply(tuple(lines)) if lines else None
