"""What the Bolt listeners delegate to: parse a Slack payload, answer, render, post.

Every path ends in a message to the user: the answer, a short reason the question
cannot be answered as asked, or an apology (and a log line) when something broke.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.records import Answer, Facts
from bot.settings import Settings
from bot.slack import blocks
from bot.slack.brief import render_message
from bot.slack.client import post_to_response_url
from bot.slack.state import METADATA_EVENT, AnswerState, answer_metadata, mark_reply

log = logging.getLogger("regbot.slack")

MENTION_RE = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Slack's markup in incoming text (https://api.slack.com/reference/surfaces/formatting):
# <#C123|name> channels, <!here> / <!subteam^S1|@team> / <!date^...|fallback> specials,
# <https://x|label> links; & < > arrive as &amp; &lt; &gt;.
MARKUP_RE = re.compile(r"<([#!]?)([^<>|]*)(?:\|([^<>]*))?>")
HUMAN_SUBTYPES = frozenset({"file_share", "thread_broadcast"})  # people writing, with extras
WORKING_REACTION = "eyes"
USAGE = "Ask me an export-control question, e.g. `/regbot Can we sell avionics to Cambodia?`"
NOT_ALLOWED = "regbot is not enabled for you or in this conversation."
HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})
CANNOT_POST = ("I can't post in this conversation yet: add me with `/invite @regbot`, "
               "then press *Share in channel* again.")
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


class AnswersQuestions(Protocol):
    def answer(self, question: str, *, as_of: date | None = None, context: Facts | None = None,
               overrides: dict[str, str] | None = None, front_end: str = "cli",
               user_id: str | None = None, log: bool | None = None) -> Answer: ...


@dataclass(frozen=True)
class Asked:
    """A question as Slack delivered it, and where the reply goes."""

    text: str
    channel: str
    user: str | None
    ts: str | None  # the asking message (for the 👀 reaction)
    thread_ts: str | None  # the thread it was asked in, if any
    reply_ts: str | None  # the thread to reply in (None: top level of a DM)
    is_dm: bool


# --------------------------------------------------------------------------- pure parsing


def strip_mentions(text: str) -> str:
    return " ".join(MENTION_RE.sub(" ", text or "").split())


def _markup_words(match: re.Match) -> str:
    kind, target, label = match.groups()
    if kind == "#":
        return f"#{label}" if label else "#channel"
    if kind == "!":
        return label or ""  # <!here>, <!channel>: never echoed back as a ping
    return label or target  # a link: its label, else the URL itself


def plain_text(text: str) -> str:
    """Slack message text as the person typed it: mentions removed, channel references and
    links as words, &amp; &lt; &gt; decoded (so rules and the decision log see real text)."""
    words = MARKUP_RE.sub(_markup_words, MENTION_RE.sub(" ", text or ""))
    decoded = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(decoded.split())


def is_dm(channel_id: str | None) -> bool:
    return bool(channel_id) and str(channel_id).startswith("D")


def asked_from_event(event: dict[str, Any]) -> Asked:
    channel = str(event.get("channel") or "")
    dm = event.get("channel_type") == "im" or is_dm(channel)
    thread_ts = event.get("thread_ts")
    reply_ts = thread_ts if dm else (thread_ts or event.get("ts"))
    return Asked(plain_text(event.get("text") or ""), channel, event.get("user"),
                 event.get("ts"), thread_ts, reply_ts, dm)


def is_from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bots (this one included) and edits/joins/etc. are not questions."""
    subtype = event.get("subtype")
    return bool(event.get("bot_id") or (subtype and subtype not in HUMAN_SUBTYPES)
                or (bot_user_id and event.get("user") == bot_user_id))


def allowed(settings: Settings, channel: str | None, user: str | None) -> bool:
    """Optional allow-lists; DMs are not subject to the channel list."""
    if settings.slack_allowed_users and user not in settings.slack_allowed_users:
        return False
    if settings.slack_allowed_channels and not is_dm(channel):
        return channel in settings.slack_allowed_channels
    return True


def _ts_key(ts: Any) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(ts).split("."))
    except ValueError:
        return (0,)


