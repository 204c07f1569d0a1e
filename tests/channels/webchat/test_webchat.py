import asyncio
import contextlib
import json
import secrets
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import httpx
import pytest
import pytest_asyncio
import websockets
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.config import ConfigError, load_settings
from bot.gateway.app import create_app
from bot.gateway.delivery import Address
from bot.handoff import machine as handoff
from bot.messages import Reply
from bot.store.models import Author, Conversation, ConversationStatus, Direction, Message, MessageKind
from channels.webchat.adapter import MAX_TEXT_CHARS
from tests.conftest import free_port, gateway_settings, serve

Frame = Dict[str, Any]


@pytest_asyncio.fixture(autouse=True)
async def model_loaded(core_pool: Any) -> None:
    """Wait until the session's Rasa worker has loaded the model (minutes on a busy machine)."""
    deadline = asyncio.get_running_loop().time() + 600
    while not core_pool.ready:
        assert asyncio.get_running_loop().time() < deadline, core_pool.status()
        await asyncio.sleep(0.2)


def socket_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/webchat/ws"


async def receive(ws: Any) -> Frame:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=60))


async def hello(ws: Any, session: str) -> Frame:
    await ws.send(json.dumps({"type": "hello", "session": session}))
    frame = await receive(ws)
    assert frame["type"] == "history", frame
    return frame


async def say(ws: Any, client_id: str, text: str, title: Optional[str] = None) -> List[Frame]:
    """Send a message; return every frame up to the end of its answer (or its error, or a duplicate's ack)."""
    frame: Frame = {"type": "message", "id": client_id, "text": text}
    if title is not None:
        frame["title"] = title
    await ws.send(json.dumps(frame))
    frames = [await receive(ws)]
    ends = ({"type": "typing", "on": False}, {"type": "ack", "id": client_id, "duplicate": True})
    while frames[-1]["type"] != "error" and frames[-1] not in ends:
        frames.append(await receive(ws))
    return frames


def replies_in(frames: List[Frame]) -> List[Frame]:
    return [m for f in frames if f["type"] == "replies" for m in f["messages"]]


@contextlib.asynccontextmanager
async def gateway_app(
    database_url: str, action_server_url: str, model_path: Any, core_pool: Any, port: int = 0, **environ: str
) -> AsyncIterator[Tuple[Starlette, str]]:
    """An in-process gateway whose app object the test can reach (for its outbox)."""
    app = create_app(gateway_settings(database_url, action_server_url, model_path, **environ), core=core_pool)
    async with serve(app, port) as base_url:
        yield app, base_url


# --- the WebSocket protocol, with a real client -------------------------------------------------


async def test_a_conversation_and_its_history_after_reconnecting(gateway) -> None:  # type: ignore[no-untyped-def]
    session = secrets.token_hex(16)
    async with gateway() as base_url:
        async with websockets.connect(socket_url(base_url)) as ws:
            first = await hello(ws, session)
            assert first["messages"] == [] and first["max_chars"] == MAX_TEXT_CHARS
            frames = await say(ws, "m1", "hi")
            assert [f["type"] for f in frames] == ["ack", "typing", "replies", "typing"]
            assert frames[0] == {"type": "ack", "id": "m1", "duplicate": False}
            assert frames[1] == {"type": "typing", "on": True} and frames[2]["in_reply_to"] == "m1"
            assert "automated assistant" in replies_in(frames)[0]["text"]
            helped = replies_in(await say(ws, "m2", "what can you do"))
            assert {"title": "Find a trial near me", "payload": "/search_trials"} in helped[0]["buttons"]
            searching = replies_in(await say(ws, "m3", "/search_trials", title="Find a trial near me"))
            assert searching, "the quick reply's payload started the search"

        async with websockets.connect(socket_url(base_url)) as ws:
            shown = (await hello(ws, session))["messages"]
    people = [m for m in shown if m["from"] == "person"]
    assert people == [
        {"from": "person", "id": "m1", "text": "hi"},
        {"from": "person", "id": "m2", "text": "what can you do"},
        {"from": "person", "id": "m3", "text": "Find a trial near me"},
    ], "a clicked quick reply shows its title, not its payload"
    assert shown[1]["from"] == "bot" and shown[1]["in_reply_to"] == "m1"
    assert [m["text"] for m in shown if m["from"] == "bot"] == [
        m["text"] for m in replies_in(frames) + helped + searching
    ]


