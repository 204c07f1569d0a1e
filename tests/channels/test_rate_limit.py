"""A per-sender rate limit on the REST endpoint and the web chat: refused, not stored, told when to retry."""

import json
import secrets
from typing import Any

import httpx
import websockets
from playwright.async_api import expect
from sqlalchemy import func, select

from bot.store.models import Direction, Message
from tests.channels.webchat.test_webchat import hello, open_page, receive, say, send, socket_url

SLOW = {"RATE_LIMIT_PER_MINUTE": "6", "RATE_LIMIT_BURST": "2"}  # two at once, then one every 10 s


async def inbound_texts(sessions: Any) -> list:
    async with sessions() as db:
        rows = await db.execute(select(Message.text).where(Message.direction == Direction.INBOUND.value))
        return sorted(rows.scalars())


async def test_rest_answers_429_with_retry_after_and_stores_nothing(gateway, sessions) -> None:  # type: ignore[no-untyped-def]
    async with gateway(**SLOW) as base_url, httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        url = "/webhooks/rest/webhook"
        for text in ("hi", "are you a bot?"):
            assert (await http.post(url, json={"sender": "flood", "message": text})).status_code == 200
        refused = await http.post(url, json={"sender": "flood", "message": "third"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 10
        assert refused.json()["retry_after"] == int(refused.headers["Retry-After"])
        assert "try again" in refused.json()["error"]
        other = await http.post(url, json={"sender": "someone-else", "message": "hi"})
        assert other.status_code == 200 and other.json()
    assert await inbound_texts(sessions) == ["are you a bot?", "hi", "hi"]


async def test_web_chat_tells_the_widget_to_send_again_later_and_stores_nothing(gateway, sessions) -> None:  # type: ignore[no-untyped-def]
    async with gateway(**SLOW) as base_url, websockets.connect(socket_url(base_url)) as ws:
        await hello(ws, secrets.token_hex(16))
        await say(ws, "m1", "hi")
        await say(ws, "m2", "are you a bot?")
        await ws.send(json.dumps({"type": "message", "id": "m3", "text": "third"}))
        frame = await receive(ws)
        assert frame["type"] == "retry" and frame["code"] == "rate_limited" and frame["id"] == "m3"
        assert 1 <= frame["retry_after"] <= 10 and "in a moment" in frame["text"]
    assert await inbound_texts(sessions) == ["are you a bot?", "hi"]


async def test_the_widget_keeps_a_limited_message_and_sends_it_when_allowed(gateway, browser, sessions) -> None:  # type: ignore[no-untyped-def]
    async with gateway(RATE_LIMIT_PER_MINUTE="10", RATE_LIMIT_BURST="1") as base_url:  # then one every 6 s
        page, errors = await open_page(browser, base_url + "/")
        await send(page, "hi")
        await expect(page.locator(".tb-bot")).to_have_count(3)  # greeting + the two replies to "hi"
        await send(page, "are you a bot?")
        waiting = page.locator(".tb-person").last
        await expect(waiting.locator(".tb-status")).to_have_text("Waiting to send…")
        await expect(page.get_by_role("status").filter(has_text="faster than I can read")).to_be_visible()
        await expect(page.locator(".tb-bot").last).to_contain_text("not a person", timeout=30_000)
        await expect(waiting.locator(".tb-status")).to_have_count(0)
        assert errors == [], errors
        await page.context.close()
    assert await inbound_texts(sessions) == ["are you a bot?", "hi"]
    async with sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Message)) >= 5
