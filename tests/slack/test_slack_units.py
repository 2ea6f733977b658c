"""Fast tests of the Slack app's parts: retrying client (against the fake API), request checks,
parsing, access rules and the CLI's refusals. The durable queue: tests/slack/test_slack_queue.py."""
from __future__ import annotations

import json
import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.settings import Settings
from bot.slack.client import make_web_client, post_to_response_url
from slack_fake_api import FakeSlackAPI
from bot.slack.handlers import allowed, asked_from_event, is_from_bot, plain_text, strip_mentions
from bot.slack.server import payload_problem


@pytest.fixture
def fake():
    with FakeSlackAPI() as api:
        yield api


def test_web_client_goes_through_the_configured_url_and_retries(fake):
    client = make_web_client(Settings(slack_api_url=fake.api_url.rstrip("/")), "xoxb-1")
    fake.fail_next("chat.postMessage", 429, retry_after=1)
    fake.fail_next("chat.postMessage", 502, times=2)
    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hi")
    assert response["ok"] and time.monotonic() - started >= 1.0
    statuses = [c.status for c in fake.calls("chat.postMessage", ok_only=False)]
    assert statuses == [429, 502, 502, 200]
    assert fake.calls("chat.postMessage")[0].token == "xoxb-1"


def test_response_url_posts_are_retried(fake):
    fake.fail_next("response_url", 503)
    assert post_to_response_url(fake.response_url("h"), {"text": "x"}) == 200
    assert [c.status for c in fake.calls("response_url", ok_only=False)] == [503, 200]


def test_fake_threads_keep_metadata_only_when_asked(fake):
    client = make_web_client(Settings(slack_api_url=fake.api_url), "xoxb-1")
    first = client.chat_postMessage(channel="C1", text="a", metadata={"event_type": "e", "event_payload": {"x": 1}})
    client.chat_postMessage(channel="C1", text="b", thread_ts=first["ts"])
    with_meta = client.conversations_replies(channel="C1", ts=first["ts"], include_all_metadata=True)
    assert [m["text"] for m in with_meta["messages"]] == ["a", "b"]
    assert with_meta["messages"][0]["metadata"]["event_payload"] == {"x": 1}
    plain = client.conversations_replies(channel="C1", ts=first["ts"])
    assert "metadata" not in plain["messages"][0]


@pytest.mark.parametrize("body, content_type, ok", [
    (json.dumps({"type": "url_verification", "challenge": "c"}), "application/json", True),
    (json.dumps({"type": "event_callback", "event_id": "E", "event": {"type": "app_mention"}}), None, True),
    ("command=%2Fregbot&user_id=U&channel_id=C&text=hi", "application/x-www-form-urlencoded", True),
    ("payload=" + json.dumps({"type": "block_actions", "actions": [{"action_id": "a"}]}), None, True),
    ("ssl_check=1&token=x", None, True),
    ("{oops", "application/json", False),
    (json.dumps({"type": "event_callback", "event": {"type": "x"}}), None, False),
    ("user_id=U", None, False),
    ("", None, False),
    ('{"type": "event_callback", "event_id": "E", "event": ' + "[" * 50_000 + "]" * 50_000 + "}", None, False),
    ("payload=" + json.dumps({"type": "block_actions", "actions": [{"v": [[[[[[[[[[1]]]]]]]]]]}]}), None, True),
    ("payload=" + json.dumps({"type": "block_actions", "actions": [{"v": "x"}], "d": json.loads(
        "[" * 70 + "]" * 70)}), None, False),
])
def test_payload_problem(body, content_type, ok):
    assert (payload_problem(body, content_type) is None) is ok


def test_nesting_depth_is_counted_without_recursion():
    from bot.slack.server import MAX_DEPTH, nesting_depth

    assert nesting_depth({"a": [1, {"b": []}]}) == 4 and nesting_depth("x") == 0
    deep = json.loads("[" * 900 + "]" * 900)  # within Python's parser, far past Slack's nesting
    assert nesting_depth(deep) == MAX_DEPTH + 1  # stops walking once past the limit


