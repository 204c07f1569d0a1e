"""Platform errors on the way out: Telegram's and Slack's 429s, 5xx and timeouts are retried, refusals are not.

Real HTTP to the fake platforms on 127.0.0.1, answering in their own error formats. The senders get a small
retry policy whose clock records each wait instead of sleeping it, so the waits are checked exactly and no
test sleeps for real seconds (only the timeout tests wait for the client's short timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator, Dict, List

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot
from telegram.error import BadRequest, Forbidden
from telegram.request import HTTPXRequest

from bot.gateway.delivery import Address, Outbox, UndeliveredError
from bot.messages import Reply
from channels.retries import RetryPolicy, slack_retry_handlers
from channels.slack.adapter import SlackSender
from channels.slack.private import PrivateReplies
from channels.telegram.adapter import TelegramSender
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeTelegramApi

TOKEN = "123456:fake-token-for-tests"
BOT_TOKEN = "xoxb-test_only_not_real"
CONVERSATION = "conv-0042"
CHAT, OTHER_CHAT = "4301", "4302"
PERSON, DM, OTHER_DM = "U0PERSON", "D0PERSON", "D0OTHER"
TIMEOUT = 2  # seconds: the clients' read timeout in these tests; a held-back answer comes much later
PRIVATE = "my-private-words-about-my-scan"


class Waits(list):
    """The retry policy's clock: records each wait instead of sleeping; `hold()` keeps retries waiting."""

    def __init__(self) -> None:
        super().__init__()
        self._open = asyncio.Event()
        self._open.set()

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await self._open.wait()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()


def policy(waits: Waits, **overrides: Any) -> RetryPolicy:
    settings: Dict[str, Any] = {"attempts": 4, "backoff": 0.01, "max_backoff": 0.05, "max_retry_after": 30.0}
    return RetryPolicy(**{**settings, **overrides}, sleep=waits)


