"""Pure Block Kit renderers for answers. No I/O: records in, JSON-able dicts out.

Slack limits honoured here (https://api.slack.com/reference/block-kit/blocks):
50 blocks a message, 3,000 characters of section text, 150 of header text,
75 of button text, 25 elements in an actions block. Citations are never dropped
to fit: their quotes are shortened and several share a section instead.
"""
from __future__ import annotations

import re
from typing import Any

from bot.compose import describe_facts
from bot.records import Answer, Branch, Citation, PartyHit, Period, Status
from bot.slack.state import AnswerState

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_ACTIONS = 25
MAX_FALLBACK = 3000

# Action ids are contracts between the renderer and the listeners in bot/slack/app.py.
FACT_ACTION_PREFIX = "regbot_fact_"
FACT_ACTION_RE = re.compile(r"^regbot_fact_\d+$")
FEEDBACK_UP = "regbot_feedback_up"
FEEDBACK_DOWN = "regbot_feedback_down"
FEEDBACK_ACTION_RE = re.compile(r"^regbot_feedback_(up|down)$")
SHARE_ACTION = "regbot_share"
SCREEN_ACTION = "regbot_screen_party"  # "Screen another party": opens SCREEN_VIEW
SCREEN_VIEW = "regbot_screen_view"  # the modal's callback_id (view_submission)
SCREEN_INPUT_BLOCK = "regbot_party"
SCREEN_INPUT_ACTION = "regbot_party_name"
MAX_PARTY_CHARS = 200  # as `regbot check --end-user`
MAX_PRIVATE_METADATA = 3000  # Slack's limit on a view's private_metadata
FEEDBACK_BLOCK_ID = "regbot_feedback"
FACTS_BLOCK_ID = "regbot_facts"
SCREENING_BLOCK_ID = "regbot_screening"
SHOWN_HITS = 5  # hits listed in a message; all of them are in the decision log

_STATUS_EMOJI = {Status.PROHIBITED: ":no_entry:", Status.LICENSE_REQUIRED: ":warning:",
                 Status.NO_LICENSE_REQUIRED: ":white_check_mark:",
                 Status.DEPENDS: ":twisted_rightwards_arrows:", Status.CANNOT_DETERMINE: ":grey_question:"}
STATUS_DISPLAY: dict[str, tuple[str, str]] = {s: (_STATUS_EMOJI[s], s.short_label) for s in Status}
DISCLAIMER = "Not legal advice: confirm with your export-compliance team before you ship."
APOLOGY = ("Sorry, something went wrong while answering that. It has been logged; "
           "please try again in a minute.")
_QUOTE_LIMITS = (1200, 600, 300, 150, 60, 0)


# --------------------------------------------------------------------------- text helpers