async def test_a_resent_client_id_is_answered_once(gateway) -> None:  # type: ignore[no-untyped-def]
    session = secrets.token_hex(16)
    async with gateway() as base_url:
        async with websockets.connect(socket_url(base_url)) as ws:
            await hello(ws, session)
            assert "not a person" in replies_in(await say(ws, "d1", "are you a bot?"))[0]["text"]
        async with websockets.connect(socket_url(base_url)) as ws:  # the tab reconnected and resends
            await hello(ws, session)
            again = await say(ws, "d1", "are you a bot?")
            assert again == [{"type": "ack", "id": "d1", "duplicate": True}]
            later = await say(ws, "d2", "thanks")
            assert later[0] == {"type": "ack", "id": "d2", "duplicate": False}, "nothing more came for d1"
            assert {f.get("in_reply_to") for f in later if f["type"] == "replies"} == {"d2"}
            shown = (await hello(ws, session))["messages"]
    assert [m["text"] for m in shown if m["from"] == "person"] == ["are you a bot?", "thanks"]


async def test_history_shows_coordinators_but_not_private_notes_nor_closed_conversations(  # type: ignore[no-untyped-def]
    gateway, sessions
) -> None:
    session = secrets.token_hex(16)
    async with gateway() as base_url:
        async with websockets.connect(socket_url(base_url)) as ws:
            await hello(ws, session)
            await say(ws, "h1", "hi")
        async with sessions() as db:
            [conversation] = (await db.execute(select(Conversation))).scalars().all()
            for kind, text in ((MessageKind.PRIVATE_NOTE, "Note: call her back"), (MessageKind.TEXT, "Hi, I'm Sam.")):
                db.add(
                    Message(
                        conversation_id=conversation.id,
                        channel="webchat",
                        direction=Direction.OUTBOUND.value,
                        author=Author.COORDINATOR.value,
                        kind=kind.value,
                        text=text,
                    )
                )
            await db.commit()
        async with websockets.connect(socket_url(base_url)) as ws:
            shown = (await hello(ws, session))["messages"]
            assert {k: v for k, v in shown[-1].items() if k != "mid"} == {
                "from": "coordinator",
                "text": "Hi, I'm Sam.",
                "buttons": [],
            }
            assert isinstance(shown[-1]["mid"], int), "the stored id, so a reply pushed again is shown once"
            assert "Note: call her back" not in json.dumps(shown)
        async with sessions() as db:
            conversation = await db.get(Conversation, conversation.id)
            await handoff.transition(db, conversation, ConversationStatus.CLOSED, actor="test")
            await db.commit()
        async with websockets.connect(socket_url(base_url)) as ws:
            assert (await hello(ws, session))["messages"] == [], "a closed conversation is not shown again"


async def test_bad_frames_get_a_friendly_error_and_the_socket_stays_usable(gateway) -> None:  # type: ignore[no-untyped-def]
    async def refused(ws: Any, raw: Any) -> Frame:
        await ws.send(raw)
        frame = await receive(ws)
        assert frame["type"] == "error" and frame["text"].startswith(("Sorry", "That message")), frame
        return frame

    async with gateway() as base_url, websockets.connect(socket_url(base_url)) as ws:
        assert (await refused(ws, '{"type": "message", "id": "a", "text": "hi"}'))["code"] == "hello_first"
        for raw in ["not json", "[1, 2]", '{"type": "ping"}', b"\x00\x01binary"]:
            assert (await refused(ws, raw))["code"] == "bad_frame"
        for session in ["short", "../../../../etc/passwd", 42]:
            assert (await refused(ws, json.dumps({"type": "hello", "session": session})))["code"] == "bad_session"
        await hello(ws, secrets.token_hex(16))
        for frame in [
            {"type": "message", "id": "has space", "text": "hi"},
            {"type": "message", "id": "x" * 65, "text": "hi"},
            {"type": "message", "id": "x", "text": 5},
            {"type": "message", "text": "hi"},
            {"type": "message", "id": "x", "text": "hi", "title": ["t"]},
        ]:
            assert (await refused(ws, json.dumps(frame)))["code"] == "bad_frame"
        huge = await refused(ws, json.dumps({"type": "message", "id": "big", "text": "x" * 20_000}))
        assert huge["code"] == "too_long"
        assert "automated assistant" in replies_in(await say(ws, "ok", "hello"))[0]["text"]