def thread_context(messages: list[dict[str, Any]], before_ts: str | None, today: date) -> Facts | None:
    """The facts a thread has established before message `before_ts`: regbot's latest answer
    (its metadata, chosen facts included) plus what people wrote after it, in order. So
    @regbot asked under a colleague's question, or after "it's for the army", reads them."""
    from bot.rules.facts import FactsError, extract_facts

    facts: Facts | None = None
    for message in sorted(messages, key=lambda m: _ts_key(m.get("ts"))):
        if before_ts and _ts_key(message.get("ts")) >= _ts_key(before_ts):
            break
        meta = message.get("metadata") or {}
        if meta.get("event_type") == METADATA_EVENT:
            try:
                facts = AnswerState.decode(meta.get("event_payload") or {}).context()
            except ValueError:
                pass
        elif not is_from_bot(message, None) and (text := plain_text(message.get("text") or "")):
            try:
                facts = extract_facts(text, today, previous=facts)
            except FactsError:  # an unreadable message (too long, odd date) adds nothing
                pass
    return facts


# --------------------------------------------------------------------------- responder


def _error_text(exc: Exception) -> str | None:
    """A user-facing reason for a question we cannot take as asked (None: a real fault)."""
    from bot.answer import QuestionError

    return f"I can't answer that as asked: {exc}" if isinstance(exc, QuestionError) else None


