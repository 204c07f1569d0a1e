"""Console sign-in: session cookies (only their hash is stored), CSRF tokens on every form, and roles.

A signed-in browser holds a random token in the `trialbot_console` cookie (HttpOnly,
SameSite=Strict, Path=/console, Secure when configured); the database keeps its SHA-256 with
the account, an expiry and a CSRF token that every form of that session carries as
`csrf_token`. Before signing in, the login form is protected with a double-submit token
(a short-lived cookie that must equal the form's hidden field), so another site cannot sign a
browser into an account of its choosing.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Optional

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from bot.console import pages
from bot.store.models import ConsoleSession, Coordinator, Role, aware, utcnow

COOKIE = "trialbot_console"
LOGIN_COOKIE = "trialbot_console_login"
CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/console/login"
LOGIN_TOKEN_SECONDS = 30 * 60
MAX_TOKEN_CHARS = 100
MAX_FORM_BYTES = 64 * 1024

Handler = Callable[[Request, "Visitor"], Awaitable[Response]]


@dataclass(frozen=True)
class Visitor:
    """The signed-in coordinator of one request, with their session's CSRF token."""

    coordinator: Coordinator
    csrf_token: str
    token_hash: str

    @property
    def is_admin(self) -> bool:
        """Whether this account may manage accounts and read the whole audit log."""
        return self.coordinator.role == Role.ADMIN.value


def new_token() -> str:
    """A random, URL-safe secret (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database stores instead of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(expected: str, given: object) -> bool:
    """Constant-time comparison of two secrets; an empty, missing or non-text one never matches."""
    if not expected or not isinstance(given, str) or not given or len(given) > MAX_TOKEN_CHARS:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


async def start(session: AsyncSession, coordinator: Coordinator, hours: float) -> str:
    """Create a console session for the account and return the cookie's token (the caller commits)."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= utcnow()))
    token = new_token()
    now = utcnow()
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            coordinator_id=coordinator.id,
            csrf_token=new_token(),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    await session.flush()
    return token


async def find(session: AsyncSession, token: Optional[str]) -> Optional[Visitor]:
    """The visitor holding this token, if the session exists, has not expired and the account is active."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    row = await session.get(ConsoleSession, token_hash(token))
    if row is None:
        return None
    if aware(row.expires_at) <= utcnow():
        await session.delete(row)
        await session.commit()
        return None
    coordinator = await session.get(Coordinator, row.coordinator_id)
    if coordinator is None or not coordinator.active:
        return None
    return Visitor(coordinator=coordinator, csrf_token=row.csrf_token, token_hash=row.token_hash)


async def end(session: AsyncSession, visitor: Visitor) -> None:
    """Sign out: the session is deleted, so its cookie is worthless from now on (the caller commits)."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == visitor.token_hash))


async def end_all(session: AsyncSession, coordinator_id: int) -> None:
    """Sign an account out everywhere (when it is disabled; the caller commits)."""
    await session.execute(delete(ConsoleSession).where(ConsoleSession.coordinator_id == coordinator_id))


def _cookie(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=pages.COOKIE_PATH, secure=secure, httponly=True, samesite="strict"
    )


def set_session_cookie(response: Response, token: str, hours: float, secure: bool) -> None:
    """Give the browser its session token (HttpOnly, SameSite=Strict, Path=/console, expiring)."""
    _cookie(response, COOKIE, token, int(hours * 3600), secure)


def clear_session_cookie(response: Response, secure: bool) -> None:
    """Make the browser forget its session token."""
    response.delete_cookie(COOKIE, path=pages.COOKIE_PATH, secure=secure, httponly=True, samesite="strict")


def login_token(request: Request) -> str:
    """The pre-session token for the login form (reusing the browser's current one if it looks valid)."""
    current = request.cookies.get(LOGIN_COOKIE, "")
    return current if 20 <= len(current) <= MAX_TOKEN_CHARS else new_token()


def set_login_cookie(response: Response, token: str, secure: bool) -> None:
    """Pin the login form's token to this browser (the double-submit half of login CSRF protection)."""
    _cookie(response, LOGIN_COOKIE, token, LOGIN_TOKEN_SECONDS, secure)


def clear_login_cookie(response: Response, secure: bool) -> None:
    """The login token is spent once the browser has signed in."""
    response.delete_cookie(LOGIN_COOKIE, path=pages.COOKIE_PATH, secure=secure, httponly=True, samesite="strict")


async def visitor_of(request: Request) -> Optional[Visitor]:
    """The signed-in coordinator making this request, if any."""
    async with request.app.state.sessions() as session:
        return await find(session, request.cookies.get(COOKIE))


def body_too_large(request: Request) -> bool:
    """Whether a form post is missing its length or is larger than any console form needs."""
    length = request.headers.get("content-length", "")
    return not length.isdigit() or int(length) > MAX_FORM_BYTES


async def form_token(request: Request) -> object:
    """The `csrf_token` field of a posted form (None when absent)."""
    form = await request.form(max_files=0, max_fields=20)
    return form.get(CSRF_FIELD)


def require(
    role: Role = Role.COORDINATOR, *, api: bool = False
) -> Callable[[Handler], Callable[..., Awaitable[Response]]]:
    """Protect a console endpoint: a signed-in visitor of `role`, and a valid CSRF token on every POST.

    Not signed in: pages and forms redirect (303) to the login form; `api` endpoints (fragments,
    live events) answer 401. Wrong role: 403. POST without or with a wrong CSRF token: 403, and the
    handler never runs. Every answer carries the console's security headers.
    """

    def decorate(handler: Handler) -> Callable[..., Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            visitor = await visitor_of(request)
            if visitor is None:
                if api:
                    return pages.protect(PlainTextResponse("Please sign in to the console.", status_code=401))
                return pages.protect(RedirectResponse(LOGIN_PATH, status_code=303))
            if role is Role.ADMIN and not visitor.is_admin:
                return pages.error(request, 403, "Admins only", "Only admins can open this page.")
            if request.method == "POST":
                if body_too_large(request):
                    return pages.error(request, 413, "Too long", "That form was larger than the console accepts.")
                if not same_secret(visitor.csrf_token, await form_token(request)):
                    return pages.error(request, 403, "Form expired", "Please go back, reload the page and try again.")
            return await handler(request, visitor)

        return endpoint

    return decorate
