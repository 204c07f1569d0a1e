"""Bad input on the Telegram webhook (with the right secret), on SQLite and PostgreSQL: any text is stored as
accepted and answered; an update with wrong types or impossible sizes gets 400 and stores nothing; in polling
mode such an update is skipped and does not hold up the next one."""

from __future__ import annotations

import contextlib
import json
from typing import Any, AsyncIterator, Dict, List

import httpx
import pytest_asyncio
from hypothesis import example, given
from sqlalchemy import select

from bot.store import storable
from bot.store.models import Participant
from channels.telegram import adapter as telegram
from channels.telegram.render import command_text
from tests import hostile
from tests.channels.telegram.test_telegram import HEADER, SECRET, TOKEN, Gateway, telegram_gateway
from tests.fakes.telegram_api import FakeTelegramApi, callback_update, message_update


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegramApi]:
    fake = FakeTelegramApi(TOKEN)
    async with fake.running():
        yield fake


@pytest_asyncio.fixture
async def webhook(fake_telegram, database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    """One gateway in webhook mode for the whole test (every hypothesis example goes through it)."""
    async with telegram_gateway(fake_telegram, database_url, action_server_url, model_path, core_pool) as started:
        yield started


async def post(webhook: Gateway, body: bytes) -> httpx.Response:
    headers = {HEADER: SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=60) as client:
        return await client.post(f"{webhook.url}/telegram/webhook", content=body, headers=headers)


def encoded(update: Dict[str, Any]) -> bytes:
    """An update as JSON; ASCII-only, so a lone surrogate travels as its `\\ud800` escape."""
    return json.dumps(update).encode()


def with_message(update: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    return {**update, "message": {**update["message"], **fields}}


def with_sender(update: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    return with_message(update, **{"from": {**update["message"]["from"], **fields}})


@hostile.through_a_gateway(max_examples=15)
@given(text=hostile.messages())
@example(text="")
@example(text="\x00")
@example(text="\ud800\udc00")  # a surrogate pair: one character once it has travelled as JSON
@example(text="/start\x00 '; DROP TABLE messages; --")
@example(text="<b>bold</b> &amp; <script>alert(1)</script>")
@example(text="y" * 100_000)
async def test_any_text_is_stored_as_accepted_and_answered(webhook: Gateway, sessions: Any, text: str) -> None:
    person = hostile.new_number()
    body = encoded(message_update(person, person, text))
    response = await post(webhook, body)
    await webhook.app.state.outbox.drain(timeout=120)
    if len(body) > telegram.MAX_BODY_BYTES:
        assert response.status_code == 413
        assert await hostile.inbound_texts(sessions, "telegram", str(person)) == []
        return
    assert response.status_code == 200, response.text
    expected = storable.text(command_text(hostile.received(text)))
    assert await hostile.inbound_texts(sessions, "telegram", str(person)) == [expected]
    assert hostile.friendly([m["text"] for m in webhook.telegram.sent_to(person)])


def malformed() -> List[bytes]:
    good = message_update(9001, 4301, "hi")
    tap = callback_update(9002, 4301, "/help", query_id="cbq-ok")
    updates = [
        with_message(good, text=5),
        with_message(good, text=["hi"]),
        with_message(good, text={"hi": 1}),
        with_message(good, caption=7, text=None),
        with_message(good, chat={"id": "not a number", "type": "private"}),
        with_message(good, chat={"id": 10**30, "type": "private"}),
        with_sender(good, id="4301"),
        with_sender(good, id=True),
        with_sender(good, id=2**64),
        with_sender(good, first_name=["Sam"]),
        with_sender(good, last_name=12),
        {**good, "update_id": "9001"},
        {**good, "update_id": 10**40},
        {**tap, "callback_query": {**tap["callback_query"], "id": "q" * 300}},
        {**tap, "callback_query": {**tap["callback_query"], "id": 12}},
        {**tap, "callback_query": {**tap["callback_query"], "data": 5}},
        {**tap, "callback_query": {**tap["callback_query"], "from": {"id": "x", "is_bot": False, "first_name": "S"}}},
    ]
    raw = [b"[" * 100_000, b'{"update_id": 1, "message": ' + b"[" * 50_000 + b"}", b"not json", b"", b"null"]
    return [encoded(u) for u in updates] + raw


async def test_updates_with_wrong_types_or_sizes_get_400_and_store_nothing(webhook: Gateway) -> None:
    for body in malformed():
        response = await post(webhook, body)
        assert (response.status_code, response.text) == (400, "Not a Telegram update"), body[:80]
    await webhook.app.state.outbox.drain()
    assert webhook.rows() == []
    assert webhook.telegram.successful("sendMessage") == []
    assert webhook.telegram.successful("answerCallbackQuery") == []


async def test_a_long_name_with_nul_is_cut_to_fit_and_the_message_answered(webhook: Gateway, sessions: Any) -> None:
    update = with_sender(message_update(9003, 4302, "are you a bot?"), first_name="Sam\x00" + "y" * 300, last_name="Z")
    assert (await post(webhook, encoded(update))).status_code == 200
    await webhook.app.state.outbox.drain(timeout=120)
    assert "not a person" in webhook.telegram.sent_to(4302)[0]["text"]
    async with sessions() as session:
        [name] = (await session.execute(select(Participant.display_name))).scalars().all()
    assert name == ("Sam" + "y" * 300 + " Z")[:200]


async def test_polling_skips_a_malformed_update_and_answers_the_next(  # type: ignore[no-untyped-def]
    fake_telegram, database_url, action_server_url, model_path, core_pool
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        polling = await stack.enter_async_context(
            telegram_gateway(
                fake_telegram,
                database_url,
                action_server_url,
                model_path,
                core_pool,
                TELEGRAM_MODE="polling",
                TELEGRAM_WEBHOOK_SECRET="",
            )
        )
        await fake_telegram.queue(with_message(message_update(9101, 4401, "x"), text=["not", "text"]))
        await fake_telegram.queue(message_update(9102, 4402, "are you a bot?"))
        answered = await fake_telegram.wait_for(lambda: fake_telegram.sent_to(4402), what="the answer after it")
        assert "not a person" in answered[0]["text"]
        await fake_telegram.wait_for(lambda: not fake_telegram.pending(), what="both updates to be confirmed")
    assert [row[2] for row in polling.rows() if row[0] == "inbound"] == ["123456:9102"]
    assert fake_telegram.sent_to(4401) == []