class Responder:
    """Answers Slack questions with one shared answerer (loaded once per process)."""

    def __init__(self, settings: Settings, answerer: AnswersQuestions,
                 record_feedback: Callable[..., int] | None = None) -> None:
        self.settings = settings
        self.answerer = answerer
        self._record_feedback = record_feedback

    def ask(self, question: str, user: str | None, *, state: AnswerState | None = None,
            context: Facts | None = None) -> Answer:
        if state is not None:
            answer = self.answerer.answer(state.question, as_of=state.as_of, context=state.context(),
                                          overrides=state.overrides or None, front_end="slack", user_id=user)
        else:
            answer = self.answerer.answer(question, context=context, front_end="slack", user_id=user)
        log.info("answered for %s: %s, log id %s, %.0f ms", user, answer.verdict.status, answer.log_id,
                 answer.timings_ms.get("total", 0.0))
        return answer

    # ----------------------------------------------------------------- messages
    def on_message(self, event: dict[str, Any], client: WebClient, bot_user_id: str | None,
                   job: str | None = None) -> None:
        """An @-mention or a DM: answer in the thread (or the DM); `job` (the queue job) is
        recorded in the reply's metadata."""
        if is_from_bot(event, bot_user_id):
            return
        asked = asked_from_event(event)
        if not allowed(self.settings, asked.channel, asked.user):
            log.info("ignored message from %s in %s (not allowed)", asked.user, asked.channel)
            return
        self._react(client, asked, "add")
        try:
            message = self._answer_message(asked, client)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            message = self._failure(exc, f"message {asked.ts} in {asked.channel}")
        self._post(client, asked, mark_reply(message, job))
        self._react(client, asked, "remove")

    def on_late(self, kind: str, payload: dict[str, Any], client: WebClient, text: str,
                job: str | None = None) -> None:
        """Work that waited too long in the queue: a short note where its answer would have gone."""
        if kind == "message":
            return self._post(client, asked_from_event(payload), mark_reply(blocks.notice(text), job))
        if kind == "screen":
            from bot.slack.screening import post_screen

            return post_screen(client, payload, blocks.notice(text))
        self._respond(payload.get("response_url"),
                      {"response_type": "ephemeral", "replace_original": False, **blocks.notice(text)})

    def _post(self, client: WebClient, asked: Asked, message: dict[str, Any]) -> None:
        try:
            client.chat_postMessage(channel=asked.channel, thread_ts=asked.reply_ts, **message)
        except (SlackApiError, OSError):  # after the retries: nothing left to tell the user with
            log.exception("could not post the reply in %s", asked.channel)

    def _answer_message(self, asked: Asked, client: WebClient) -> dict[str, Any]:
        if not asked.text or asked.text.lower() in HELP_WORDS:
            return blocks.notice(USAGE)
        answer = self.ask(asked.text, asked.user, context=self._thread_context(client, asked))
        message = render_message(answer, shareable_only=not asked.is_dm)
        return {**message, "metadata": answer_metadata(answer)}

    def _thread_context(self, client: WebClient, asked: Asked) -> Facts | None:
        """The facts established earlier in this thread (thread follow-ups re-use them)."""
        if not asked.thread_ts:
            return None
        replies = client.conversations_replies(channel=asked.channel, ts=asked.thread_ts,
                                               include_all_metadata=True, limit=200)
        return thread_context(replies.get("messages") or [], asked.ts, date.today())

    def _react(self, client: WebClient, asked: Asked, how: str) -> None:
        if not asked.ts:
            return
        call = client.reactions_add if how == "add" else client.reactions_remove
        try:
            call(channel=asked.channel, timestamp=asked.ts, name=WORKING_REACTION)
        except (SlackApiError, OSError) as exc:  # already reacted, gone, unreachable: not fatal
            log.warning("reactions.%s failed: %s", how, exc)

    def _failure(self, exc: Exception, where: str) -> dict[str, Any]:
        reason = _error_text(exc)
        if reason:
            return blocks.notice(reason)
        log.exception("answering %s failed: %s", where, exc)
        return blocks.notice(blocks.APOLOGY)

    # ----------------------------------------------------------------- slash command
    def on_command(self, command: dict[str, Any]) -> None:
        """`/regbot QUESTION`: an ephemeral answer with a "Share in channel" button."""
        url, user, channel = command.get("response_url"), command.get("user_id"), command.get("channel_id")
        question = plain_text(command.get("text") or "")
        if not allowed(self.settings, channel, user):
            message = blocks.notice(NOT_ALLOWED)
        elif not question or question.lower() in HELP_WORDS:
            message = blocks.notice(USAGE)
        else:
            try:
                message = render_message(self.ask(question, user), ephemeral=True)
            except Exception as exc:  # noqa: BLE001
                message = self._failure(exc, f"/regbot from {user}")
        self._respond(url, {"response_type": "ephemeral", **message})

    def _respond(self, url: str | None, payload: dict[str, Any]) -> None:
        if not url:
            log.warning("no response_url; cannot answer %s", payload.get("text"))
            return
        try:
            post_to_response_url(url, payload)
        except Exception:  # noqa: BLE001 - nothing more we can tell the user
            log.exception("posting to response_url failed")

    # ----------------------------------------------------------------- buttons
    def on_fact(self, body: dict[str, Any], client: WebClient) -> None:
        """A fact button: re-evaluate with that fact and update the message in place
        (a failure leaves the answer as it was and says so next to it)."""
        action, user = body["actions"][0], (body.get("user") or {}).get("id")
        channel, container = _channel_of(body), body.get("container") or {}
        original = body.get("message")
        ephemeral = bool(container.get("is_ephemeral")) or original is None
        if self._refused(body):
            return
        try:
            state = AnswerState.decode(action.get("value") or "")
            answer = self.ask(state.question, user, state=state)
        except Exception as exc:  # noqa: BLE001
            return self._tell(body, client, self._failure(exc, f"fact button from {user}"))
        message = render_message(answer, shareable_only=not ephemeral and not is_dm(channel),
                                       ephemeral=ephemeral, overrides=state.overrides)
        if ephemeral:
            return self._respond(body.get("response_url"), {"replace_original": True, **message})
        try:
            client.chat_update(channel=channel, ts=original["ts"],
                               metadata=answer_metadata(answer, state.overrides), **message)
        except (SlackApiError, OSError):
            log.exception("could not update the message in %s", channel)

    def on_more(self, body: dict[str, Any], client: WebClient) -> None:
        """"More": the long form (every reason, case and source) in the answer's thread, or
        privately under an ephemeral answer."""
        user, channel = (body.get("user") or {}).get("id"), _channel_of(body)
        if self._refused(body):
            return
        try:
            state, answer = self._button_answer(body, user)
        except Exception as exc:  # noqa: BLE001
            return self._tell(body, client, self._failure(exc, f"more button from {user}"))
        original = body.get("message")
        message = blocks.render_answer(answer, shareable_only=original is not None and not is_dm(channel),
                                       overrides=state.overrides)
        self._tell(body, client, message)

    def _button_answer(self, body: dict[str, Any], user: str | None) -> tuple[AnswerState, Any]:
        """The answer a button's state stands for, asked again (the state carries the question)."""
        state = AnswerState.decode(body["actions"][0].get("value") or "")
        return state, self.ask(state.question, user, state=state)

    def _refused(self, body: dict[str, Any]) -> bool:
        """Buttons obey the allow-lists too (a refusal is said privately)."""
        if allowed(self.settings, _channel_of(body), (body.get("user") or {}).get("id")):
            return False
        self._respond(body.get("response_url"), {"response_type": "ephemeral", "replace_original": False,
                                                 **blocks.notice(NOT_ALLOWED)})
        return True

    def _tell(self, body: dict[str, Any], client: WebClient, message: dict[str, Any]) -> None:
        """A short note next to the message a button was on: in its thread, or privately."""
        original = body.get("message")
        if original is None:
            return self._respond(body.get("response_url"),
                                 {"response_type": "ephemeral", "replace_original": False, **message})
        try:
            client.chat_postMessage(channel=_channel_of(body), **message,
                                    thread_ts=original.get("thread_ts") or original.get("ts"))
        except (SlackApiError, OSError):
            log.exception("could not post a note in %s", _channel_of(body))

    def on_feedback(self, body: dict[str, Any], client: WebClient) -> None:
        """👍/👎: a feedback row in the decision log; the buttons become a thank-you line."""
        action, user = body["actions"][0], (body.get("user") or {}).get("id")
        value = "up" if action.get("action_id") == blocks.FEEDBACK_UP else "down"
        if self._refused(body):
            return
        try:
            self._feedback(int(action.get("value") or ""), user_id=user, value=value, front_end="slack")
        except Exception as exc:  # noqa: BLE001
            log.exception("recording feedback failed: %s", exc)
            return self._respond(body.get("response_url"), {
                "response_type": "ephemeral", "replace_original": False,
                **blocks.notice("Sorry, I could not record that feedback.")})
        message = body.get("message")
        if message is None:  # ephemeral: Slack does not send the message back
            return self._respond(body.get("response_url"), {
                "response_type": "ephemeral", "replace_original": False,
                **blocks.notice("Feedback recorded. Thank you.")})
        thanked = blocks.feedback_recorded(message.get("blocks") or [], value, user)
        try:
            client.chat_update(channel=_channel_of(body), ts=message["ts"], text=message.get("text") or "",
                               blocks=thanked, metadata=message.get("metadata"))
        except (SlackApiError, OSError):
            log.exception("could not update the feedback buttons")

    def _feedback(self, log_id: int, **kwargs: Any) -> int:
        if self._record_feedback is None:
            from bot.decision_log import record_feedback

            return record_feedback(log_id, settings=self.settings, **kwargs)
        return self._record_feedback(log_id, **kwargs)

    def on_screen(self, payload: dict[str, Any], client: WebClient) -> None:
        """A name typed in the "Screen another party" modal (bot.slack.screening)."""
        from bot.slack.screening import answer_screen

        answer_screen(self, payload, client)

    def on_share(self, body: dict[str, Any], client: WebClient, job: str | None = None) -> None:
        """"Share in channel": post the answer publicly (shareable sources only), drop the ephemeral."""
        user, channel = (body.get("user") or {}).get("id"), _channel_of(body)
        if self._refused(body):
            return
        try:
            state, answer = self._button_answer(body, user)
            message = render_message(answer, shareable_only=not is_dm(channel),
                                           overrides=state.overrides)
            message = {**message, "metadata": answer_metadata(answer, state.overrides)}
            client.chat_postMessage(channel=channel, **mark_reply(message, job))
        except Exception as exc:  # noqa: BLE001
            reason = (blocks.notice(CANNOT_POST) if _slack_error(exc) in NOT_A_MEMBER
                      else self._failure(exc, f"share from {user}"))
            return self._respond(body.get("response_url"), {
                "response_type": "ephemeral", "replace_original": False, **reason})
        self._respond(body.get("response_url"), {"delete_original": True})


def _slack_error(exc: Exception) -> str | None:
    """Slack's error code (e.g. 'not_in_channel') when `exc` is a Web API refusal."""
    return exc.response.get("error") if isinstance(exc, SlackApiError) else None


def _channel_of(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id"))
