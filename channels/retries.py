"""Retrying what Telegram and Slack did not take: which failures, how long to wait, and why a timeout is retried.

Retried, at most `RetryPolicy.attempts` tries in all:

- a rate limit (HTTP 429): the wait the platform asks for (Telegram's `retry_after`, Slack's
  `Retry-After` header), up to `max_retry_after`;
- a server error (5xx), a network failure and a timeout: exponential backoff with jitter, starting at
  `backoff` and capped at `max_backoff`.

Never retried: what the platform refused for good, because asking again gets the same answer —
Telegram's 400 (`BadRequest`) and 403 (`Forbidden`: the bot was blocked), Slack's `{"ok": false}`
errors such as `channel_not_found`. They reach the caller as they are.

A timeout is ambiguous, and it is retried. A 429 or a 5xx is the platform saying it did not take the
message; a request that timed out (or whose connection dropped half-way) may have been delivered with
only the answer lost. Neither Telegram's sendMessage nor Slack's chat.postMessage takes an idempotency
key, so there is no asking "did you get it?" and no way to promise both "never lost" and "never twice".
We choose at-least-once: a lost reply (the crisis lines, a coordinator's words, the answer someone is
waiting for) costs a person more than seeing one message twice, and a repeat arrives right after the
original (the outbox holds the conversation's turn), so it reads as a duplicate, not as something new.
The clients' timeouts stay generous (python-telegram-bot: 5 s to connect and to read; slack_sdk: 30 s)
so that a timeout mostly means the request never got through. Slack says the same of a 500
(`internal_error`: part of the work may have been done); it is treated like a timeout.

Telegram's retries are tenacity's, around each sendMessage (`telegram_retrying`); Slack's are
slack_sdk's own retry handlers inside the `AsyncWebClient` (`slack_retry_handlers`), so every Web API
call the bot makes is covered. Each retry is logged as a warning; giving up is logged once, as an
error naming the conversation (never the text, a chat id or a token), and raised as `UndeliveredError`,
which also stops that send's later replies (they would arrive out of order).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import warnings
from dataclasses import dataclass
from typing import Awaitable, Callable, List, NoReturn, Optional

from aiohttp import ClientOSError, ServerConnectionError, ServerDisconnectedError
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from bot.gateway.delivery import Address, UndeliveredError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: tries in all (the first included), the backoff and its caps, and the clock to wait on.

    Tests pass small values and a `sleep` that records the waits instead of sleeping.
    """

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


DEFAULT_POLICY = RetryPolicy()


def undelivered(platform: str, address: Address, reason: str, attempts: Optional[int] = None) -> UndeliveredError:
    """Log giving up on a reply, naming the conversation (never the text), and make the error to raise."""
    conversation = address.conversation_id or "(unknown)"
    tries = f" after {attempts} attempts" if attempts else ""
    logger.error("%s: gave up on a reply to conversation %s%s (%s)", platform, conversation, tries, reason)
    return UndeliveredError(f"{platform} did not take the message{tries} ({reason})")


# -- Telegram ---------------------------------------------------------------------------------------------


def telegram_transient(error: BaseException) -> bool:
    """Worth another try: flood control, a 5xx, a timeout or a network failure.

    python-telegram-bot raises `NetworkError` for a 5xx and for transport failures, and `TimedOut`
    (a `NetworkError`) for timeouts; `BadRequest` (400) is a `NetworkError` too, but permanent.
    """
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds."""
    with warnings.catch_warnings():  # PTB warns that the attribute will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, datetime.timedelta) else float(wait)


def telegram_retrying(policy: RetryPolicy, address: Address) -> AsyncRetrying:
    """A tenacity retrier for one Bot API call in `address`'s conversation; gives up with `UndeliveredError`."""
    backoff = wait_exponential_jitter(initial=policy.backoff, max=policy.max_backoff, jitter=policy.backoff)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryAfter):
            return min(retry_after_seconds(error), policy.max_retry_after)
        return float(backoff(state))

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "Telegram: %s on a reply to conversation %s (attempt %d); retrying in %.1f s",
            type(error).__name__,
            address.conversation_id or "(unknown)",
            state.attempt_number,
            seconds,
        )

    def give_up(state: RetryCallState) -> NoReturn:
        error = state.outcome.exception() if state.outcome else None
        raise undelivered("Telegram", address, type(error).__name__, state.attempt_number) from error

    return AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(telegram_transient),
        sleep=policy.sleep,
        before_sleep=log_retry,
        retry_error_callback=give_up,
    )


