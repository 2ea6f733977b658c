"""One Slack worker process, ready to serve: the model and index loaded and warmed, the
durable queue open and its worker threads answering. Shared by both transports (HTTP and
Socket Mode), which start taking Slack's requests only once this is built (readiness)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack.handlers import Responder
from bot.slack.jobs import JobRunner
from bot.slack.queue import SlackQueue
from bot.slack.worker import AnswerWorker

log = logging.getLogger("regbot.slack")
WARM_UP_QUESTION = "Can we sell avionics to Cambodia?"


@dataclass
class SlackService:
    client: WebClient
    queue: SlackQueue
    answerer: AnswerWorker

    def stop(self, timeout: float) -> bool:
        """Answer what was acked (up to `timeout` s), then stop; True when nothing was left."""
        drained = self.queue.drain(timeout)
        if not drained:
            log.warning("stopping with %d Slack job(s) still queued; they are answered at the next start "
                        "(or by another worker)", self.queue.pending_count())
        self.answerer.close()
        return drained


def warm_up(answerer: Any) -> None:
    """One unlogged answer so the first real question does not pay for lazy loading."""
    try:
        answerer.answer(WARM_UP_QUESTION, log=False)
    except Exception:  # noqa: BLE001 - warming is best effort; real errors surface per request
        log.warning("warm-up answer failed", exc_info=True)


def start_service(settings: Settings, client: WebClient, *, threads: int) -> SlackService:
    """Open the queue (fails fast), load and warm the answerer, then start `threads` queue
    workers, which first pick up whatever a worker that died left acked but unanswered."""
    from bot.answer import Answerer

    queue = SlackQueue(settings)
    answerer = AnswerWorker(lambda: Answerer(settings))
    warm_up(answerer)
    queue.start(JobRunner(settings, Responder(settings, answerer), client), threads)
    return SlackService(client, queue, answerer)