def test_parsing_mentions_dms_and_threads():
    mention = asked_from_event({"type": "app_mention", "text": "<@UBOT> Can we <@U2|bob> sell?",
                                "channel": "C1", "user": "U1", "ts": "1.1"})
    assert mention.text == "Can we sell?" and mention.reply_ts == "1.1" and not mention.is_dm
    follow = asked_from_event({"text": "and?", "channel": "C1", "ts": "1.5", "thread_ts": "1.1"})
    assert follow.reply_ts == "1.1" and follow.thread_ts == "1.1"
    dm = asked_from_event({"text": "hi", "channel": "D1", "channel_type": "im", "ts": "2.1"})
    assert dm.is_dm and dm.reply_ts is None
    assert strip_mentions("<@UBOT>") == ""


@pytest.mark.parametrize("raw, plain", [
    ("<@UBOT> Can we export R&amp;D rigs &gt; 5 kg &amp;&lt;x&gt;?", "Can we export R&D rigs > 5 kg &<x>?"),
    ("<@UBOT|regbot> see <#C0123|sales> and <#C0456>", "see #sales and #channel"),
    ("spec at <https://x.org/a?b=1&amp;c=2|the spec> or <https://y.org/z>", "spec at the spec or https://y.org/z"),
    ("<!here> avionics to <!subteam^S1|@sales-team> Cambodia <!channel>", "avionics to @sales-team Cambodia"),
    ("mail <mailto:a@b.co|a@b.co>", "mail a@b.co"),
    ("&amp;lt; stays literal", "&lt; stays literal"),
])
def test_plain_text_undoes_slack_markup(raw, plain):
    assert plain_text(raw) == plain
    assert asked_from_event({"text": raw, "channel": "C1", "ts": "1.1"}).text == plain


def test_file_shares_and_broadcast_replies_are_questions():
    assert not is_from_bot({"user": "U1", "subtype": "file_share", "text": "see the spec sheet"}, "UBOT")
    assert not is_from_bot({"user": "U1", "subtype": "thread_broadcast"}, "UBOT")
    assert is_from_bot({"bot_id": "B1", "subtype": "file_share"}, "UBOT")


def test_bots_edits_and_self_are_not_questions():
    assert is_from_bot({"bot_id": "B1", "user": "U1"}, "UBOT")
    assert is_from_bot({"user": "UBOT"}, "UBOT")
    assert is_from_bot({"user": "U1", "subtype": "message_changed"}, "UBOT")
    assert not is_from_bot({"user": "U1"}, "UBOT")


def test_allow_lists():
    open_settings = Settings()
    assert allowed(open_settings, "C1", "U1")
    strict = Settings(slack_allowed_channels=["C1"], slack_allowed_users=["U1", "U2"])
    assert allowed(strict, "C1", "U1") and allowed(strict, "D9", "U2")
    assert not allowed(strict, "C2", "U1") and not allowed(strict, "C1", "U3")


def test_allow_lists_from_the_environment(monkeypatch):
    monkeypatch.setenv("REGBOT_SLACK_ALLOWED_CHANNELS", '["C1", "C2"]')
    assert Settings().slack_allowed_channels == ["C1", "C2"]


@pytest.mark.parametrize("args, env, code, words", [
    (["slack", "serve"], {}, 2, "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
    (["slack", "serve"], {"SLACK_BOT_TOKEN": "x"}, 2, "SLACK_SIGNING_SECRET"),
    (["slack", "serve"], {"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s"}, 3, "regbot ingest"),
    (["slack", "socket"], {"SLACK_BOT_TOKEN": "x"}, 2, "SLACK_APP_TOKEN"),
    (["slack", "serve", "--port", "0"], {}, 2, "--port"),
    (["slack", "serve"], {"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s",
                          "REGBOT_SLACK_API_URL": "slack.com/api"}, 2, "REGBOT_SLACK_API_URL"),
    (["slack", "socket"], {"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "a",
                           "REGBOT_SLACK_API_URL": "ftp://x/"}, 2, "not an http(s) URL"),
])
def test_cli_refuses_clearly(monkeypatch, args, env, code, words):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    assert words in result.output and "Traceback" not in result.output


def test_cli_refuses_a_port_in_use(monkeypatch, regbot_home):
    import socket

    (regbot_home / "chunks.sqlite").write_bytes(b"")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "x")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["slack", "serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_cli_refuses_several_workers_over_an_embedded_index(monkeypatch, regbot_home):
    (regbot_home / "chunks.sqlite").write_bytes(b"")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "x")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    result = CliRunner().invoke(cli, ["slack", "serve", "--workers", "2"])
    assert result.exit_code == 2 and "REGBOT_CHROMA_URL" in result.output