def ours(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    """Our own log records (python-telegram-bot adds an error of its own for each HTML error page)."""
    return [r for r in caplog.records if r.name.startswith(("bot.", "channels."))]


def replies(*texts: str) -> List[Reply]:
    return [Reply(text) for text in texts]


# -- Telegram ---------------------------------------------------------------------------------------------

TELEGRAM = Address("telegram", CHAT, CHAT, conversation_id=CONVERSATION)


@pytest_asyncio.fixture
async def telegram() -> AsyncIterator[FakeTelegramApi]:
    fake = FakeTelegramApi(TOKEN)
    async with fake.running():
        yield fake


@contextlib.asynccontextmanager
async def telegram_outbox(fake: FakeTelegramApi, waits: Waits, **overrides: Any) -> AsyncIterator[Outbox]:
    bot = Bot(TOKEN, base_url=fake.base_url, request=HTTPXRequest(read_timeout=TIMEOUT))
    await bot.initialize()
    outbox = Outbox()
    outbox.register("telegram", TelegramSender(bot, policy(waits, **overrides)))
    try:
        yield outbox
    finally:
        await bot.shutdown()


def telegram_texts(fake: FakeTelegramApi, chat: str = CHAT) -> List[str]:
    """What the person sees in the chat."""
    return [m["text"] for m in fake.sent_to(chat)]


def telegram_tries(fake: FakeTelegramApi) -> List[str]:
    """Every sendMessage that reached Telegram, delivered or not."""
    return [p["text"] for p in fake.attempted("sendMessage")]


@pytest.mark.parametrize(("asked", "waited"), [(7, 7.0), (45, 30.0)], ids=["as asked", "capped"])
async def test_telegram_flood_control_waits_as_asked_then_delivers_once(
    telegram: FakeTelegramApi, asked: int, waited: float
) -> None:
    waits = Waits()
    telegram.fail_next("sendMessage", 429, retry_after=asked)
    async with telegram_outbox(telegram, waits) as outbox:
        await outbox.send(TELEGRAM, replies("first", "second"))
    assert telegram_texts(telegram) == ["first", "second"]
    assert telegram_tries(telegram) == ["first", "first", "second"]
    assert waits == [waited]


@pytest.mark.parametrize("status", [500, 502])
async def test_telegram_server_errors_are_retried_with_growing_backoff(telegram: FakeTelegramApi, status: int) -> None:
    waits = Waits()
    telegram.fail_next("sendMessage", status, times=2)
    async with telegram_outbox(telegram, waits) as outbox:
        await outbox.send(TELEGRAM, replies("first", "second"))
    assert telegram_texts(telegram) == ["first", "second"]
    assert telegram_tries(telegram) == ["first", "first", "first", "second"]
    assert len(waits) == 2 and 0.01 <= waits[0] <= 0.02 <= waits[1] <= 0.05, "exponential, with jitter, capped"


async def test_telegram_a_timeout_is_retried_and_the_reply_arrives_once(telegram: FakeTelegramApi) -> None:
    waits = Waits()
    telegram.fail_next("sendMessage", delay=600)  # Telegram never took it; its answer comes far too late
    async with telegram_outbox(telegram, waits) as outbox:
        await outbox.send(TELEGRAM, replies("first", "second"))
    assert telegram_texts(telegram) == ["first", "second"]
    assert telegram_tries(telegram) == ["first", "first", "second"]
    assert len(waits) == 1


async def test_telegram_a_reply_taken_but_answered_too_late_is_sent_again(telegram: FakeTelegramApi) -> None:
    """The documented choice for an ambiguous timeout: at least once, so the person may see it twice, in order."""
    telegram.fail_next("sendMessage", delay=600, deliver=True)
    async with telegram_outbox(telegram, Waits()) as outbox:
        await outbox.send(TELEGRAM, replies("first", "second"))
    assert telegram_texts(telegram) == ["first", "first", "second"]


@pytest.mark.parametrize(("status", "error"), [(403, Forbidden), (400, BadRequest)])
async def test_telegram_refusals_are_not_retried(telegram: FakeTelegramApi, status: int, error: type) -> None:
    waits = Waits()
    telegram.fail_next("sendMessage", status)
    async with telegram_outbox(telegram, waits) as outbox:
        with pytest.raises(error):
            await outbox.send(TELEGRAM, replies("first", "second"))
    assert telegram_tries(telegram) == ["first"], "asked once; the second reply is not sent after a refusal"
    assert waits == []
    assert telegram_texts(telegram) == []


async def test_telegram_giving_up_is_logged_with_the_conversation_not_the_words(
    telegram: FakeTelegramApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    waits = Waits()
    telegram.fail_next("sendMessage", 502, times=3)
    async with telegram_outbox(telegram, waits, attempts=3) as outbox:
        with pytest.raises(UndeliveredError, match="after 3 attempts"):
            await outbox.send(TELEGRAM, replies(PRIVATE, "second"))
        assert telegram_tries(telegram) == [PRIVATE] * 3 and len(waits) == 2
        assert telegram_texts(telegram) == []

        caplog.clear()
        telegram.fail_next("sendMessage", 502, times=3)
        outbox.later(lambda: outbox.send(TELEGRAM, replies(PRIVATE)), name="telegram-answer-1")
        await outbox.drain()
    [error] = [r for r in ours(caplog) if r.levelno >= logging.ERROR]  # once, though it happened in the background
    assert CONVERSATION in error.getMessage() and "after 3 attempts" in error.getMessage()
    assert [r.levelno for r in ours(caplog)].count(logging.WARNING) == 2, "each retry is a warning"
    for secret in (PRIVATE, TOKEN.split(":")[1], CHAT):
        assert secret not in caplog.text


async def test_telegram_a_later_reply_waits_for_an_earlier_one_being_retried(telegram: FakeTelegramApi) -> None:
    waits = Waits()
    waits.hold()
    telegram.fail_next("sendMessage", 429, retry_after=5)
    async with telegram_outbox(telegram, waits) as outbox:
        first = asyncio.create_task(outbox.send(TELEGRAM, replies("first")))
        await telegram.wait_for(lambda: waits, what="the first reply to wait out flood control")
        second = asyncio.create_task(outbox.send(TELEGRAM, replies("second")))
        for elsewhere in ("elsewhere 1", "elsewhere 2"):  # two round trips: time enough for an unheld second reply
            await outbox.send(Address("telegram", OTHER_CHAT, OTHER_CHAT), replies(elsewhere))
        assert telegram_texts(telegram, OTHER_CHAT) == ["elsewhere 1", "elsewhere 2"], "others are not held up"
        assert "second" not in telegram_tries(telegram), "the second reply waits its turn"
        waits.release()
        await asyncio.gather(first, second)
    assert telegram_texts(telegram) == ["first", "second"]


# -- Slack ------------------------------------------------------------------------------------------------

SLACK = Address("slack", PERSON, DM, conversation_id=CONVERSATION)


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(BOT_TOKEN).running() as fake:
        yield fake


def slack_outbox(fake: FakeSlackApi, waits: Waits, **overrides: Any) -> Outbox:
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=fake.base_url,
        timeout=TIMEOUT,
        retry_handlers=slack_retry_handlers(policy(waits, **overrides)),
    )
    outbox = Outbox()
    outbox.register("slack", SlackSender(client, PrivateReplies(client)))
    return outbox


def slack_texts(fake: FakeSlackApi, channel: str = DM) -> List[str]:
    """What the person sees in their DM with the app."""
    return [p["text"] for p in fake.posted_in(channel)]


def slack_tries(fake: FakeSlackApi) -> List[str]:
    """Every chat.postMessage that reached Slack, posted or not."""
    return [a["text"] for a in fake.attempted("chat.postMessage")]


@pytest.mark.parametrize(("asked", "waited"), [(7, 7.0), (45, 30.0)], ids=["as asked", "capped"])
async def test_slack_rate_limiting_waits_as_asked_then_posts_once(
    slack: FakeSlackApi, asked: int, waited: float
) -> None:
    waits = Waits()
    slack.fail_next("chat.postMessage", 429, retry_after=asked)
    await slack_outbox(slack, waits).send(SLACK, replies("first", "second"))
    assert slack_texts(slack) == ["first", "second"]
    assert slack_tries(slack) == ["first", "first", "second"]
    assert waits == [waited]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_slack_server_errors_are_retried_with_growing_backoff(slack: FakeSlackApi, status: int) -> None:
    waits = Waits()
    slack.fail_next("chat.postMessage", status, times=2)
    await slack_outbox(slack, waits).send(SLACK, replies("first", "second"))
    assert slack_texts(slack) == ["first", "second"]
    assert slack_tries(slack) == ["first", "first", "first", "second"]
    assert len(waits) == 2 and 0.01 <= waits[0] <= 0.02 <= waits[1] <= 0.05, "exponential, with jitter, capped"


async def test_slack_a_timeout_is_retried_and_the_reply_arrives_once(slack: FakeSlackApi) -> None:
    waits = Waits()
    slack.fail_next("chat.postMessage", delay=600)  # Slack never took it; its answer comes far too late
    await slack_outbox(slack, waits).send(SLACK, replies("first", "second"))
    assert slack_texts(slack) == ["first", "second"]
    assert slack_tries(slack) == ["first", "first", "second"]
    assert len(waits) == 1


@pytest.mark.parametrize(("status", "error"), [(None, "channel_not_found"), (400, "invalid_arguments")])
async def test_slack_refusals_are_not_retried(slack: FakeSlackApi, status: Any, error: str) -> None:
    waits = Waits()
    slack.fail_next("chat.postMessage", status, error=error)
    with pytest.raises(SlackApiError, match=error):
        await slack_outbox(slack, waits).send(SLACK, replies("first", "second"))
    assert slack_tries(slack) == ["first"], "asked once; the second reply is not sent after a refusal"
    assert waits == []
    assert slack_texts(slack) == []


async def test_slack_giving_up_is_logged_with_the_conversation_not_the_words(
    slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    waits = Waits()
    slack.fail_next("chat.postMessage", 503, times=3)
    outbox = slack_outbox(slack, waits, attempts=3)
    with pytest.raises(UndeliveredError, match="HTTP 503 service_unavailable"):
        await outbox.send(SLACK, replies(PRIVATE, "second"))
    assert slack_tries(slack) == [PRIVATE] * 3 and len(waits) == 2
    assert slack_texts(slack) == []
    [error] = [r for r in ours(caplog) if r.levelno >= logging.ERROR]
    assert CONVERSATION in error.getMessage()
    assert [r.levelno for r in ours(caplog)].count(logging.WARNING) == 2, "each retry is a warning"
    for secret in (PRIVATE, BOT_TOKEN, PERSON, DM):
        assert secret not in caplog.text


async def test_slack_a_later_reply_waits_for_an_earlier_one_being_retried(slack: FakeSlackApi) -> None:
    waits = Waits()
    waits.hold()
    slack.fail_next("chat.postMessage", 429, retry_after=5)
    outbox = slack_outbox(slack, waits)
    first = asyncio.create_task(outbox.send(SLACK, replies("first")))
    await slack.wait_for(lambda: waits, what="the first reply to wait out the rate limit")
    second = asyncio.create_task(outbox.send(SLACK, replies("second")))
    for elsewhere in ("elsewhere 1", "elsewhere 2"):  # two round trips: time enough for an unheld second reply
        await outbox.send(Address("slack", "U0OTHER", OTHER_DM), replies(elsewhere))
    assert slack_texts(slack, OTHER_DM) == ["elsewhere 1", "elsewhere 2"], "others are not held up"
    assert "second" not in slack_tries(slack), "the second reply waits its turn"
    waits.release()
    await asyncio.gather(first, second)
    assert slack_texts(slack) == ["first", "second"]
