"""Rendering console pages: the Jinja2 templates (autoescaped), flash messages and error pages."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot.store.models import aware

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE_PATH = "/console"
FLASH_COOKIE = "trialbot_console_flash"
MAX_FLASH_CHARS = 500

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def protect(response: Response) -> Response:
    """Add the console's security headers (strict CSP, no framing, no referrer, no caching)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def duration(delta: Optional[timedelta]) -> str:
    """A wait in plain words: "just now", "4 min", "1 h 20 min", "2 days"."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{hours // 24} days"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The console's templates; autoescaping is always on, so everything people typed is escaped."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    return Jinja2Templates(env=env)


def local_time(moment: Optional[datetime], zone: ZoneInfo) -> str:
    """A stored time in the team's time zone, e.g. "Tue 14:05 EST" (naive times are UTC)."""
    if moment is None:
        return ""
    return aware(moment).astimezone(zone).strftime("%a %d %b %H:%M %Z")


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    status_code: int = 200,
) -> Response:
    """A full page or fragment; shows (and clears) a pending flash message."""
    flash = read_flash(request)
    zone = request.app.state.settings.office_hours.zone
    values: Dict[str, Any] = {"flash": flash, "when": lambda moment: local_time(moment, zone), **context}
    response = templates().TemplateResponse(request, name, values, status_code=status_code)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return protect(response)


def redirect(url: str, message: str = "", problem: bool = False, secure: bool = False) -> Response:
    """A 303 to `url` (always a console path we built) carrying a short flash message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if message:
        payload = json.dumps({"text": message[:MAX_FLASH_CHARS], "problem": problem}).encode()
        response.set_cookie(
            FLASH_COOKIE,
            base64.urlsafe_b64encode(payload).decode(),
            max_age=60,
            path=COOKIE_PATH,
            secure=secure,
            httponly=True,
            samesite="strict",
        )
    return protect(response)


def read_flash(request: Request) -> Optional[Dict[str, Any]]:
    """The flash message set by the previous redirect, if any (ignores anything malformed)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None
    return {"text": data["text"][:MAX_FLASH_CHARS], "problem": bool(data.get("problem"))}


def error(request: Request, status_code: int, title: str, message: str) -> Response:
    """A plain error page (403, 404, 413...) in the console's look, with the security headers."""
    return render(request, "error.html", {"title": title, "message": message, "me": None}, status_code)