def esc(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…" if limit > 0 else ""


def esc_clip(text: str, limit: int) -> str:
    """`esc(text)` within `limit` characters, never ending in half an entity like '&am'."""
    escaped = esc(text)
    if len(escaped) <= limit:
        return escaped
    return re.sub(r"&[a-z]*$", "", escaped[: max(limit - 1, 0)]).rstrip() + "…"


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split at paragraph or line breaks into pieces of at most `limit` characters."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces + ([rest] if rest else [])


def pack(lines: list[str], limit: int = MAX_SECTION, sep: str = "\n\n") -> list[str]:
    """Join lines greedily into texts of at most `limit` characters (no line is split)."""
    texts: list[str] = []
    for line in lines:
        line = clip(line, limit)
        if texts and len(texts[-1]) + len(sep) + len(line) <= limit:
            texts[-1] += sep + line
        else:
            texts.append(line)
    return texts


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element = {"type": "button", "action_id": action_id, "value": value,
               "text": {"type": "plain_text", "text": clip(text, MAX_BUTTON_TEXT), "emoji": True}}
    if style:
        element["style"] = style
    return element


# --------------------------------------------------------------------------- answer parts


def verdict_title(status: str) -> str:
    emoji, label = STATUS_DISPLAY.get(status, (":grey_question:", status.replace("_", " ")))
    return f"{emoji} {label}"


KIND_TITLES = {"fact": ":information_source: Fact", "timeline": ":calendar: Timeline",
               "document": ":page_facing_up: Document", "off_topic": ":wave: What regbot answers",
               "not_english": ":speech_balloon: Language"}  # answers that are not verdicts


def header_block(answer: Answer) -> dict[str, Any]:
    text = clip(KIND_TITLES.get(answer.kind) or verdict_title(answer.verdict.status), MAX_HEADER)
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def condition_label(conditions: dict[str, str]) -> str:
    """Human words for a branch's facts, e.g. {'classification': 'USML XI'} -> 'ITAR (USML XI)'."""
    return " + ".join(_fact_words(name, value) for name, value in conditions.items())


def _fact_words(name: str, value: str) -> str:
    if name == "classification":
        return f"ITAR ({value})" if value.upper().startswith("USML") else f"EAR {value}"
    if name in ("end_use", "end_user_kind"):
        return f"{value.replace('-', ' ').capitalize()} end user"
    if name == "period":  # a dated branch: "Shipped from 2022-02-24 to 2026-12-01"
        return f"Shipped {Period.parse(value).label()}"
    return f"{name.replace('_', ' ').capitalize()}: {value}"


def marks(rule_ids: tuple[str, ...], numbered: list[tuple[int, Citation]]) -> str:
    """' [1][3]': the shown citations that carry any of `rule_ids`."""
    wanted = set(rule_ids)
    nums = [n for n, c in numbered if wanted.intersection(c.rule_ids)]
    return (" " + "".join(f"[{n}]" for n in nums)) if nums else ""


def reason_lines(answer: Answer, numbered: list[tuple[int, Citation]]) -> list[str]:
    verdict = answer.verdict
    reasons = verdict.reasons
    if verdict.branches:  # per-branch reasons are shown with the branches
        reasons = tuple(r for r in reasons if not r.startswith("If ")) or reasons[:1]
    lines = [f"• {esc(r)}" for r in reasons]
    if lines:
        lines[-1] += marks(verdict.rule_ids, numbered)
    return lines


def branch_lines(branches: tuple[Branch, ...], numbered: list[tuple[int, Citation]]) -> list[str]:
    lines = []
    for branch in branches:
        reason = f": {esc(branch.reasons[0])}" if branch.reasons else ""
        lines.append(f"• If *{esc(condition_label(branch.conditions))}* → "
                     f"{verdict_title(branch.status)}{reason}{marks(branch.rule_ids, numbered)}")
    return lines


def fact_buttons(answer: Answer, state: AnswerState) -> list[dict[str, Any]]:
    """One button per distinct branch condition not already settled; each re-asks with it."""
    seen: list[dict[str, str]] = []
    for branch in answer.verdict.branches:
        conditions = dict(branch.conditions)
        settled = all(state.overrides.get(k) == v or state.facts.get(k) == v
                      for k, v in conditions.items())
        if conditions and not settled and conditions not in seen:
            seen.append(conditions)
    return [button(condition_label(c), f"{FACT_ACTION_PREFIX}{i}", state.with_overrides(c).encode())
            for i, c in enumerate(seen[:MAX_ACTIONS])]


def numbered_citations(answer: Answer, shareable_only: bool) -> list[tuple[int, Citation]]:
    """Citations with their 1-based number in the answer; channels see only shareable ones
    (numbers keep their gaps so markers like [2] in the answer text still match)."""
    return [(n, c) for n, c in enumerate(answer.citations, 1)
            if not shareable_only or c.visibility == "shareable"]


def link_target(url: str | None) -> str | None:
    """The first http(s) URL of a `source_url` (some sidecars list several, e.g. 'a ; b'),
    made safe inside Slack's <url|label> link syntax; None when there is none."""
    for token in (url or "").split():
        token = token.rstrip(";,")
        if token.startswith(("http://", "https://")):
            return token.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return None


def citation_line(number: int, citation: Citation, quote_limit: int) -> str:
    """`[n] <url|label> · source` then the quote (shortened to `quote_limit`)."""
    label = esc(citation.citation or citation.locator)
    url = link_target(citation.url)
    link = f"<{url}|{label}>" if url else f"*{label}*"
    where = f" · {esc(citation.locator)}" if citation.citation and citation.locator != citation.citation else ""
    source = "" if citation.source in citation.locator else f" · _{esc(citation.source)}_"
    head = clip(f"*[{number}]* {link}{where}{source}", 600)
    quote = clip(" ".join(citation.quote.split()), quote_limit) if quote_limit else ""
    return head + (f"\n> {esc(quote)}" if quote else "")


def citation_sections(numbered: list[tuple[int, Citation]], max_blocks: int) -> list[dict[str, Any]]:
    """All citations as numbered sections within `max_blocks`, shortening quotes as needed."""
    texts: list[str] = []
    for limit in _QUOTE_LIMITS:
        texts = pack([citation_line(n, c, limit) for n, c in numbered])
        if len(texts) <= max_blocks:
            break
    return [section(t) for t in texts[: max(max_blocks, 1)]]


def hit_line(hit: PartyHit) -> str:
    """One hit: the party asked about, the list, the entry, its licence requirement, what it means."""
    near = " _(close match: confirm it is not this entry)_" if hit.band == "near" else ""
    notice = f" ({esc(hit.federal_register_notice)})" if hit.federal_register_notice else ""
    requirement = (f"\n   *Licence requirement:* “{esc_clip(hit.license_requirement, 400)}”"
                   if hit.license_requirement else "")
    policy = (f" · *Policy:* “{esc_clip(hit.license_policy, 300)}”" if hit.license_policy else "")
    return (f"• *{esc_clip(hit.query, 200)}* → *{esc_clip(hit.list, 200)}*: "
            f"“{esc_clip(hit.name, 300)}”{notice}{near}{requirement}{policy}\n   "
            f"→ {verdict_title(hit.status)} ({esc(hit.citation)})")


def screening_blocks(answer: Answer, state: AnswerState) -> list[dict[str, Any]]:
    """The hits (list, entry, licence requirement of each) and the "Screen another party"
    button; nothing for answers the engine did not decide (facts, timelines, abstentions)."""
    screening = answer.verdict.screening
    if screening is None or answer.kind != "determination":
        return []
    head: list[dict[str, Any]] = []
    if screening.hits:
        shown = [*screening.flagged, *screening.near][:SHOWN_HITS]
        lines = [f"*Screening* · Consolidated Screening List of {screening.list_date}"]
        lines += [hit_line(h) for h in shown]
        if len(screening.hits) > len(shown):
            lines.append(f"_… and {len(screening.hits) - len(shown)} more entries (in the "
                         f"decision log)._")
        head = [section(t) for t in pack(lines, sep="\n")[:2]]
    action = {"type": "actions", "block_id": SCREENING_BLOCK_ID, "elements": [
        button(":mag: Screen another party", SCREEN_ACTION, state.encode())]}
    return [*head, action]


def screening_note(answer: Answer) -> str | None:
    """The line under the header: nobody screened, or the list date screened against."""
    screening = answer.verdict.screening
    if screening is None or answer.kind != "determination":
        return None
    if not screening.parties:
        return (":mag: *The buyer has not been screened:* no buyer or end user was named, so "
                "nobody was checked against the Consolidated Screening List.")
    if screening.problem:
        return f":warning: *Not screened:* {esc(screening.problem)}"
    names = ", ".join(f"“{esc_clip(p, 200)}”" for p in screening.parties)
    found = (f"{len(screening.flagged)} listed, {len(screening.near)} close"
             if screening.hits else "no match")
    return (f":mag: Screened {names} against the Consolidated Screening List of "
            f"{screening.list_date}: {found}.")


def screen_modal(metadata: str) -> dict[str, Any]:
    """The "Screen another party" modal: one name; `metadata` says which answer to re-ask."""
    return {
        "type": "modal", "callback_id": SCREEN_VIEW, "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Screen a party"},
        "submit": {"type": "plain_text", "text": "Screen"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": SCREEN_INPUT_BLOCK,
             "label": {"type": "plain_text", "text": "Buyer or end user"},
             "element": {"type": "plain_text_input", "action_id": SCREEN_INPUT_ACTION,
                         "max_length": MAX_PARTY_CHARS,
                         "placeholder": {"type": "plain_text", "text": "e.g. Mekong Star Logistics"}}},
            context("The name is screened against the Consolidated Screening List and the same "
                    "question is answered again with it as the end user."),
        ]}


