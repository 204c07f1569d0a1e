"""Console sign-in over real HTTP: passwords, sessions, expiry, CSRF on every form, roles, security headers."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from bot.store import audit
from bot.store.db import PROJECT_ROOT
from bot.store.models import AuditEvent, ConsoleSession, Coordinator, Message, Role, utcnow
from tests.bot.console.browsing import PASSWORD, Console, csrf_of

GENERIC = "That email and password don&#39;t match an active account."


def _set_cookies(response: httpx.Response) -> dict:
    """Each Set-Cookie header of a response, by cookie name, lower-cased."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0]] = header.lower()
    return found


async def _audit_actions(console: Console) -> list:
    async with console.sessions() as session:
        return [(e.action, e.coordinator_id) for e in (await session.execute(select(AuditEvent))).scalars()]


async def _count(console: Console, model) -> int:  # type: ignore[no-untyped-def]
    async with console.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def test_signing_in_and_out(console: Console) -> None:
    coordinator_id = await console.account("ana@example.org", "Ana")
    browser = console.browser()
    assert (await browser.http.get("/console")).headers["location"] == "/console/login"

    login_page = await browser.http.get("/console/login")
    login_cookie = _set_cookies(login_page)["trialbot_console_login"]
    assert all(flag in login_cookie for flag in ("httponly", "samesite=strict", "path=/console", "max-age="))

    signed_in = await browser.sign_in("Ana@Example.org")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"
    cookie = _set_cookies(signed_in)["trialbot_console"]
    assert all(flag in cookie for flag in ("httponly", "samesite=strict", "path=/console", f"max-age={8 * 3600}"))
    assert "secure" not in cookie  # CONSOLE_SECURE_COOKIES is off in tests (plain http on 127.0.0.1)
    token = browser.http.cookies["trialbot_console"]
    async with console.sessions() as session:
        [stored] = (await session.execute(select(ConsoleSession))).scalars().all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert stored.coordinator_id == coordinator_id
    assert timedelta(hours=7.9) < stored.expires_at - stored.created_at <= timedelta(hours=8)

    queue = await browser.http.get("/console")
    assert queue.status_code == 200 and "Ana" in queue.text and "Waiting for a coordinator" in queue.text

    signed_out = await browser.post("/console/logout")
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/console/login"
    assert await _count(console, ConsoleSession) == 0
    stolen = httpx.AsyncClient(base_url=console.base_url, cookies={"trialbot_console": token})
    async with stolen:
        assert (await stolen.get("/console", follow_redirects=False)).status_code == 303  # the old cookie is dead
    assert await _audit_actions(console) == [(audit.SIGNED_IN, coordinator_id), (audit.SIGNED_OUT, coordinator_id)]


async def test_a_wrong_password_or_unknown_email_gets_the_same_generic_refusal(console: Console) -> None:
    coordinator_id = await console.account("ben@example.org", "Ben")
    browser = console.browser()
    wrong = await browser.sign_in("ben@example.org", "not the right password")
    unknown = await browser.sign_in("nobody@example.org", "not the right password")
    for refused in (wrong, unknown):
        assert refused.status_code == 401
        assert GENERIC in refused.text
        assert "trialbot_console" not in _set_cookies(refused)
    strip = re.compile(r'value="[^"]*"')  # the typed email and the form token differ, nothing else may
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)
    assert await _count(console, ConsoleSession) == 0
    assert await _audit_actions(console) == [(audit.SIGN_IN_FAILED, coordinator_id), (audit.SIGN_IN_FAILED, None)]
    assert (await browser.http.get("/console")).status_code == 303


async def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(console: Console) -> None:
    admin = await console.signed_in("admin@example.org", "Ada", Role.ADMIN)
    carl_id = await console.account("carl@example.org", "Carl")
    carl = console.browser()
    assert (await carl.sign_in("carl@example.org")).status_code == 303
    assert (await carl.http.get("/console")).status_code == 200

    disabled = await admin.post(f"/console/accounts/{carl_id}/disable")
    assert "Disabled carl@example.org" in await admin.flash_after(disabled)
    assert (await carl.http.get("/console")).status_code == 303  # signed out at once
    again = await carl.sign_in("carl@example.org")
    assert again.status_code == 401 and GENERIC in again.text


