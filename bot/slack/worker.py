"""One dedicated answering thread per process.

The Answerer (embedding model, index, rulebook) is built once, on this thread, and
every answer runs here: the embedded index holds SQLite handles that belong to the
thread that opened them, and answering is CPU-bound under the GIL anyway. Slack I/O
(acks on the request threads; posts and reactions on the queue threads) stays concurrent.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from bot.records import Answer


class AnswerWorker:
    """Has the `answer()` of the Answerer it wraps; calls are queued onto one thread."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="regbot-answer")
        self._answerer = self._executor.submit(factory).result()  # load errors surface here

    def answer(self, question: str, **kwargs: Any) -> Answer:
        return self._executor.submit(self._answerer.answer, question, **kwargs).result()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