def feedback_block(log_id: int) -> dict[str, Any]:
    value = str(log_id)
    return {"type": "actions", "block_id": FEEDBACK_BLOCK_ID, "elements": [
        button(":thumbsup: Helpful", FEEDBACK_UP, value),
        button(":thumbsdown: Not helpful", FEEDBACK_DOWN, value)]}


def footer_lines(answer: Answer, hidden: int) -> list[str]:
    lines = [f"As of {answer.as_of.isoformat()} · {DISCLAIMER}"]
    if answer.verdict.unverified:
        lines.append(":warning: Rests on unconfirmed facts: "
                     + ", ".join(esc(r) for r in answer.verdict.unverified))
    if hidden:
        lines.append(f"{hidden} internal source(s) not shown in this channel.")
    lines.extend(esc(note) for note in answer.notes)
    return lines


# --------------------------------------------------------------------------- whole messages


def fallback_text(answer: Answer) -> str:
    """The notification text (shown where blocks are not); escaped, so a question that
    holds `<!here>` or a link cannot ping a channel or plant a link through regbot."""
    _, label = STATUS_DISPLAY.get(answer.verdict.status, ("", answer.verdict.status))
    return esc_clip(f"{label}: {answer.question}", MAX_FALLBACK)


def body_blocks(answer: Answer, numbered: list[tuple[int, Citation]]) -> list[dict[str, Any]]:
    """Header, question, the explanation (structured from the verdict; free text only when
    a language model phrased it or the bot abstained), branches and clarifying questions.
    A model's text is not shown where sources are hidden: it may draw on them."""
    note = screening_note(answer)
    blocks = [header_block(answer),
              context(f"*Q:* {esc(clip(answer.question, 2000))}\n"
                      f"_Understood as: {esc(describe_facts(answer.facts))}_"
                      + (f"\n{note}" if note else ""))]
    hides_sources = len(numbered) < len(answer.citations)
    if answer.abstained or answer.kind in KIND_TITLES or (answer.model and not hides_sources):
        blocks += [section(t) for t in split_text(esc(answer.text))[:3]]
    elif answer.verdict.reasons:
        blocks += [section(t) for t in pack(["*Why*"] + reason_lines(answer, numbered), sep="\n")[:2]]
    if answer.verdict.branches:
        lines = ["*How it turns out*"] + branch_lines(answer.verdict.branches, numbered)
        blocks += [section(t) for t in pack(lines, sep="\n")[:2]]
    if answer.verdict.clarifying_questions:
        blocks.append(section("*To decide, tell me:*\n"
                              + "\n".join(f"• {esc(q)}" for q in answer.verdict.clarifying_questions)))
    return blocks