async def test_an_expired_session_is_refused(console: Console) -> None:
    browser = await console.signed_in("dee@example.org", "Dee")
    assert (await browser.http.get("/console")).status_code == 200
    async with console.sessions() as session:
        await session.execute(update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    page = await browser.http.get("/console")
    assert page.status_code == 303 and page.headers["location"] == "/console/login"
    assert (await browser.http.get("/console/fragments/queue")).status_code == 401
    assert await _count(console, ConsoleSession) == 0  # expired sessions are deleted when seen


async def test_without_a_session_pages_redirect_and_fragments_say_401(console: Console) -> None:
    conversation_id = await console.waiting("no-session-person")
    anonymous = console.browser().http
    for page in ("/console", f"/console/conversations/{conversation_id}", "/console/accounts", "/console/audit"):
        response = await anonymous.get(page)
        assert (response.status_code, response.headers.get("location")) == (303, "/console/login"), page
    for api in ("/console/fragments/queue", f"/console/conversations/{conversation_id}/transcript", "/console/events"):
        assert (await anonymous.get(api)).status_code == 401, api
    for action in ("reply", "note", "take", "hand-back", "close"):
        response = await anonymous.post(
            f"/console/conversations/{conversation_id}/{action}", data={"text": "hi", "csrf_token": "x" * 43}
        )
        assert response.status_code == 303 and response.headers["location"] == "/console/login", action
    assert (await console.conversation("no-session-person")).status == "waiting"


async def test_the_login_form_needs_its_own_token(console: Console) -> None:
    await console.account("eve@example.org", "Eve")
    attacker = httpx.AsyncClient(base_url=console.base_url)  # a cross-site form post: no login cookie
    async with attacker:
        forged = await attacker.post(
            "/console/login", data={"email": "eve@example.org", "password": PASSWORD, "csrf_token": "x" * 43}
        )
        assert forged.status_code == 403
    browser = console.browser()
    page = await browser.http.get("/console/login")
    for token in ("", "y" * 43):
        response = await browser.http.post(
            "/console/login", data={"email": "eve@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 403
    assert await _count(console, ConsoleSession) == 0
    ok = await browser.http.post(
        "/console/login", data={"email": "eve@example.org", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert ok.status_code == 303


async def test_every_form_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(console: Console) -> None:
    conversation_id = await console.waiting("csrf-person")
    admin = await console.signed_in("root@example.org", "Root", Role.ADMIN)
    other_id = await console.account("fay@example.org", "Fay")
    actions = [f"/console/conversations/{conversation_id}/{a}" for a in ("reply", "note", "take", "hand-back", "close")]
    posts = [
        *actions,
        "/console/accounts",
        f"/console/accounts/{other_id}/disable",
        "/console/logout",
    ]
    colleague = await console.signed_in("kim@example.org", "Kim")
    someone_elses = await colleague.csrf()
    real = await admin.csrf()
    before = await _audit_actions(console)
    messages_before = await _count(console, Message)
    for path in posts:
        fields = {"text": "hello", "email": "new@example.org", "name": "New", "password": PASSWORD, "role": "admin"}
        missing = await admin.http.post(path, data=fields)
        wrong = await admin.http.post(path, data={**fields, "csrf_token": real[:-4] + "AAAA"})
        other_session = await admin.http.post(path, data={**fields, "csrf_token": someone_elses})
        assert [r.status_code for r in (missing, wrong, other_session)] == [403, 403, 403], path
        assert "Form expired" in missing.text
    assert (await console.conversation("csrf-person")).status == "waiting"
    assert await _count(console, Message) == messages_before
    assert await _count(console, Coordinator) == 3
    assert await _count(console, ConsoleSession) == 2  # still signed in: logout was refused too
    assert await _audit_actions(console) == before
    assert console.channel.sent == []
    assert (await admin.http.get("/console")).status_code == 200


async def test_coordinators_cannot_reach_admin_pages(console: Console) -> None:
    coordinator = await console.signed_in("gil@example.org", "Gil")
    for page in ("/console/accounts", "/console/audit"):
        response = await coordinator.http.get(page)
        assert response.status_code == 403 and "Admins only" in response.text
    created = await coordinator.post(
        "/console/accounts", email="sneaky@example.org", name="Sneaky", password=PASSWORD, role="admin"
    )
    assert created.status_code == 403
    assert await _count(console, Coordinator) == 1
    queue = await coordinator.http.get("/console")
    assert "/console/accounts" not in queue.text and "/console/audit" not in queue.text


async def test_admins_create_and_disable_accounts(console: Console) -> None:
    admin = await console.signed_in("hal@example.org", "Hal", Role.ADMIN)
    short = await admin.post(
        "/console/accounts", email="ivy@example.org", name="Ivy", password="short", role="coordinator"
    )
    assert "at least 12 characters" in await admin.flash_after(short)
    created = await admin.post(
        "/console/accounts", email="ivy@example.org", name="Ivy <b>Lee</b>", password=PASSWORD, role="coordinator"
    )
    assert await admin.flash_after(created) == "Created a coordinator account for ivy@example.org."
    listing = await admin.http.get("/console/accounts")
    assert "Ivy &lt;b&gt;Lee&lt;/b&gt;" in listing.text and "<b>Lee" not in listing.text
    ivy = console.browser()
    assert (await ivy.sign_in("ivy@example.org")).status_code == 303
    async with console.sessions() as session:
        ivy_id = (await session.execute(select(Coordinator.id).where(Coordinator.email == "ivy@example.org"))).scalar()
    own = await admin.post(f"/console/accounts/{(await _admin_id(console))}/disable")
    assert "can't disable your own" in await admin.flash_after(own)
    await admin.flash_after(await admin.post(f"/console/accounts/{ivy_id}/disable"))
    assert (await ivy.http.get("/console")).status_code == 303
    assert (await admin.post("/console/accounts/99999/disable")).status_code == 404
    log = await admin.http.get("/console/audit")
    assert "created an account" in log.text and "disabled an account" in log.text
    actions = [action for action, _ in await _audit_actions(console)]
    assert actions.count(audit.ACCOUNT_CREATED) == 1 and actions.count(audit.ACCOUNT_DISABLED) == 1


async def _admin_id(console: Console) -> int:
    async with console.sessions() as session:
        return int((await session.execute(select(Coordinator.id).where(Coordinator.role == "admin"))).scalar())


async def test_console_responses_carry_security_headers_and_no_inline_script(console: Console) -> None:
    conversation_id = await console.waiting("headers-person")
    browser = await console.signed_in("jo@example.org", "Jo", Role.ADMIN)
    pages = ["/console", f"/console/conversations/{conversation_id}", "/console/accounts", "/console/audit"]
    responses = [await console.browser().http.get("/console/login")]
    responses += [await browser.http.get(page) for page in pages]
    responses.append(await browser.http.get("/console/fragments/queue"))
    responses.append(await browser.http.get("/console/conversations/missing"))
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", response.text))  # no inline script
        assert "style=" not in response.text and "<style" not in response.text
        assert "http://" not in response.text.replace(console.base_url, "")  # nothing from another origin
    assert responses[-1].status_code == 404
    for asset in ("/console/static/console.js", "/console/static/console.css"):
        assert (await browser.http.get(asset)).status_code == 200


async def test_an_account_made_with_the_cli_signs_in_to_the_console(console: Console, database_url: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "coordinators",
            "add",
            "cli@example.org",
            "--name",
            "Cli",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    browser = console.browser()
    assert (await browser.sign_in("cli@example.org")).status_code == 303
    assert (await browser.http.get("/console/accounts")).status_code == 200
