"""`regbot slack socket`: a real Socket Mode session against a local WebSocket endpoint
that plays Slack (hello, an events_api envelope, waits for the ack); the reply is
observed at the fake Web API, which also served apps.connections.open."""
from __future__ import annotations

import json
import queue
import subprocess
import threading

import pytest
from websockets.sync.server import serve

import slack_requests as sr
from slack_harness import copy_home, regbot_executable, server_env

pytestmark = pytest.mark.slow


class SlackSocket:
    """One envelope pushed to the first client that connects; acks collected."""

    def __init__(self, envelope: dict) -> None:
        self.envelope = envelope
        self.acks: queue.Queue = queue.Queue()
        self._server = serve(self._session, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _session(self, ws) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))
        ws.send(json.dumps(self.envelope))
        for message in ws:
            data = json.loads(message)
            if "envelope_id" in data:
                self.acks.put(data)

    def close(self) -> None:
        self._server.shutdown()


def test_socket_mode_answers_a_mention(corpus_home, tmp_path, fake_slack):
    channel = "CSOCKET"
    event = sr.mention("Can we sell avionics to Cambodia?", channel=channel)
    envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                "retry_attempt": 0, "payload": json.loads(sr.event_body(event))}
    socket = SlackSocket(envelope)
    fake_slack.state.socket_url = socket.url
    home = copy_home(corpus_home, tmp_path / "home")
    env = server_env(home, fake_slack.api_url, SLACK_APP_TOKEN="xapp-test")
    env.pop("SLACK_SIGNING_SECRET")  # Socket Mode needs no signing secret
    log_path = tmp_path / "socket.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen([regbot_executable(), "slack", "socket"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        ack = socket.acks.get(timeout=120)
        assert ack["envelope_id"] == "env-1"
        reply = fake_slack.wait_for(lambda f: [c for c in f.calls("chat.postMessage")
                                               if c.params.get("channel") == channel], timeout=60)[0]
        assert reply.params["thread_ts"] == event["ts"]
        assert reply.params["blocks"][0]["type"] == "header"
        opened = fake_slack.calls("apps.connections.open")
        assert opened and opened[-1].token == "xapp-test"
    finally:
        process.terminate()
        process.wait(timeout=20)
        socket.close()
        fake_slack.state.socket_url = None
    assert "Traceback" not in log_path.read_text(errors="replace")
