"""Slack HTTP clients with retries: every Web API call goes to `settings.slack_api_url`;
429 (honouring Retry-After), 5xx and dropped connections are retried by slack_sdk's handlers."""
from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                  RetryHandler, RetryState)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.webhook import WebhookClient

from bot.settings import Settings

MAX_RETRIES = 4


class ServerErrorRetryHandler(RetryHandler):
    """Retries any 5xx answer (slack_sdk's built-in one covers only 500 and 503)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers(max_retries: int = MAX_RETRIES) -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.25)
    return [ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff)]


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def make_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """The bot's WebClient (token from SLACK_BOT_TOKEN unless given)."""
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(token=token, base_url=api_base_url(settings), timeout=15,
                     retry_handlers=retry_handlers())


def post_to_response_url(url: str, payload: dict[str, Any]) -> int:
    """POST a message to an interaction's response_url (with the same retries); the status."""
    return WebhookClient(url, timeout=15, retry_handlers=retry_handlers()).send_dict(payload).status_code