def render_answer(answer: Answer, *, shareable_only: bool = False, ephemeral: bool = False,
                  overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """The `text` + `blocks` of a Slack message for one answer (within Slack's limits)."""
    state = AnswerState.of(answer, overrides)
    numbered = numbered_citations(answer, shareable_only)
    head = body_blocks(answer, numbered)
    buttons = fact_buttons(answer, state)
    if buttons:
        head.append({"type": "actions", "block_id": FACTS_BLOCK_ID, "elements": buttons})
    head += screening_blocks(answer, state)
    hidden = len(answer.citations) - len(numbered)
    tail = [context(t) for t in pack(footer_lines(answer, hidden), sep="\n")[:2]]
    if answer.log_id is not None:
        tail.append(feedback_block(answer.log_id))
    if ephemeral:
        tail.append({"type": "actions", "elements": [
            button("Share in channel", SHARE_ACTION, state.encode(), style="primary")]})
    sources: list[dict[str, Any]] = []
    if numbered:
        room = MAX_BLOCKS - len(head) - len(tail) - 2
        sources = [{"type": "divider"}, section("*Sources*")] + citation_sections(numbered, room)
    return {"text": fallback_text(answer), "blocks": head + sources + tail}


def feedback_recorded(blocks: list[dict[str, Any]], value: str, user_id: str | None) -> list[dict[str, Any]]:
    """The same blocks with the feedback buttons replaced by a thank-you line."""
    emoji = ":thumbsup:" if value == "up" else ":thumbsdown:"
    who = f" from <@{user_id}>" if user_id else ""
    thanks = context(f"{emoji} Feedback recorded{who}. Thank you.")
    return [thanks if b.get("block_id") == FEEDBACK_BLOCK_ID else b for b in blocks]


def notice(text: str) -> dict[str, Any]:
    """A short plain message (apologies, access refusals, usage hints)."""
    return {"text": esc_clip(text, MAX_FALLBACK), "blocks": [section(esc(text))]}
