"""The optional language model: phrases the explanation, never decides it.

Any langchain chat model the user configures (`REGBOT_LLM_PROVIDER`,
`REGBOT_LLM_MODEL`, `REGBOT_LLM_API_KEY`) via `init_chat_model`. langchain is
imported only when a model is configured. Code checks the model's output: the
VERDICT line must equal the engine's status, numbered markers must name
citations that exist, and a "no license required" claim must not contradict the
verdict. Any failure falls back to the deterministic text and says why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.compose import describe_conditions, describe_facts, headline
from bot.records import Citation, Facts, Verdict
from bot.settings import Settings
from prompts import load_prompt, render_prompt

_VERDICT_LINE = re.compile(r"^\s*\**\s*VERDICT\s*:\s*\**\s*([a-z_]+)", re.IGNORECASE)
_NUMBER_MARKER = re.compile(r"\[(\d+)\]")
_KEY_MARKER = re.compile(r"\[([0-9a-f]{8,})\]")
_NO_LICENSE = re.compile(r"\bno licen[cs]e (?:is |would be )?(?:required|needed)\b", re.IGNORECASE)


LLM_TIMEOUT_S = 30


class LLMUnavailable(RuntimeError):
    """The configured model could not be created (missing package, bad provider or key)."""


@dataclass(frozen=True)
class Phrasing:
    """What the model produced: checked text (None = fall back) and why."""

    text: str | None
    prompt: str
    problem: str | None = None


def configured(settings: Settings) -> bool:
    return bool(settings.llm_model)


def create_chat_model(settings: Settings) -> Any:
    """The configured langchain chat model; raises LLMUnavailable with a readable reason.

    A request timeout and one retry are asked for first (a hung provider must not hang an
    answer); providers that do not take those options are created without them.
    """
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise LLMUnavailable(f"langchain is not installed: {exc}") from exc
    base: dict[str, Any] = {}
    if settings.llm_api_key is not None:
        base["api_key"] = settings.llm_api_key.get_secret_value()
    error: Exception | None = None
    for extra in ({"timeout": LLM_TIMEOUT_S, "max_retries": 1}, {}):
        try:
            return init_chat_model(settings.llm_model, model_provider=settings.llm_provider,
                                   **base, **extra)
        except ImportError as exc:  # provider package missing: no point retrying
            raise LLMUnavailable(f"{type(exc).__name__}: {_first_line(exc)}") from exc
        except Exception as exc:  # noqa: BLE001 - ValueError, validation, provider errors
            error = exc
    raise LLMUnavailable(f"{type(error).__name__}: {_first_line(error)}") from error


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]


def fence(text: str) -> str:
    """Neutralise markup inside a passage so it cannot close its <passage> element."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def passages_block(citations: tuple[Citation, ...]) -> str:
    return "\n".join(
        f'<passage n="{n}" source="{fence(c.source)}" citation="{fence(c.citation or c.locator)}">\n'
        f"{fence(c.quote)}\n</passage>" for n, c in enumerate(citations, 1)) or "(none)"


def build_messages(question: str, facts: Facts, verdict: Verdict,
                   citations: tuple[Citation, ...]) -> list[tuple[str, str]]:
    """System + user messages; passages fenced as quoted data."""
    user = render_prompt(
        "answer_user",
        question=question,
        as_of=facts.as_of.isoformat(),
        facts=describe_facts(facts),
        status=verdict.status,
        reasons="\n".join(f"- {r}" for r in verdict.reasons) or "(none)",
        branches="\n".join(f"- if {describe_conditions(b.conditions)}: {b.status}"
                           for b in verdict.branches) or "(none)",
        questions="\n".join(f"- {q}" for q in verdict.clarifying_questions) or "(none)",
        unverified=", ".join(verdict.unverified) or "(none)",
        passages=passages_block(citations),
    )
    return [("system", load_prompt("answer_system")), ("human", user)]


def check_output(raw: str, verdict: Verdict, citations: tuple[Citation, ...]) -> tuple[str | None, str | None]:
    """(body, None) when the output agrees with the engine; (None, problem) otherwise."""
    lines = raw.strip().splitlines()
    match = _VERDICT_LINE.match(lines[0]) if lines else None
    if match is None:
        return None, "the language model's reply had no VERDICT line"
    if match.group(1).lower() != verdict.status:
        return None, (f"the language model stated '{match.group(1).lower()}' but the rules "
                      f"say '{verdict.status}'")
    body = "\n".join(lines[1:]).strip()
    if not body:
        return None, "the language model's reply was empty"
    bad = [n for n in _NUMBER_MARKER.findall(body) if not 1 <= int(n) <= len(citations)]
    keys = {c.key for c in citations}
    bad += [k for k in _KEY_MARKER.findall(body) if k not in keys]
    if bad:
        return None, f"the language model cited sources that do not exist: {', '.join(bad)}"
    may_say_no_license = verdict.status == "no_license_required" or any(
        b.status == "no_license_required" for b in verdict.branches)
    if not may_say_no_license and _NO_LICENSE.search(body):
        return None, "the language model claimed no license is required, contradicting the rules"
    return body, None


def phrase(model: Any, question: str, facts: Facts, verdict: Verdict,
           citations: tuple[Citation, ...]) -> Phrasing:
    """Ask the model to phrase the answer and check what it says."""
    messages = build_messages(question, facts, verdict, citations)
    prompt = "\n\n".join(f"[{role}]\n{text}" for role, text in messages)
    try:
        reply = model.invoke(messages)
    except Exception as exc:  # noqa: BLE001 - network, auth, rate limits: all fall back
        return Phrasing(None, prompt, f"the language model failed ({type(exc).__name__}: "
                                      f"{_first_line(exc)})")
    content = getattr(reply, "content", reply)
    if not isinstance(content, str):
        content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    body, problem = check_output(content, verdict, citations)
    if body is None:
        return Phrasing(None, prompt, problem)
    return Phrasing(f"{headline(verdict.status)}.\n\n{body}", prompt)


def model_name(settings: Settings) -> str:
    return f"{settings.llm_provider}:{settings.llm_model}" if settings.llm_provider else str(settings.llm_model)
