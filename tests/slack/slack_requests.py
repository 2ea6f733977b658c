"""Correctly signed Slack requests (Events API, slash commands, block_actions) over real HTTP."""
from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"
_ids = itertools.count(1)


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "Content-Type": content_type,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def post(url: str, body: str, *, content_type: str = "application/json", secret: str = SECRET,
         timestamp: int | None = None, headers: dict[str, str] | None = None,
         retry_num: int | None = None) -> requests.Response:
    sent = signed_headers(body, secret, timestamp, content_type) if headers is None else headers
    if retry_num:
        sent = {**sent, "X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return requests.post(url, data=body.encode("utf-8"), headers=sent, timeout=30)


def next_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps({"token": "x", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
                       "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
                       "event": event})


def mention(text: str, *, channel: str = "C0CHAN", user: str = "UASKER", ts: str | None = None,
            thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel,
             "ts": ts or next_ts(), "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def direct_message(text: str, *, channel: str = "D0DM", user: str = "UASKER", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "channel": channel,
            "ts": next_ts(), **extra}


def slash_body(text: str, response_url: str, *, channel: str = "C0CHAN", user: str = "UASKER") -> str:
    return urlencode({"token": "x", "team_id": "T0001", "command": "/regbot", "text": text,
                      "user_id": user, "user_name": "asker", "channel_id": channel,
                      "response_url": response_url, "trigger_id": "trig", "api_app_id": "A0001"})


def action_body(action_id: str, value: str, *, response_url: str, channel: str = "C0CHAN",
                user: str = "UASKER", message: dict[str, Any] | None = None) -> str:
    """A block_actions payload; `message=None` means the click came from an ephemeral message."""
    container = ({"type": "message", "message_ts": message["ts"], "channel_id": channel,
                  "is_ephemeral": False} if message else
                 {"type": "message", "message_ts": "1.1", "channel_id": channel, "is_ephemeral": True})
    payload = {"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": user},
               "api_app_id": "A0001", "token": "x", "container": container, "trigger_id": "trig",
               "channel": {"id": channel}, "response_url": response_url,
               "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                            "action_ts": str(time.time())}]}
    if message:
        payload["message"] = message
    return urlencode({"payload": json.dumps(payload)})
