"""'Screen another party' (issue 10 point 5): the modal's metadata and input, and answering it.

The button opens a modal (`blocks.screen_modal`) whose private_metadata says which answer it
came from and where the new answer goes; the typed name is queued as a `screen` job, and
`answer_screen` asks the same question again with that name as the end user (screened and
classified like `--end-user`), posting the answer in the thread, or privately for an
ephemeral one.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack.state import AnswerState, answer_metadata

if TYPE_CHECKING:  # pragma: no cover
    from bot.slack.handlers import Responder

log = logging.getLogger("regbot.slack")


def screen_request(body: dict[str, Any]) -> str:
    """The modal's private_metadata for a click: the answer's state and where the new answer
    goes (the thread of the message, or privately for an ephemeral one)."""
    action, message = body["actions"][0], body.get("message")
    container = body.get("container") or {}
    ephemeral = bool(container.get("is_ephemeral")) or message is None
    thread = None if ephemeral else (message.get("thread_ts") or message.get("ts"))
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    data = {"s": action.get("value") or "", "c": channel, "t": thread, "e": ephemeral}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def submitted_party(body: dict[str, Any]) -> str:
    """The name typed in the modal ("" when blank)."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    field = (values.get(blocks.SCREEN_INPUT_BLOCK) or {}).get(blocks.SCREEN_INPUT_ACTION) or {}
    return " ".join(str(field.get("value") or "").split())


def party_error(name: str) -> str | None:
    """Why a typed name cannot be screened (the modal shows it under the field), or None."""
    if not name:
        return "Type the name of a company or organisation."
    if len(name) > blocks.MAX_PARTY_CHARS:
        return f"The name is too long (the limit is {blocks.MAX_PARTY_CHARS} characters)."
    return None


def _where(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        where = json.loads(payload.get("metadata") or "{}")
    except json.JSONDecodeError:
        where = {}
    return where if isinstance(where, dict) else {}


def answer_screen(responder: "Responder", payload: dict[str, Any], client: WebClient) -> None:
    """The same question answered again with the typed name as the end user."""
    from bot.slack.handlers import NOT_ALLOWED, allowed, is_dm

    user, name, where = payload.get("user"), payload.get("name") or "", _where(payload)
    channel, ephemeral = str(where.get("c")), bool(where.get("e"))
    if not allowed(responder.settings, channel, user):
        return post_screen(client, {**payload, "metadata": json.dumps({**where, "e": True})},
                           blocks.notice(NOT_ALLOWED))
    try:
        state = AnswerState.decode(where.get("s") or "").with_overrides({"end_user": name})
        answer = responder.ask(state.question, user, state=state)
        message = blocks.render_answer(answer, shareable_only=not ephemeral and not is_dm(channel),
                                       ephemeral=ephemeral, overrides=state.overrides)
        if not ephemeral:
            message["metadata"] = answer_metadata(answer, state.overrides)
    except Exception as exc:  # noqa: BLE001 - every failure must reach the user
        message = responder._failure(exc, f"screening {name!r} for {user}")
    post_screen(client, payload, message)


def post_screen(client: WebClient, payload: dict[str, Any], message: dict[str, Any]) -> None:
    """Post in the answer's thread, or privately to the person for an ephemeral answer."""
    where = _where(payload)
    channel = str(where.get("c"))
    try:
        if where.get("e"):
            message = {k: v for k, v in message.items() if k != "metadata"}
            client.chat_postEphemeral(channel=channel, user=payload.get("user"), **message)
        else:
            client.chat_postMessage(channel=channel, thread_ts=where.get("t"), **message)
    except (SlackApiError, OSError):
        log.exception("could not post the screening answer in %s", channel)
