"""Signed Slack requests for the tests: the shared helpers plus DM, slash and button payloads."""
from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_harness import (TEST_SECRET as SECRET, event_body, mention, next_ts,  # noqa: F401
                               post_signed as post, signed_headers)


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
