"""Bad input on the console, on SQLite and PostgreSQL: forged session cookies open nothing; NUL and SQL
metacharacters in the login form, the account form, URLs and search parameters get the usual answers (never
a 500); whatever coordinators and people type is stored as accepted, delivered as stored and shown escaped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, List

import httpx
import pytest
import pytest_asyncio
from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from bot.console import auth
from bot.handoff.coordination import MAX_REPLY_CHARS
from bot.store import audit, storable
from bot.store.models import AuditEvent, ConsoleSession, Coordinator, Message, Role
from tests import hostile
from tests.bot.console.browsing import PASSWORD, Browser, Console

GENERIC = "That email and password don&#39;t match an active account."
COOKIE_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,"\\'), max_size=200
)


async def count(console: Console, model: Any) -> int:
    async with console.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def refused_everywhere(console: Console, cookie: Any, conversation_id: str) -> None:
    """With this cookie, pages send the browser to the login form, fragments say 401 and forms change nothing."""
    headers = {"Cookie": b"trialbot_console=" + (cookie if isinstance(cookie, bytes) else cookie.encode())}
    async with httpx.AsyncClient(base_url=console.base_url, headers=headers, follow_redirects=False) as forged:
        for page in ("/console", f"/console/conversations/{conversation_id}", "/console/accounts", "/console/audit"):
            response = await forged.get(page)
            assert (response.status_code, response.headers.get("location")) == (303, "/console/login"), (cookie, page)
        for api in ("/console/fragments/queue", f"/console/conversations/{conversation_id}/transcript"):
            assert (await forged.get(api)).status_code == 401, (cookie, api)
        reply = await forged.post(
            f"/console/conversations/{conversation_id}/reply", data={"text": "hi", "csrf_token": "x" * 43}
        )
        assert reply.status_code == 303 and reply.headers["location"] == "/console/login", cookie


@dataclass
class Cookies:
    """A signed-in coordinator's real session token, a signed-out one's dead token, and a conversation."""

    real: str
    dead: str
    conversation_id: str


@pytest_asyncio.fixture
async def cookies(console: Console) -> Cookies:
    live = await console.signed_in("live@example.org", "Liv")
    gone = await console.signed_in("gone@example.org", "Gon")
    dead = gone.http.cookies["trialbot_console"]
    assert (await gone.post("/console/logout")).status_code == 303
    await console.say("cookie-person", "hello")
    conversation_id = (await console.conversation("cookie-person")).id
    return Cookies(live.http.cookies["trialbot_console"], dead, conversation_id)


@pytest.mark.slow  # many examples, each through the gateway
@hostile.through_a_gateway(max_examples=20)
@given(token=COOKIE_TEXT)
@example(token="")
@example(token="' OR '1'='1")
@example(token="x" * 5_000)
@example(token=b"caf\xc3\xa9\x80\xff")  # not ASCII, not even UTF-8
async def test_forged_session_cookies_open_nothing(console: Console, cookies: Cookies, token: Any) -> None:
    real = cookies.real
    near_misses = [hashlib.sha256(real.encode()).hexdigest(), real[:-1] + ("B" if real.endswith("A") else "A")]
    for cookie in (token, *near_misses, cookies.dead):  # the stored hash, one character off, a signed-out session
        await refused_everywhere(console, cookie, cookies.conversation_id)
    assert (await console.conversation("cookie-person")).status == "bot"
    assert await count(console, ConsoleSession) == 1, "only the real session"
    assert console.channel.sent == []


async def test_nul_and_sql_metacharacters_in_the_login_form_get_the_generic_refusal(console: Console) -> None:
    coordinator_id = await console.account("ann@example.org", "Ann")
    browser = console.browser()
    attempts = [
        ("ann@example.org\x00", "not the password"),
        ("\x00", PASSWORD),
        ("ann@example.org' OR '1'='1", PASSWORD),
        ("' OR 1=1; --", "' OR '1'='1"),
        ("ann@example.org", "' OR '1'='1' --"),
        ("ann@example.org", PASSWORD + "\x00"),
        ("%", "_"),
        ("ann@example.org; DROP TABLE coordinators; --", PASSWORD),
        ("a" * 5_000 + "@example.org", PASSWORD),
        ("😀@example.org\u202e", "\u202e" + PASSWORD),
    ]
    for email, password in attempts:
        response = await browser.sign_in(email, password)
        assert response.status_code == 401 and GENERIC in response.text, (email[:40], password[:40])
    assert await count(console, ConsoleSession) == 0
    async with console.sessions() as session:
        failed = (await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars().all()
    assert [e.action for e in failed] == [audit.SIGN_IN_FAILED] * len(attempts)
    assert failed[0].detail == "as ann@example.org" and failed[0].coordinator_id == coordinator_id
    assert failed[1].detail == "as " and failed[1].coordinator_id is None, "NUL removed from what is recorded"
    assert (await browser.sign_in("ann@example.org")).status_code == 303, "the real password still works"


async def test_an_account_named_with_sql_and_nul_is_stored_as_typed_and_shown_escaped(console: Console) -> None:
    admin = await console.signed_in("root@example.org", "Root", Role.ADMIN)
    name = "Robert'); DROP TABLE coordinators;--\x00 <b>Bobby</b>"
    created = await admin.post(
        "/console/accounts", email="bobby+'\x00@example.org", name=name, password=PASSWORD, role="coordinator"
    )
    assert "Created a coordinator account for bobby+'@example.org" in await admin.flash_after(created)
    refused = await admin.post("/console/accounts", email="x@y.org", name="X", password=PASSWORD, role="'; --")
    assert await admin.flash_after(refused) == "Please choose a role."
    async with console.sessions() as session:
        bobby = (await session.execute(select(Coordinator).where(Coordinator.name != "Root"))).scalars().one()
    assert (bobby.email, bobby.name) == ("bobby+'@example.org", storable.text(name))
    page = (await admin.http.get("/console/accounts")).text
    assert str(escape(storable.text(name))) in page and "<b>Bobby</b>" not in page
    assert (await console.browser().sign_in("bobby+'@example.org")).status_code == 303


async def test_nul_sql_and_odd_characters_in_urls_are_not_found(console: Console) -> None:
    admin = await console.signed_in("ida@example.org", "Ida", Role.ADMIN)
    await console.say("url-person", "hello")
    real = (await console.conversation("url-person")).id
    odd = ["%00", real + "%00", "'%3B%20DROP%20TABLE%20messages%3B--", "%ED%A0%80", "%E2%80%AE" + real, "x" * 65]
    token = await admin.csrf()
    for conversation_id in odd:
        item = f"/console/conversations/{conversation_id}"
        for response in (
            await admin.http.get(item),
            await admin.http.get(f"{item}/transcript"),
            await admin.http.post(f"{item}/reply", data={"csrf_token": token, "text": "hi"}),
            await admin.http.get(f"/console/audit?conversation={conversation_id}"),
        ):
            assert response.status_code == 404 and "There is no such conversation." in response.text, conversation_id
    search = await admin.http.get("/console/audit", params={"conversation": real})
    assert search.status_code == 200, "a real id is still found"
    assert console.channel.sent == [] and (await console.conversation("url-person")).status == "bot"


async def post_form(browser: Browser, path: str, text: str) -> tuple[httpx.Response, int]:
    """Post a console form with its CSRF token; also returns the body's size."""
    request = browser.http.build_request("POST", path, data={"csrf_token": await browser.csrf(), "text": text})
    return await browser.http.send(request), len(request.content)


