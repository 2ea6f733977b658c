"""The one question validator every entry point uses (answers, chat, Slack, eval, facts).

A question is text, not empty once surrounding space and control characters are dropped,
and at most `settings.max_question_chars` long (one limit, configured in one place).
"""
from __future__ import annotations

from typing import Any


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long, bad override)."""


def question_limit() -> int:
    """The configured limit; the field's default when the settings cannot be read."""
    from bot.settings import Settings, get_settings

    try:
        return int(get_settings().max_question_chars)
    except Exception:  # unreadable settings are reported where they are loaded; still protect us
        return int(Settings.model_fields["max_question_chars"].default)


def clean_question(question: Any, limit: int | None = None) -> str:
    """The question stripped of surrounding space and control characters, or QuestionError.

    `limit` defaults to settings.max_question_chars.
    """
    limit = limit or question_limit()
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    # Separators (U+0085, U+2028, U+001C...) part words: they become a space, so
    # "avionics\u0085to Cambodia" keeps its words apart; other control characters are dropped.
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " if ch.isspace() else ""
                   for ch in question).strip()
    if not text:
        raise QuestionError("the question is empty; ask e.g. \"Can we sell avionics to Cambodia?\"")
    if len(text) > limit:
        raise QuestionError(f"the question is too long ({len(text):,} characters; "
                            f"the limit is {limit:,}); ask it in a sentence or two")
    return text
