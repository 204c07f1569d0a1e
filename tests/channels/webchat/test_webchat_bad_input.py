"""Bad input on the web chat, on SQLite and PostgreSQL: any text over the WebSocket is answered (or refused
as too long, in words) and stored as accepted; malformed frames never close the socket; and markup that
people or coordinators write is shown as text by the widget, also on a site without a CSP of its own."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import secrets
from typing import Any, AsyncIterator, List

import httpx
import pytest_asyncio
import websockets
from hypothesis import example, given
from playwright.async_api import expect
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.console import accounts
from bot.store import storable
from bot.store.models import Coordinator, Direction, Role
from channels.webchat.adapter import MAX_TEXT_CHARS, STATIC_DIR
from tests import hostile
from tests.channels.webchat.test_webchat import Frame, gateway_app, hello, open_page, receive, replies_in, send
from tests.channels.webchat.test_webchat import socket_url as ws_url
from tests.conftest import serve

INBOUND = Direction.INBOUND


@pytest_asyncio.fixture
async def socket(gateway, core_pool) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    """One running gateway and one open chat socket for the whole test (every example goes through it)."""
    while not core_pool.ready:
        await asyncio.sleep(0.2)
    async with gateway() as base_url, websockets.connect(ws_url(base_url), max_size=None) as ws:
        yield ws


async def exchange(ws: Any, frame: str) -> List[Frame]:
    """Send a raw frame; every frame up to the end of its answer (or its error)."""
    await ws.send(frame)
    frames = [await receive(ws)]
    while frames[-1]["type"] not in ("error", "history") and frames[-1] != {"type": "typing", "on": False}:
        frames.append(await receive(ws))
    return frames


@hostile.through_a_gateway(max_examples=25)
@given(text=hostile.messages())
@example(text="")
@example(text="\x00\x00")
@example(text="\ud800")
@example(text="\ud800\udc00")  # a surrogate pair: one character once it has travelled as JSON
@example(text="é" * MAX_TEXT_CHARS)
@example(text="👩‍👩‍👧‍👦" * 200)
@example(text="x" * 100_000)
async def test_any_text_is_answered_or_refused_in_words_and_stored_as_accepted(  # type: ignore[no-untyped-def]
    socket, sessions, text: str
) -> None:
    session = secrets.token_hex(16)  # a new person each time, so the bot owns every conversation
    await hello(socket, session)
    frames = await exchange(socket, json.dumps({"type": "message", "id": "m1", "text": text}))
    text = hostile.received(text)
    if len(text) > MAX_TEXT_CHARS:
        [error] = frames
        assert (error["type"], error["code"]) == ("error", "too_long")
        assert f"up to {MAX_TEXT_CHARS:,} characters" in error["text"]
        assert await hostile.inbound_texts(sessions, "webchat", session) == []
        return
    assert frames[0] == {"type": "ack", "id": "m1", "duplicate": False}, frames
    assert hostile.friendly([m["text"] for m in replies_in(frames)]), frames
    assert await hostile.inbound_texts(sessions, "webchat", session) == [storable.text(text)]
    shown = (await hello(socket, session))["messages"]
    assert shown[0] == {"from": "person", "id": "m1", "text": storable.text(text)}, "the history shows what was stored"


async def test_malformed_frames_get_an_error_and_the_socket_stays_usable(socket, sessions) -> None:  # type: ignore[no-untyped-def]
    deep = ["[" * 15_000, '{"type": "message", "id": "d", "text": ' + "[" * 5_000 + "]" * 5_000 + "}"]
    wrong_types = [
        {"type": ["message"]},
        {"type": None},
        {"type": "hello", "session": ["x" * 20]},
        {"type": "hello", "session": {"id": "x" * 20}},
        {"type": "hello", "session": "x" * 20 + "\x00"},
        {"type": "hello", "session": "'; DROP TABLE messages; --"},
    ]
    await hello(socket, secrets.token_hex(16))
    after_hello = [
        {"type": "message", "id": "w1", "text": None},
        {"type": "message", "id": "w2", "text": ["hi"]},
        {"type": "message", "id": "w3", "text": {"text": "hi"}},
        {"type": "message", "id": ["w4"], "text": "hi"},
        {"type": "message", "id": "w5", "text": "hi", "title": 5},
        {"type": "message", "id": "w6", "text": "hi", "title": "t" * 201},
        {"type": "message", "id": "'; --", "text": "hi"},
        {"type": "message", "id": "w\x00", "text": "hi"},
    ]
    for frame in [*deep, *(json.dumps(f) for f in wrong_types + after_hello)]:
        [error] = await exchange(socket, frame)
        assert error["type"] == "error" and error["code"] in ("bad_frame", "bad_session"), (frame[:60], error)
        assert error["text"].startswith("Sorry"), error
    session = secrets.token_hex(16)
    await hello(socket, session)
    still = await exchange(socket, json.dumps({"type": "message", "id": "ok", "text": "are you a bot?"}))
    assert "not a person" in " ".join(m["text"] for m in replies_in(still))
    assert await hostile.inbound_texts(sessions, "webchat", session) == ["are you a bot?"], "nothing else was stored"


async def test_the_demo_page_escapes_what_the_host_header_says(gateway, core_pool) -> None:  # type: ignore[no-untyped-def]
    attack = 'evil.example"><script>alert(1)</script>'
    async with gateway() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        page = await http.get("/", headers={"Host": attack})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "evil.example&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/widget.js" in page.text


def test_the_widget_builds_messages_with_text_never_markup() -> None:
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    [shell] = script.split("innerHTML")[1:]  # one use of innerHTML: the empty shell, written in the script itself
    template = shell.split("`", 2)[1]
    assert "${" not in template, "the shell interpolates nothing"
    assert "insertAdjacentHTML" not in script and "outerHTML" not in script and "document.write" not in script


async def coordinator(sessions) -> Coordinator:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        sam = await accounts.create(session, "sam@example.org", "Sam", "a long enough passphrase", Role.COORDINATOR)
        await session.commit()
        return sam


MARKUP = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold?</b>'


@contextlib.asynccontextmanager
async def partner_site(gateway_url: str, greeting: str) -> AsyncIterator[str]:
    """Another site embedding the chat, with no Content-Security-Policy (inline script would run there),
    and a greeting attribute escaped as HTML requires."""
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        "<title>Partner</title></head><body>"
        f'<script src="{gateway_url}/widget.js" defer data-greeting="{html.escape(greeting)}"></script></body></html>'
    )

    async def index(_: Any) -> HTMLResponse:
        return HTMLResponse(page)

    async with serve(Starlette(routes=[Route("/", index)])) as url:
        yield url + "/"


async def test_markup_from_people_and_coordinators_is_shown_as_text_on_a_site_without_a_csp(  # type: ignore[no-untyped-def]
    database_url, action_server_url, model_path, core_pool, browser, sessions
) -> None:
    words = f"Hi, I'm Sam. {MARKUP} https://example.org/<script>"
    async with contextlib.AsyncExitStack() as stack:
        app, base_url = await stack.enter_async_context(
            gateway_app(database_url, action_server_url, model_path, core_pool)
        )
        site = await stack.enter_async_context(partner_site(base_url, MARKUP))
        page, errors = await open_page(browser, site)
        await page.get_by_role("button", name="Ask about clinical trials").click()
        await expect(page.locator(".tb-bot").first).to_have_text(f"Assistant: {MARKUP}")
        await send(page, MARKUP)
        await expect(page.locator(".tb-person")).to_have_text([f"You: {MARKUP}"])
        await expect(page.locator(".tb-bot").nth(1)).to_be_visible()  # answered after the greeting
        session = await page.evaluate("localStorage.getItem('trialbot.session')")
        sam = await coordinator(sessions)
        [conversation_id] = {m.conversation_id for m in await hostile.stored(sessions, "webchat", session, INBOUND)}
        assert (await app.state.coordination.reply(conversation_id, sam, words)).delivered
        await expect(page.locator(".tb-coordinator")).to_have_text(f"Trial coordinator (a person): {words}")
        await page.reload()  # the chat stays open, and shows its history
        await expect(page.locator(".tb-person")).to_have_text([f"You: {MARKUP}"])
        await expect(page.locator(".tb-coordinator")).to_have_text(f"Trial coordinator (a person): {words}")
        assert await page.locator(".tb-log img, .tb-log script, .tb-log b").count() == 0
        assert await page.locator(".tb-coordinator a").get_attribute("href") == "https://example.org/"
        assert await page.evaluate("window.pwned") is None
        assert errors == [], errors
        await page.context.close()


async def test_the_length_limit_counts_characters_as_the_server_does(gateway, browser, sessions) -> None:  # type: ignore[no-untyped-def]
    emoji = "😀" * MAX_TEXT_CHARS  # 1,000 characters, 2,000 UTF-16 units in the browser
    async with gateway() as base_url:
        page, errors = await open_page(browser, base_url + "/")
        box, send_button = page.get_by_label("Your message"), page.get_by_role("button", name="Send")
        await box.fill(emoji + "😀")
        await expect(page.locator(".tb-limit")).to_have_text(
            "That's 1 character too long. Please shorten your message or send it in two parts."
        )
        await box.fill(emoji)
        await expect(page.locator(".tb-count")).to_have_text("1,000 / 1,000 characters")
        await expect(send_button).to_be_enabled()
        await box.press("Enter")
        await expect(page.locator(".tb-bot").nth(1)).to_be_visible()  # answered after the greeting
        await expect(page.locator(".tb-person .tb-status")).to_have_count(0)  # acknowledged, not "Not sent"
        session = await page.evaluate("localStorage.getItem('trialbot.session')")
        assert await hostile.inbound_texts(sessions, "webchat", session) == [emoji]
        assert errors == [], errors
        await page.context.close()
