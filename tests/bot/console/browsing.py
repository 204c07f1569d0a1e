"""Console test helpers: accounts, a coordinator's browser, a person writing on REST, a recording channel."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import httpx
from sqlalchemy import select

from bot.console import accounts
from bot.gateway.delivery import Address
from bot.messages import Reply
from bot.store.models import ChannelIdentity, Conversation, Role

PASSWORD = "a long enough passphrase"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "the page has no form with a csrf_token"
    return match.group(1)


class Browser:
    """A coordinator's browser: a cookie jar, sign-in through the form, and forms posted with their CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, follow_redirects=False, timeout=60)

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        page = await self.http.get("/console/login")
        assert page.status_code == 200
        return await self.http.post(
            "/console/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": password}
        )

    async def csrf(self) -> str:
        page = await self.http.get("/console")
        assert page.status_code == 200, page.status_code
        return csrf_of(page.text)

    async def post(self, path: str, **fields: str) -> httpx.Response:
        """Post a form the way the console's own page would (with this session's token)."""
        return await self.http.post(path, data={"csrf_token": await self.csrf(), **fields})

    async def flash_after(self, response: httpx.Response) -> str:
        """Follow a form's 303 and return the page's flash message (unescaped)."""
        assert response.status_code == 303, (response.status_code, response.text[:300])
        page = await self.http.get(response.headers["location"])
        match = re.search(r'<p class="flash (?:ok|problem)" role="status">(.*?)</p>', page.text, re.S)
        return html.unescape(match.group(1).strip()) if match else ""

    async def aclose(self) -> None:
        await self.http.aclose()


class Recorder:
    """Stands in for a person's channel at the network edge: records every delivery (or fails when told)."""

    def __init__(self) -> None:
        self.sent: List[Tuple[Address, Tuple[Reply, ...]]] = []
        self.fail: Optional[str] = None

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        if self.fail:
            raise ConnectionError(self.fail)
        self.sent.append((address, tuple(replies)))

    def texts(self) -> List[str]:
        return [reply.text for _, replies in self.sent for reply in replies]


class Console:
    """The running gateway (the real app, on a scripted core or the real model) with helpers to make accounts,
    browsers and chats."""

    def __init__(self, app: Any, base_url: str, sessions: Any) -> None:
        self.app = app
        self.base_url = base_url
        self.sessions = sessions
        self.channel = Recorder()
        self._browsers: List[Browser] = []
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60)

    async def account(self, email: str, name: str, role: Role = Role.COORDINATOR) -> int:
        async with self.sessions() as session:
            created = await accounts.create(session, email, name, PASSWORD, role)
            await session.commit()
            return int(created.id)

    def browser(self) -> Browser:
        browser = Browser(self.base_url)
        self._browsers.append(browser)
        return browser

    async def signed_in(self, email: str, name: str, role: Role = Role.COORDINATOR) -> Browser:
        await self.account(email, name, role)
        browser = self.browser()
        response = await browser.sign_in(email)
        assert response.status_code == 303 and response.headers["location"] == "/console"
        return browser

    async def say(self, sender: str, text: str) -> List[Dict[str, Any]]:
        """A person writes on the REST channel; returns what the bot answered in the same request."""
        response = await self.http.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def conversation(self, sender: str) -> Conversation:
        """The person's newest conversation."""
        async with self.sessions() as session:
            result = await session.execute(
                select(Conversation)
                .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
                .where(ChannelIdentity.platform_user_id == sender)
                .order_by(Conversation.created_at.desc())
            )
            found = result.scalars().first()
            assert found is not None, f"no conversation for {sender}"
            return found

    async def waiting(self, sender: str) -> str:
        """A conversation in the coordinators' queue: the person asked for a human (through the core)."""
        replies = await self.say(sender, "/human_handoff")
        assert any("in line" in r["text"] for r in replies), replies
        return (await self.conversation(sender)).id

    async def aclose(self) -> None:
        for browser in self._browsers:
            await browser.aclose()
        await self.http.aclose()


async def eventually(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.1) -> Any:
    """Poll an async check until it returns something truthy (fails after `timeout` seconds)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true after {timeout} s")
        await asyncio.sleep(every)