def test_manifest_matches_the_app():
    import yaml

    from bot.slack.app import SLASH_COMMAND
    from bot.slack.server import EVENTS_PATH

    manifest = yaml.safe_load((Path(__file__).parents[2] / "bot/slack/manifest.yaml").read_text())
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [SLASH_COMMAND]
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    urls = [commands[0]["url"], settings["event_subscriptions"]["request_url"],
            settings["interactivity"]["request_url"]]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "reactions:write",
            "channels:history"} <= scopes


def test_serve_stops_cleanly_when_the_slack_api_is_unreachable(tmp_path):
    import subprocess

    from slack_harness import free_port, regbot_executable, server_env

    home = tmp_path / "home"
    home.mkdir()
    (home / "chunks.sqlite").write_bytes(b"")
    env = server_env(home, f"http://127.0.0.1:{free_port()}/api/")  # nothing listens there
    result = subprocess.run([regbot_executable(), "slack", "serve", "--host", "127.0.0.1",
                             "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr


def test_thread_context_reads_regbot_state_then_later_messages_from_people():
    from datetime import date

    from bot.slack.handlers import thread_context
    from bot.slack.state import answer_metadata
    from slack_answers import depends_answer

    today = date(2026, 2, 20)
    colleague = {"ts": "100.000001", "user": "U1", "text": "Can we sell avionics to Cambodia?"}
    asking = {"ts": "100.000009", "user": "U2", "text": "<@UBOT> thoughts?"}
    facts = thread_context([colleague, asking], asking["ts"], today)
    assert (facts.destination, facts.item, facts.end_use) == ("KH", "avionics", None)
    answered = {"ts": "100.000003", "user": "UBOT", "bot_id": "B1", "text": "Depends",
                "metadata": answer_metadata(depends_answer(), {"classification": "7A994"})}
    army = {"ts": "100.000004", "user": "U1", "text": "it's for the army"}
    later = {"ts": "100.000010", "user": "U1", "text": "can we sell rifles to Vietnam?"}
    facts = thread_context([colleague, answered, army, asking, later], asking["ts"], today)
    assert (facts.destination, facts.item, facts.classification) == ("KH", "avionics", "7A994")
    assert facts.end_use == "military"
    assert thread_context([{"ts": "1.1", "bot_id": "B9", "text": "Cambodia avionics"}], "2.2", today) is None


def test_message_ts_are_unique_and_increasing():
    from slack_fake_api import FakeState
    from slack_harness import next_ts

    for make in (next_ts, FakeState().next_ts):
        stamps = [make() for _ in range(20000)]
        assert len(set(stamps)) == len(stamps)
        keys = [tuple(map(int, s.split("."))) for s in stamps]
        assert keys == sorted(keys) and all(len(s.split(".")[1]) == 6 for s in stamps)


def test_the_package_ships_no_slack_harness_and_needs_no_requests():
    import importlib.util

    for name in ("bot.slack.harness", "bot.slack.fake_api", "bot.slack.bench"):
        assert importlib.util.find_spec(name) is None, name  # test code lives under tests/
    root = Path(__file__).parents[2]
    slack = list((root / "bot" / "slack").rglob("*.py"))
    assert slack and not [p for p in slack if "import requests" in p.read_text(encoding="utf-8")]
    # a product module that does use requests (bot/sync: the Federal Register client) declares it
    import tomllib

    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    product = [p for pkg in ("bot", "ingest", "index", "prompts") for p in (root / pkg).rglob("*.py")]
    users = [p for p in product if "import requests" in p.read_text(encoding="utf-8")]
    assert not users or any(d.startswith("requests") for d in declared), users
