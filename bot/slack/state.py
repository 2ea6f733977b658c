"""What a Slack message remembers about its answer, so buttons and thread follow-ups
can re-ask without server-side sessions: a compact JSON in button values and in the
message metadata (`chat.postMessage(metadata=...)`, read back by `conversations.replies`)."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from bot.records import Answer, Facts

METADATA_EVENT = "regbot_answer"
REPLY_EVENT = "regbot_reply"  # metadata of a notice (usage, apology): only which job it answers
MAX_VALUE_CHARS = 2000  # Slack's limit on a button value
# the single-valued facts (text); tuple fields such as other_destinations are not carried
_FACT_FIELDS = tuple(f.name for f in dataclasses.fields(Facts)
                     if f.name != "as_of" and "tuple" not in str(f.type))


@dataclass(frozen=True)
class AnswerState:
    """The inputs that reproduce an answer: question, date, known facts, chosen facts."""

    question: str
    as_of: date
    facts: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, answer: Answer, overrides: dict[str, str] | None = None) -> "AnswerState":
        return cls(answer.question, answer.as_of, known_facts(answer.facts), dict(overrides or {}))

    def with_overrides(self, extra: dict[str, str]) -> "AnswerState":
        return dataclasses.replace(self, overrides={**self.overrides, **extra})

    def context(self) -> Facts:
        """The facts to pass as `context=` when re-asking (chosen facts included)."""
        chosen = {k: v for k, v in self.overrides.items() if k in _FACT_FIELDS}
        return Facts(as_of=self.as_of, **{**self.facts, **chosen})

    def payload(self) -> dict[str, Any]:
        return {"q": self.question, "d": self.as_of.isoformat(), "f": self.facts, "o": self.overrides}

    def encode(self) -> str:
        """JSON for a button value; a very long question is shortened to fit (facts are kept)."""
        data = self.payload()
        text = _dumps(data)
        if len(text) > MAX_VALUE_CHARS:
            room = len(data["q"]) - (len(text) - MAX_VALUE_CHARS) - 8
            data["q"] = data["q"][: max(room, 0)]
            text = _dumps(data)
        return text

    @classmethod
    def decode(cls, value: str | dict[str, Any]) -> "AnswerState":
        """Parse a button value or metadata payload; ValueError when it is not ours."""
        try:
            data = json.loads(value) if isinstance(value, str) else value
            facts = {k: str(v) for k, v in dict(data.get("f") or {}).items() if k in _FACT_FIELDS}
            overrides = {str(k): str(v) for k, v in dict(data.get("o") or {}).items()}
            return cls(str(data["q"]), date.fromisoformat(data["d"]), facts, overrides)
        except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a regbot answer state: {exc}") from exc


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def known_facts(facts: Facts) -> dict[str, str]:
    """The stated (non-None) facts other than the date."""
    return {name: str(getattr(facts, name)) for name in _FACT_FIELDS
            if getattr(facts, name) is not None}


def answer_metadata(answer: Answer, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Slack message metadata carrying the answer's state (for thread follow-ups)."""
    payload = AnswerState.of(answer, overrides).payload()
    if answer.log_id is not None:
        payload["log_id"] = answer.log_id
    return {"event_type": METADATA_EVENT, "event_payload": payload}


def thread_state(messages: Iterable[dict[str, Any]]) -> AnswerState | None:
    """The newest regbot answer state among a thread's messages, if any."""
    found = None
    for message in messages:
        meta = message.get("metadata") or {}
        if meta.get("event_type") != METADATA_EVENT:
            continue
        try:
            found = AnswerState.decode(meta.get("event_payload") or {})
        except ValueError:
            continue
    return found


def mark_reply(message: dict[str, Any], job_key: str | None) -> dict[str, Any]:
    """`message` with the queue job it answers in its metadata, so a worker that takes the job
    over from a dead one can see the reply was posted already (see replied_to)."""
    if not job_key:
        return message
    meta = message.get("metadata") or {"event_type": REPLY_EVENT, "event_payload": {}}
    meta = {**meta, "event_payload": {**meta.get("event_payload", {}), "job": job_key}}
    return {**message, "metadata": meta}


def replied_to(messages: Iterable[dict[str, Any]], job_key: str) -> bool:
    """True when one of `messages` is regbot's reply to queue job `job_key`."""
    return any(((m.get("metadata") or {}).get("event_payload") or {}).get("job") == job_key
               for m in messages)
