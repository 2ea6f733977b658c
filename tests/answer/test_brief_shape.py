"""Issue 12 point 2: a determination answer fits in 12 terminal lines at 80 columns, bottom
line first, with at most three plain reasons and three quotes of primary sources; Slack's
first message carries the same. Measured with the real renderers over every determination
item of the gold set (answered in-process, so each answer's quotes — its brief's too — are
checked verbatim and against their claims by tests/conftest.py)."""
from __future__ import annotations

import json
import re
import statistics
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from bot.brief import MAX_LINES, brief
from bot.chat import ASK_HINT, CHAT_HINT, render_answer
from bot.eval.gold import load_gold

GOLD = [g for g in load_gold([Path(__file__).resolve().parents[1] / "gold"]).items
        if g.kind == "determination"]
RULE_ID = re.compile(r"\b(?:ear|itar|csl)(?:[.-][\w:]+)+")  # ear.at_only.eccns, ear-table:chart:KH
NOT_PLAIN = ("possible cases give", "In force since", "[EXCERPT", "EXCERPT ONLY", "Unconfirmed:")


def terminal_lines(answer, hint: str) -> list[str]:
    console = Console(width=80, record=True, file=open("/dev/null", "w"), color_system=None)
    console.print(render_answer(answer, hint=hint))
    return console.export_text().rstrip("\n").split("\n")


@pytest.fixture(scope="module")
def answers(corpus_home):
    from bot.answer import Answerer
    from bot.settings import Settings

    answerer = Answerer(Settings(home=corpus_home, log_decisions=False))
    return [(g, answerer.answer(g.question, as_of=g.as_of or date.today(), log=False)) for g in GOLD]


def test_the_set_is_big_enough():
    assert len(GOLD) >= 30


def test_every_determination_fits_12_lines_bottom_line_first(answers):
    counts = []
    for item, answer in answers:
        if answer.kind != "determination":
            continue  # routed to another kind (e.g. a screening look-up): not a verdict
        short = brief(answer)
        for hint in (CHAT_HINT, ASK_HINT):
            lines = terminal_lines(answer, hint)
            assert len(lines) <= MAX_LINES, (item.id, "\n".join(lines))
            assert short.bottom_line.startswith(lines[0].strip()), (item.id, lines[0])
            counts.append(len(lines))
        text = "\n".join(lines)
        assert not RULE_ID.search(text), (item.id, RULE_ID.search(text).group())
        assert not any(word in text for word in NOT_PLAIN), (item.id, text)
        assert len(short.reasons) <= 3 and len(short.quotes) <= 3
        from bot.answer import answer_to_json

        contract = answer_to_json(answer)  # the JSON keeps the long text and every citation
        assert contract["bottom_line"] == short.bottom_line and contract["text"] == answer.text
        assert len(contract["citations"]) == len(answer.citations) >= len(short.quotes)
        for quote in short.quotes:  # primary text a shown reason rests on, one sentence or row
            assert quote.trust == "primary", (item.id, quote.source)
            assert any(set(quote.rule_ids) & set(r.rule_ids) for r in short.reasons), item.id
    assert len(counts) >= 60
    print(f"\nbrief lines over {len(counts) // 2} determinations: max {max(counts)}, "
          f"median {statistics.median(counts)}")


def test_bottom_lines_say_what_to_do(answers):
    for item, answer in answers:
        if answer.kind != "determination":
            continue
        first = brief(answer).bottom_line
        status = answer.verdict.status
        if answer.abstained:
            assert first.startswith("Can't answer"), item.id
        elif status == "no_license_required":
            assert first.startswith("Yes — no licence needed"), item.id
        elif status == "license_required":
            assert first.startswith("Needs a licence from ") and (
                "DDTC (State)" in first or "BIS (Commerce)" in first or "OFAC" in first), (item.id, first)
        elif status == "prohibited":
            assert first == "No — prohibited.", item.id
        elif status == "depends" and answer.verdict.missing_facts:
            assert first.startswith("It depends on "), item.id
        elif status == "cannot_determine":
            assert first.startswith("Can't decide"), (item.id, first)


def test_slack_first_message_is_the_same_brief(answers):
    from bot.slack.blocks import MAX_BLOCKS
    from bot.slack.brief import MORE_ACTION, is_brief, render_brief

    checked = 0
    for item, answer in answers[:60]:
        if not is_brief(answer):
            continue
        short = brief(answer)
        message = render_brief(answer)
        head = message["blocks"][0]["text"]["text"]
        assert short.bottom_line[:100] in head, item.id
        text = json.dumps(message["blocks"], ensure_ascii=False)
        assert text.count("• ") == len(short.reasons) and text.count("*[") == len(short.quotes)
        assert MORE_ACTION in text and len(message["blocks"]) <= MAX_BLOCKS
        checked += 1
    assert checked >= 30


def test_a_single_verdict_shows_a_quote_for_the_reason_it_rests_on(answers):
    """The first rule reason of a single verdict gets its quote whenever one fits, even a long
    one: a short quote of a lesser reason (the § 744.21 country list under a 9A610 embargo
    verdict) once displaced the § 742.4(b)(1)(ii) sentence the verdict rests on. Branch answers
    are exempt (no branch decides alone), and so is a screening hit (its support is the entry)."""
    import dataclasses

    from bot.brief import LONGEST_HINT, footer, lines_needed, pick_quotes, quote_line, total_lines

    checked = 0
    for item, answer in answers:
        short = brief(answer)
        split = answer.verdict.status == "depends" and answer.verdict.branches
        if answer.abstained or split or not short.reasons:
            continue
        lead = next((r for r in short.reasons
                     if any(not rule.startswith("csl:") for rule in r.rule_ids)), None)
        if lead is None:
            continue
        own = [q for q in pick_quotes(answer, list(short.reasons))
               if set(q.rule_ids) & set(lead.rule_ids)]
        if not own:
            continue
        shortest = min(own, key=lambda q: lines_needed(quote_line(1, q)))
        alone = dataclasses.replace(short, quotes=(shortest,))
        low = lines_needed(footer(answer, LONGEST_HINT, hidden=9))
        if total_lines(alone, low) > MAX_LINES:
            continue  # no room for it even alone
        checked += 1
        assert any(set(q.rule_ids) & set(lead.rule_ids) for q in short.quotes), (
            item.id, lead.text, [q.locator for q in short.quotes])
    assert checked >= 30
