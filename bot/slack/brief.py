"""The first Slack message of a determination: the same brief as the terminal (bot.brief:
bottom line, ≤3 plain reasons, ≤3 quotes) and a "More" button. The button's handler posts
the long form (`blocks.render_answer`: every reason, branch and source) in the thread.

Pure Block Kit renderers, as bot.slack.blocks; other kinds of answer keep their long form.
"""
from __future__ import annotations

from typing import Any

from bot.brief import Brief, brief, quote_label
from bot.records import Answer
from bot.slack import blocks
from bot.slack.blocks import MAX_HEADER, button, clip, context, esc, esc_clip, section
from bot.slack.state import AnswerState

MORE_ACTION = "regbot_more"  # "More": the long form in the thread (a contract with bot/slack/app.py)
MORE_BLOCK_ID = "regbot_more"


def is_brief(answer: Answer) -> bool:
    """Determinations that give an answer get the brief first; the rest keep their long form."""
    return answer.kind == "determination" and not answer.abstained


def shown_brief(answer: Answer, shareable_only: bool) -> Brief:
    """The brief, without the quotes a channel may not see (internal sources)."""
    short = brief(answer)
    if not shareable_only:
        return short
    from dataclasses import replace

    return replace(short, quotes=tuple(q for q in short.quotes if q.visibility == "shareable"))


def brief_blocks(answer: Answer, short: Brief) -> list[dict[str, Any]]:
    emoji, _ = blocks.STATUS_DISPLAY.get(answer.verdict.status, (":grey_question:", ""))
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": clip(f"{emoji} {short.bottom_line}", MAX_HEADER)}}]
    note = blocks.screening_note(answer)  # who was screened, against which list (or nobody)
    if note:
        out.append(context(note))
    if short.reasons:
        out.append(section("\n".join(esc(line) for line in short.reason_lines())))
    if short.quotes:
        out.append(section("\n".join(
            f"*[{n}]* “{esc_clip(' '.join(q.quote.split()), 600)}” — _{esc(quote_label(q))}_"
            for n, q in enumerate(short.quotes, 1))))
    return out


def render_brief(answer: Answer, *, shareable_only: bool = False, ephemeral: bool = False,
                 overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """`text` + `blocks` of the first message: the brief (with the screening line and any hits,
    as the long form shows them), the fact buttons, a "More" button, "Screen another party"."""
    state = AnswerState.of(answer, overrides)
    short = shown_brief(answer, shareable_only)
    head = brief_blocks(answer, short)
    facts = blocks.fact_buttons(answer, state)
    if facts:
        head.append({"type": "actions", "block_id": blocks.FACTS_BLOCK_ID, "elements": facts})
    more = f"More: every reason{' and case' if answer.verdict.branches else ''} and source"
    head.append({"type": "actions", "block_id": MORE_BLOCK_ID,
                 "elements": [button(more, MORE_ACTION, state.encode())]})
    head += blocks.screening_blocks(answer, state)  # the hits (list entry, licence requirement)
    tail = [context(f"As of {answer.as_of.isoformat()} · {blocks.DISCLAIMER}")]
    if answer.log_id is not None:
        tail.append(blocks.feedback_block(answer.log_id))
    if ephemeral:
        tail.append({"type": "actions", "elements": [
            button("Share in channel", blocks.SHARE_ACTION, state.encode(), style="primary")]})
    return {"text": blocks.fallback_text(answer), "blocks": head + tail}


def render_message(answer: Answer, **kwargs: Any) -> dict[str, Any]:
    """The first message for any answer: a determination's brief, else the long form."""
    return (render_brief if is_brief(answer) else blocks.render_answer)(answer, **kwargs)