# -- Slack ------------------------------------------------------------------------------------------------


def slack_transient(error: BaseException) -> bool:
    """What slack_sdk's handlers (below) retry: a 429, a 5xx, or no answer at all (network, timeout)."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        return status == 429 or status >= 500
    return isinstance(error, OSError | asyncio.TimeoutError | ServerConnectionError)


def slack_reason(error: BaseException) -> str:
    """What went wrong, from Slack's status and error code only (no words, no ids)."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        return " ".join(part for part in (f"HTTP {error.response.status_code}", code) if part)
    return type(error).__name__


class _UpTo(Jitter):
    """Adds a random part of up to `most` seconds (slack_sdk's own jitter always adds up to a whole second)."""

    def __init__(self, most: float) -> None:
        self._most = most

    def recalculate(self, duration: float) -> float:
        return duration + random.uniform(0, self._most)


class _PolicyWaits(AsyncRetryHandler):
    """slack_sdk's handler, waiting as the policy says: capped, and on the policy's clock."""

    def __init__(self, policy: RetryPolicy, **kwargs: object) -> None:
        calculator = BackoffRetryIntervalCalculator(backoff_factor=policy.backoff, jitter=_UpTo(policy.backoff))
        super().__init__(max_retry_count=policy.attempts - 1, interval_calculator=calculator, **kwargs)
        self.policy = policy

    def seconds(self, state: RetryState, response: Optional[HttpResponse]) -> float:
        """The backoff before the next try."""
        return min(self.interval_calculator.calculate_sleep_duration(state.current_attempt), self.policy.max_backoff)

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: Optional[HttpResponse] = None,
        error: Optional[Exception] = None,
    ) -> None:
        state.next_attempt_requested = True
        seconds = self.seconds(state, response)
        method = request.url.rstrip("/").rsplit("/", 1)[-1]
        reason = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        logger.warning(
            "Slack: %s failed (%s, attempt %d); retrying in %.1f s", method, reason, state.current_attempt + 1, seconds
        )
        await self.policy.sleep(seconds)
        state.increment_current_attempt()


class RateLimitRetry(_PolicyWaits, AsyncRateLimitErrorRetryHandler):
    """HTTP 429: waits what `Retry-After` asks, up to the policy's `max_retry_after`."""

    def seconds(self, state: RetryState, response: Optional[HttpResponse]) -> float:
        headers = {k.lower(): v for k, v in (response.headers if response is not None else {}).items()}
        value = (headers.get("retry-after") or ["1"])[0]
        asked = float(value) if value.strip().isdigit() else 1.0
        return min(asked, self.policy.max_retry_after)


class ServerErrorRetry(_PolicyWaits, AsyncServerErrorRetryHandler):
    """Any 5xx (slack_sdk's own handler retries only 500 and 503; a proxy's 502 and 504 are as passing)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: Optional[HttpResponse] = None,
        error: Optional[Exception] = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code <= 599


class ConnectionErrorRetry(_PolicyWaits, AsyncConnectionErrorRetryHandler):
    """No answer: slack_sdk's connection errors, plus a timeout (aiohttp raises `asyncio.TimeoutError`)."""

    def __init__(self, policy: RetryPolicy) -> None:
        error_types = [ServerConnectionError, ServerDisconnectedError, ClientOSError, asyncio.TimeoutError]
        super().__init__(policy, error_types=error_types)


def slack_retry_handlers(policy: RetryPolicy = DEFAULT_POLICY) -> List[AsyncRetryHandler]:
    """The handlers for `AsyncWebClient(retry_handlers=...)`; they share one count of tries per request."""
    return [RateLimitRetry(policy), ServerErrorRetry(policy), ConnectionErrorRetry(policy)]
