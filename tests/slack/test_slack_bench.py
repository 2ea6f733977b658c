"""The Slack benchmark harness: its verdict logic (pure) and one small real run."""
from __future__ import annotations

import pytest

from bench_slack import Sent, main, percentile, report
from slack_fake_api import Call


def _reply(ts: str, at: float, text: str = "Depends: can we?") -> Call:
    return Call("chat.postMessage", {"thread_ts": ts, "text": text}, at, 200)


def test_percentile_is_nearest_rank():
    assert percentile(list(range(1, 101)), 95) == 95 and percentile(list(range(1, 101)), 50) == 50
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0 and percentile([7.0], 95) == 7.0


def test_report_fails_on_a_missing_duplicated_or_apologising_reply(capsys):
    sent = [Sent("1.1", 100.0, 50.0, 200), Sent("1.2", 100.0, 70.0, 200), Sent("1.1", 100.2, 40.0, 200)]
    assert report(sent, [_reply("1.1", 100.5), _reply("1.2", 101.0)], None, 2, 1) == 0
    out = capsys.readouterr().out
    assert "replies: 2/2; duplicates: 0; apologies: 0" in out
    assert "time-to-reply: p50   500.0 ms  p95  1000.0 ms" in out  # from the first send of each event
    assert report(sent, [_reply("1.1", 100.5), _reply("1.1", 100.6), _reply("1.2", 101.0)], None, 2, 1) == 1
    assert report(sent, [_reply("1.1", 100.5)], None, 2, 1) == 1
    assert report(sent, [_reply("1.1", 100.5), _reply("1.2", 101.0, "Sorry, something went wrong")],
                  None, 2, 1) == 1


@pytest.mark.slow
def test_a_small_benchmark_run_answers_every_mention_once(corpus_home, capsys):
    assert main(["--home", str(corpus_home), "--mentions", "8", "--retries", "4", "--timeout", "90"]) == 0
    out = capsys.readouterr().out
    assert "replies: 8/8; duplicates: 0; apologies: 0" in out and "HTTP non-200: 0" in out
    assert "ack: p50" in out and "time-to-reply: p50" in out