async def test_an_over_long_message_gets_a_friendly_reply_and_is_not_stored(gateway) -> None:  # type: ignore[no-untyped-def]
    session = secrets.token_hex(16)
    async with gateway() as base_url, websockets.connect(socket_url(base_url)) as ws:
        await hello(ws, session)
        [error] = await say(ws, "long", "a" * (MAX_TEXT_CHARS + 1))
        assert error["code"] == "too_long" and error["id"] == "long"
        assert "up to 1,000 characters" in error["text"] and "two parts" in error["text"]
        at_limit = await say(ws, "fits", "é" * MAX_TEXT_CHARS)
        assert at_limit[0] == {"type": "ack", "id": "fits", "duplicate": False} and replies_in(at_limit)
        shown = (await hello(ws, session))["messages"]
    assert [m["id"] for m in shown if m["from"] == "person"] == ["fits"]


async def test_replies_reach_every_open_tab_of_the_session_and_only_it(  # type: ignore[no-untyped-def]
    database_url, action_server_url, model_path, core_pool
) -> None:
    session, other = secrets.token_hex(16), secrets.token_hex(16)
    async with contextlib.AsyncExitStack() as stack:
        app, base_url = await stack.enter_async_context(
            gateway_app(database_url, action_server_url, model_path, core_pool)
        )
        url = socket_url(base_url)
        tab_a, tab_b, stranger = [await stack.enter_async_context(websockets.connect(url)) for _ in range(3)]
        for ws, sid in ((tab_a, session), (tab_b, session), (stranger, other)):
            await hello(ws, sid)
        answered = await say(tab_a, "t1", "are you a bot?")
        seen_by_b = [await receive(tab_b) for _ in range(4)]
        assert seen_by_b[0] == {"type": "message", "from": "person", "id": "t1", "text": "are you a bot?"}
        assert seen_by_b[1:] == answered[1:], "typing and replies go to both tabs"

        coordinator = Reply("Hi, I'm Sam from the trials team. How can I help?")
        await app.state.outbox.send(Address("webchat", session), [coordinator])
        for ws in (tab_a, tab_b):
            pushed = await receive(ws)
            assert pushed["type"] == "replies" and pushed["in_reply_to"] is None
            assert pushed["messages"] == [{"from": "bot", "text": coordinator.text, "buttons": []}]
        await app.state.outbox.send(Address("webchat", secrets.token_hex(16)), [coordinator])  # nobody open
        first_for_stranger = await say(stranger, "s1", "hi")
        assert first_for_stranger[0]["type"] == "ack", "the other session received nothing before"


async def test_allowed_origins_limit_which_sites_may_connect(  # type: ignore[no-untyped-def]
    database_url, action_server_url, model_path, core_pool
) -> None:
    partner = "https://partner.example"
    environ = {"WEBCHAT_ALLOWED_ORIGINS": f"{partner}/, https://www.partner.example"}
    async with gateway_app(database_url, action_server_url, model_path, core_pool, **environ) as (_, base_url):
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
            await websockets.connect(socket_url(base_url), origin="https://elsewhere.example")
        assert refused.value.status_code == 403
        for origin in (partner, base_url, None):  # listed, the gateway's own demo page, not a browser
            async with websockets.connect(socket_url(base_url), origin=origin) as ws:
                await hello(ws, secrets.token_hex(16))
    with pytest.raises(ConfigError, match="WEBCHAT_ALLOWED_ORIGINS"):
        load_settings({"WEBCHAT_ALLOWED_ORIGINS": "partner.example"}, env_file=Path("/nonexistent"))