async def coordinator_texts(console: Console, conversation_id: str, kind: str) -> List[str]:
    async with console.sessions() as session:
        rows = await session.execute(
            select(Message.text)
            .where(Message.conversation_id == conversation_id, Message.author == "coordinator", Message.kind == kind)
            .order_by(Message.id)
        )
        return list(rows.scalars())


@pytest_asyncio.fixture
async def eve(console: Console) -> Browser:
    return await console.signed_in("eve@example.org", "Eve")


@pytest.mark.slow  # many examples, each through the gateway
@hostile.through_a_gateway(max_examples=20)
@given(text=hostile.messages(surrogates=False))  # forms are UTF-8: a browser cannot send a lone surrogate
@example(text="\x00")
@example(text="   \n\t ")
@example(text="<script>alert(1)</script>\x00'; DROP TABLE messages; --")
@example(text="z" * 70_000)
async def test_what_people_and_coordinators_type_is_stored_as_accepted_delivered_and_shown_escaped(
    console: Console, eve: Browser, text: str
) -> None:
    browser = eve
    person = hostile.new_id("console-")
    said = await console.http.post("/webhooks/rest/webhook", json={"sender": person, "message": text})
    conversation_id = (await console.conversation(person)).id if said.status_code == 200 else None
    if conversation_id is None:
        assert said.status_code == 413
        await console.say(person, "hello")
        conversation_id = (await console.conversation(person)).id
    item = f"/console/conversations/{conversation_id}"
    expected = storable.text(text).strip()[:MAX_REPLY_CHARS]
    shown = [storable.text(text)] if said.status_code == 200 else []

    for step, kind, done, empty in (
        ("reply", "text", "Sent.", "The reply was empty."),
        ("note", "private_note", "Note saved. Only the team sees it; it is never sent.", "The note was empty."),
    ):
        response, size = await post_form(browser, f"{item}/{step}", text)
        if size > auth.MAX_FORM_BYTES:
            assert response.status_code == 413 and "Too long" in response.text
            assert await coordinator_texts(console, conversation_id, kind) == []
            continue
        flash = await browser.flash_after(response)
        if not expected:
            assert flash == empty
            assert await coordinator_texts(console, conversation_id, kind) == []
            continue
        assert flash == done
        assert await coordinator_texts(console, conversation_id, kind) == [expected]
        shown.append(expected)
        if step == "reply":
            assert console.channel.texts()[-1] == expected, "delivered as stored"

    page = (await browser.http.get(f"{item}/transcript")).text
    for words in shown:
        escaped = f'<div class="text">{escape(words)}</div>' in page
        assert escaped, f"{words[:80]!r} is not shown, escaped, in the transcript"
    for markup in hostile.MARKUP:
        raw = "<" in markup and markup in text and markup in page
        assert not raw, f"{markup!r} is shown as markup"
