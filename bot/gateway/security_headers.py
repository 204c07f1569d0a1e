"""Security headers on every HTTP response the gateway sends (a small ASGI middleware).

Pages that need their own Content-Security-Policy (the console, the web chat demo, the embeddable
chat page) set it themselves; everything else — JSON endpoints, webhooks, static files, errors —
gets the strictest policy: nothing may load, nothing may frame it. Framing is denied everywhere
except `/webchat/embed`, the page sites may put in an iframe (its own `frame-ancestors` names the
sites in WEBCHAT_ALLOWED_ORIGINS). Starlette ships no such middleware; it is a few lines of ASGI
so that streaming responses (the console's live updates) pass through untouched.
"""

from __future__ import annotations

from typing import Iterable, List, Tuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DEFAULTS: Tuple[Tuple[bytes, bytes], ...] = (
    (b"content-security-policy", STRICT_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
FRAMEABLE_PATHS = frozenset({"/webchat/embed"})


def with_defaults(headers: Iterable[Tuple[bytes, bytes]], frameable: bool) -> List[Tuple[bytes, bytes]]:
    """The response's headers plus each default it does not set itself."""
    result = list(headers)
    present = {name.lower() for name, _ in result}
    for name, value in DEFAULTS:
        if name in present or (frameable and name == b"x-frame-options"):
            continue
        result.append((name, value))
    return result


class SecurityHeaders:
    """Adds `DEFAULTS` to every HTTP response that does not set them (WebSockets are left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        frameable = scope.get("path") in FRAMEABLE_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_defaults(message.get("headers", ()), frameable)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