async def test_the_script_styles_and_demo_page_are_served_by_us(gateway) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        script = await http.get("/widget.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        styles = await http.get("/webchat/static/webchat.css")
        assert styles.status_code == 200 and styles.headers["content-type"].startswith("text/css")
        page = await http.get("/")
        assert f'&lt;script src="{base_url}/widget.js"' in page.text, "the embed snippet names this server"
        assert "script-src 'self'" in page.headers["content-security-policy"]
    for body in (script.text, styles.text, page.text):
        assert "cdn" not in body.lower() and "googleapis" not in body


# --- the widget in a real browser ------------------------------------------------------------------

TYPING_WATCH = """() => {
  const typing = document.querySelector('#trialbot-chat').shadowRoot.querySelector('.tb-typing');
  window.typingSeen = false;
  new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
    .observe(typing, { attributes: true, attributeFilter: ['hidden'] });
}"""


async def open_page(browser: Browser, url: str, **context: Any) -> Tuple[Page, List[str]]:
    """A fresh browser profile on `url`; the list collects console errors (CSP violations, script errors)."""
    page = await (await browser.new_context(**context)).new_page()
    errors: List[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url)
    return page, errors


async def send(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


async def assert_accessible(page: Page) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


async def test_the_demo_page_chat_quick_replies_history_and_accessibility(gateway, browser) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url:
        page, errors = await open_page(browser, base_url + "/")
        chat = page.get_by_role("dialog", name="Ask about clinical trials")
        await expect(chat).to_be_visible()
        await expect(chat).to_contain_text("Automated assistant, not a person")
        await expect(page.locator(".tb-bot").first).to_contain_text("automated assistant (not a person)")
        await page.evaluate(TYPING_WATCH)

        await send(page, "hi")
        await expect(page.locator(".tb-person")).to_have_text(["You: hi"])
        await expect(page.locator(".tb-bot").nth(1)).to_contain_text("an automated assistant (not a person) that")
        await page.wait_for_function("window.typingSeen === true")
        await expect(page.locator(".tb-typing")).to_be_hidden()

        await send(page, "what can you do")
        quick = page.get_by_role("button", name="Find a trial near me")
        await expect(quick).to_be_visible()
        assert errors == [], "no script errors and nothing blocked by the page's strict CSP"
        await assert_accessible(page)  # open, with messages and quick replies showing
        bots_before = await page.locator(".tb-bot").count()
        await quick.click()
        await expect(page.locator(".tb-person").last).to_have_text("You: Find a trial near me")
        await expect(page.locator(".tb-bot")).to_have_count(bots_before + 1)
        await expect(quick).to_have_count(0)  # quick replies go once the person answers

        await page.reload()
        await expect(page.locator(".tb-person")).to_have_text(
            ["You: hi", "You: what can you do", "You: Find a trial near me"]
        )
        await expect(page.locator(".tb-bot")).to_have_count(bots_before + 1)
        await expect(page.locator(".tb-log")).not_to_contain_text("/search_trials")
        await assert_accessible(page)
        await page.context.close()


async def test_keyboard_only(gateway, browser) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url, host_page(base_url) as site:
        page, _ = await open_page(browser, site)
        launcher = page.get_by_role("button", name="Ask about clinical trials")
        await page.keyboard.press("Tab")
        await expect(launcher).to_be_focused()
        await expect(launcher).to_have_attribute("aria-expanded", "false")
        ring = await page.evaluate(
            "() => getComputedStyle(document.querySelector('#trialbot-chat').shadowRoot.activeElement).outlineStyle"
        )
        assert ring == "solid", "focus is visible"
        await page.keyboard.press("Enter")
        box = page.get_by_label("Your message")
        await expect(box).to_be_focused()
        await page.keyboard.type("are you a bot?")
        await page.keyboard.press("Enter")
        await expect(page.locator(".tb-bot").last).to_contain_text("not a person")

        await page.keyboard.type("what can you do")
        await page.keyboard.press("Enter")
        quick = page.get_by_role("button", name="Find a trial near me")
        await expect(quick).to_be_visible()
        await page.keyboard.press("Shift+Tab")  # from the message box back to the last quick reply...
        await expect(page.get_by_role("button", name="How do I donate tissue?")).to_be_focused()
        await page.keyboard.press("Shift+Tab")  # ...and the one before it
        await expect(quick).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator(".tb-person").last).to_have_text("You: Find a trial near me")

        await box.focus()
        await page.keyboard.press("Escape")
        await expect(page.get_by_role("dialog")).to_be_hidden()
        await expect(launcher).to_be_focused()
        await page.context.close()


async def test_the_length_limit_is_explained_before_sending(gateway, browser) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url:
        page, _ = await open_page(browser, base_url + "/")
        box, send_button = page.get_by_label("Your message"), page.get_by_role("button", name="Send")
        await box.fill("a" * 850)
        await expect(page.locator(".tb-count")).to_have_text("850 / 1,000 characters")
        await box.fill("a" * 1002)
        await expect(page.locator(".tb-limit")).to_have_text(
            "That's 2 characters too long. Please shorten your message or send it in two parts."
        )
        await expect(send_button).to_be_disabled()
        await expect(box).to_have_attribute("aria-invalid", "true")
        await box.press("Enter")
        await expect(box).to_have_value("a" * 1002)  # kept, not sent
        await expect(page.locator(".tb-person")).to_have_count(0)
        await box.press("Backspace")
        await box.press("Backspace")
        await expect(page.locator(".tb-limit")).to_be_hidden()
        await expect(send_button).to_be_enabled()
        await assert_accessible(page)
        await page.context.close()


async def test_phones_get_a_full_screen_chat(gateway, browser) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url:
        page, _ = await open_page(browser, base_url + "/", viewport={"width": 390, "height": 760}, has_touch=True)
        chat = page.get_by_role("dialog")
        await expect(chat).to_be_visible()
        assert await chat.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 760}
        await expect(page.locator(".tb-launcher")).to_be_hidden()
        await page.get_by_role("button", name="Close chat").click()
        await expect(page.locator(".tb-launcher")).to_be_visible()
        await assert_accessible(page)
        await page.context.close()


