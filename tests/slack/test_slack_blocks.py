"""Block Kit rendering: golden files plus Slack's limits.

Regenerate the golden files after an intended change with
`REGBOT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/slack/test_slack_blocks.py`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.slack import blocks
from bot.slack.state import AnswerState, answer_metadata, thread_state
from slack_answers import (depends_answer, huge_answer, listed_answer, prohibited_answer,
                           unscreened_answer)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("REGBOT_UPDATE_GOLDEN") == "1"

CASES = {
    "depends_channel": lambda: blocks.render_answer(depends_answer(), shareable_only=True),
    "depends_dm": lambda: blocks.render_answer(depends_answer()),
    "depends_ephemeral": lambda: blocks.render_answer(depends_answer(), ephemeral=True),
    "prohibited": lambda: blocks.render_answer(prohibited_answer(), shareable_only=True),
    "feedback_recorded": lambda: blocks.feedback_recorded(
        blocks.render_answer(prohibited_answer())["blocks"], "down", "U123"),
    "apology": lambda: blocks.notice(blocks.APOLOGY),
    "listed_party": lambda: blocks.render_answer(listed_answer(), shareable_only=True),
    "screen_modal": lambda: blocks.screen_modal('{"s":"x","c":"C1","t":"1.2","e":false}'),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    rendered = json.loads(json.dumps(CASES[name]()))
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with REGBOT_UPDATE_GOLDEN=1"
    assert rendered == json.loads(path.read_text(encoding="utf-8"))


def _all_text(message) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def _check_limits(message) -> None:
    assert len(message["blocks"]) <= blocks.MAX_BLOCKS
    assert len(message["text"]) <= blocks.MAX_FALLBACK
    for block in message["blocks"]:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= blocks.MAX_HEADER
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= blocks.MAX_SECTION
        if block["type"] == "actions":
            assert len(block["elements"]) <= blocks.MAX_ACTIONS
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= blocks.MAX_BUTTON_TEXT
                assert len(element["value"]) <= 2000


@pytest.mark.parametrize("n", [1, 30, 80, 200])
def test_huge_answers_stay_within_limits_and_keep_every_citation(n):
    message = blocks.render_answer(huge_answer(n), ephemeral=True)
    _check_limits(message)
    text = _all_text(message)
    for i in range(n):
        assert f"*[{i + 1}]* <https://example.org/{i}|" in text
    assert message["blocks"][-1]["elements"][0]["action_id"] == blocks.SHARE_ACTION


def test_channel_rendering_hides_internal_sources_and_says_so():
    channel = _all_text(blocks.render_answer(depends_answer(), shareable_only=True))
    dm = _all_text(blocks.render_answer(depends_answer()))
    assert "internal-memo.txt" not in channel and "1 internal source(s) not shown" in channel
    assert "internal-memo.txt" in dm


def test_fact_buttons_carry_the_branch_conditions():
    message = blocks.render_answer(depends_answer())
    facts = next(b for b in message["blocks"] if b.get("block_id") == blocks.FACTS_BLOCK_ID)
    labels = [e["text"]["text"] for e in facts["elements"]]
    assert labels == ["ITAR (USML XI)", "EAR 7A994 + Civil end user", "EAR 7A994 + Military end user"]
    states = [AnswerState.decode(e["value"]) for e in facts["elements"]]
    assert states[2].overrides == {"classification": "7A994", "end_use": "military"}
    assert states[2].facts["destination"] == "KH" and states[2].question == depends_answer().question
    assert all(blocks.FACT_ACTION_RE.match(e["action_id"]) for e in facts["elements"])


def test_settled_conditions_get_no_button():
    answer = depends_answer()
    state = AnswerState.of(answer, {"classification": "USML XI"})
    labels = [b["text"]["text"] for b in blocks.fact_buttons(answer, state)]
    assert "ITAR (USML XI)" not in labels and len(labels) == 2


def test_mrkdwn_is_escaped():
    text = _all_text(blocks.render_answer(depends_answer()))
    assert "&amp; users &lt;Cambodia&gt;" in text and "<Cambodia>" not in text


def test_state_survives_long_questions_and_metadata_round_trip():
    answer = huge_answer(1)
    value = AnswerState.of(answer, {"end_use": "civil"}).encode()
    assert len(value) <= 2000
    back = AnswerState.decode(value)
    assert back.overrides == {"end_use": "civil"} and back.facts["item"] == "avionics"
    messages = [{"text": "hi"}, {"metadata": answer_metadata(prohibited_answer())},
                {"metadata": {"event_type": "other"}}]
    state = thread_state(messages)
    assert state is not None and state.facts["classification"] == "USML I"
    assert state.context().classification == "USML I"
    with pytest.raises(ValueError):
        AnswerState.decode("not json")


def test_free_text_shown_only_when_phrased_by_a_model_or_abstaining():
    import dataclasses
    plain = _all_text(blocks.render_answer(depends_answer()))
    assert "It depends on how the avionics" not in plain and "*Why*" in plain
    phrased = dataclasses.replace(depends_answer(), model="openai:gpt-x")
    assert "It depends on how the avionics" in _all_text(blocks.render_answer(phrased))
    in_channel = _all_text(blocks.render_answer(phrased, shareable_only=True))  # an internal source hidden
    assert "It depends on how the avionics" not in in_channel and "*Why*" in in_channel
    abstained = dataclasses.replace(depends_answer(), abstained=True, text="I can't answer & won't guess.")
    assert "I can't answer &amp; won't guess." in _all_text(blocks.render_answer(abstained))


def test_markers_keep_answer_numbering_and_skip_hidden_sources():
    channel = _all_text(blocks.render_answer(depends_answer(), shareable_only=True))
    assert "[2]" in channel and "*[3]*" not in channel


def test_branch_reasons_are_not_repeated_and_sources_not_doubled():
    text = _all_text(blocks.render_answer(depends_answer()))
    assert "If classification is USML XI" not in text  # shown as a branch instead
    assert "*[3]* *internal-memo.txt ¶2*\\n" in text  # the locator already names the file


def test_fallback_text_cannot_ping_or_link_and_stays_within_limits():
    import dataclasses
    answer = dataclasses.replace(prohibited_answer(), question="R&D rigs <!here> <https://evil.example|x>")
    for message in (blocks.render_answer(answer), blocks.notice("a <!channel> & b")):
        assert "<" not in message["text"] and ">" not in message["text"]
    assert blocks.render_answer(answer)["text"] == ("Prohibited: R&amp;D rigs &lt;!here&gt; "
                                                    "&lt;https://evil.example|x&gt;")
    long = dataclasses.replace(answer, question="&" * 5000)
    text = blocks.render_answer(long)["text"]
    assert len(text) <= blocks.MAX_FALLBACK and text.endswith("&amp;…")


@pytest.mark.parametrize("url, target", [
    ("https://www.ecfr.gov/a ; https://www.ecfr.gov/b", "https://www.ecfr.gov/a"),
    ("see https://x.org/p?a=1|2>", "https://x.org/p?a=1%7C2%3E"),
    ("ftp://x.org/file", None),
    (None, None),
])
def test_citation_links_use_the_first_web_url(url, target):
    import dataclasses
    assert blocks.link_target(url) == target
    citation = dataclasses.replace(prohibited_answer().citations[0], url=url)
    line = blocks.citation_line(1, citation, 100)
    assert line.startswith(f"*[1]* <{target}|86 FR 70047>" if target else "*[1]* *86 FR 70047*")


def _block(message, block_id):
    return next(b for b in message["blocks"] if b.get("block_id") == block_id)


def test_hits_show_list_entry_and_licence_requirement_and_a_screen_button():
    message = blocks.render_answer(listed_answer(), shareable_only=True)
    _check_limits(message)
    text = _all_text(message)
    assert "Consolidated Screening List of 2026-07-31" in text
    assert "Entity List (EL) - Bureau of Industry and Security" in text  # the list
    assert "“Beijing Academy of Artificial Intelligence” (90 FR 14046)" in text  # the entry
    assert "*Licence requirement:* “For all items subject to the EAR." in text
    assert "Presumption of denial" in text and "close match" in text
    assert "&lt;AI&gt; &amp; Co" in text and "<AI>" not in text  # listed names are escaped too
    screen = _block(message, blocks.SCREENING_BLOCK_ID)["elements"][0]
    assert screen["action_id"] == blocks.SCREEN_ACTION and "Screen another party" in screen["text"]["text"]
    state = AnswerState.decode(screen["value"])
    assert state.question == listed_answer().question and state.facts["destination"] == "CN"


def test_the_first_lines_say_when_nobody_was_screened():
    message = blocks.render_answer(unscreened_answer())
    under_header = message["blocks"][1]["elements"][0]["text"]
    assert "The buyer has not been screened" in under_header
    assert _block(message, blocks.SCREENING_BLOCK_ID)["elements"][0]["action_id"] == blocks.SCREEN_ACTION
    listed = blocks.render_answer(listed_answer())["blocks"][1]["elements"][0]["text"]
    assert "Consolidated Screening List of 2026-07-31: 1 listed, 1 close" in listed


def test_answers_the_engine_did_not_decide_get_no_screening_blocks():
    import dataclasses

    fact = dataclasses.replace(unscreened_answer(), kind="fact")
    assert all(b.get("block_id") != blocks.SCREENING_BLOCK_ID
               for b in blocks.render_answer(fact)["blocks"])
    assert all(b.get("block_id") != blocks.SCREENING_BLOCK_ID  # no verdict.screening (precheck)
               for b in blocks.render_answer(prohibited_answer())["blocks"])


def test_the_screen_modal_asks_for_one_name_within_slack_limits():
    view = blocks.screen_modal("{}")
    assert view["callback_id"] == blocks.SCREEN_VIEW and len(view["title"]["text"]) <= 24
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["block_id"] == blocks.SCREEN_INPUT_BLOCK
    assert field["element"]["action_id"] == blocks.SCREEN_INPUT_ACTION
    assert field["element"]["max_length"] == blocks.MAX_PARTY_CHARS


def test_screen_request_says_where_the_new_answer_goes():
    from bot.slack.screening import party_error, screen_request, submitted_party

    value = AnswerState.of(listed_answer()).encode()
    in_thread = {"actions": [{"value": value}], "channel": {"id": "C1"},
                 "container": {"is_ephemeral": False},
                 "message": {"ts": "5.6", "thread_ts": "1.2"}}
    assert json.loads(screen_request(in_thread)) == {"s": value, "c": "C1", "t": "1.2", "e": False}
    private = {"actions": [{"value": value}], "container": {"is_ephemeral": True, "channel_id": "C2"}}
    assert json.loads(screen_request(private)) == {"s": value, "c": "C2", "t": None, "e": True}
    assert len(screen_request(in_thread)) <= blocks.MAX_PRIVATE_METADATA
    typed = {"view": {"state": {"values": {blocks.SCREEN_INPUT_BLOCK: {
        blocks.SCREEN_INPUT_ACTION: {"value": "  Try   Pheap Group "}}}}}}
    assert submitted_party(typed) == "Try Pheap Group" and submitted_party({}) == ""
    assert party_error("") and party_error("x" * 201) and party_error("Acme") is None