@contextlib.asynccontextmanager
async def host_page(gateway_url: str, **data: str) -> AsyncIterator[str]:
    """Someone else's site (another origin) that embeds the chat with one script tag."""
    attributes = "".join(f' data-{k}="{v}"' for k, v in data.items())
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        "<title>Hope Alliance</title></head><body><main><h1>Hope Alliance</h1><p>Support for families.</p></main>"
        f'<script src="{gateway_url}/widget.js" defer{attributes}></script></body></html>'
    )

    async def index(_: Any) -> HTMLResponse:
        return HTMLResponse(html)

    async with serve(Starlette(routes=[Route("/", index)])) as url:
        yield url + "/"


async def test_one_script_tag_embeds_the_chat_on_another_site(gateway, browser) -> None:  # type: ignore[no-untyped-def]
    greeting = "Hello from Hope Alliance! I'm an automated helper, not a person."
    async with gateway() as base_url, host_page(base_url, title="Ask Hope", color="#7a1f5c", greeting=greeting) as site:
        page, errors = await open_page(browser, site)
        assert await page.evaluate("location.origin") != base_url
        await page.get_by_role("button", name="Ask Hope").click()
        chat = page.get_by_role("dialog", name="Ask Hope")
        await expect(chat).to_contain_text("Automated assistant, not a person")
        await expect(page.locator(".tb-header")).to_have_css("background-color", "rgb(122, 31, 92)")
        await expect(page.locator(".tb-header")).to_have_css("color", "rgb(255, 255, 255)")
        await expect(page.locator(".tb-bot").first).to_have_text(f"Assistant: {greeting}")
        await send(page, "are you a bot?")
        await expect(page.locator(".tb-bot").nth(1)).to_contain_text("not a person")
        await page.reload()
        await expect(page.locator(".tb-person")).to_have_text(["You: are you a bot?"])
        await expect(page.locator(".tb-bot").nth(1)).to_contain_text("not a person")
        assert errors == [], errors
        await page.context.close()


async def test_reconnects_and_sends_what_was_typed_while_offline(  # type: ignore[no-untyped-def]
    database_url, action_server_url, model_path, core_pool, browser
) -> None:
    port = free_port()
    start: Callable[[], Any] = lambda: gateway_app(  # noqa: E731
        database_url, action_server_url, model_path, core_pool, port=port
    )
    async with start() as (_, base_url):
        page, _ = await open_page(browser, base_url + "/")
        await send(page, "hi")
        await expect(page.locator(".tb-bot")).to_have_count(3)  # greeting + two replies
    notice = page.get_by_role("status").filter(has_text="Connection lost")
    await expect(notice).to_be_visible()
    await send(page, "what can you do")
    waiting = page.locator(".tb-person").last
    await expect(waiting).to_contain_text("what can you do")
    await expect(waiting.locator(".tb-status")).to_have_text("Waiting to send…")

    async with start():
        await expect(page.get_by_role("status").filter(has_text="Connected again")).to_be_visible()
        await expect(page.get_by_role("button", name="Find a trial near me")).to_be_visible()
        await expect(waiting.locator(".tb-status")).to_have_count(0)
        await page.reload()
        await expect(page.locator(".tb-person")).to_have_text(["You: hi", "You: what can you do"])
        await page.context.close()
