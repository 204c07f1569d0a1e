"""A fake Telegram Bot API on 127.0.0.1 (getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates, sendMessage,
answerCallbackQuery) in Telegram's wire format, recording every call and queueing updates for long polling.

`fail_next(method, ...)` injects faults as Telegram shows them: flood control (429 with `retry_after`), a
server error (500 as JSON, 502-504 as the HTML page of Telegram's front proxy), a refusal (400, 403), or
an answer held back longer than the client waits (`delay`), the message not delivered unless `deliver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.conftest import serve
from tests.fakes import wait_for

T = TypeVar("T")

MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_DATA_BYTES = 64
JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
INT_FIELDS = {"offset", "limit", "timeout", "max_connections", "cache_time"}
BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}


@dataclass
class ApiCall:
    """One Bot API call as the fake received it (parameters decoded the way Telegram reads them)."""

    method: str
    params: Dict[str, Any]
    ok: bool
    at: float = field(default_factory=time.monotonic)


def _decode(params: Dict[str, Any]) -> Dict[str, Any]:
    """Form values arrive as strings: objects as JSON, numbers and booleans as text."""
    decoded = dict(params)
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in JSON_FIELDS:
            decoded[key] = json.loads(value)
        elif key in INT_FIELDS:
            decoded[key] = int(value)
        elif key in BOOL_FIELDS:
            decoded[key] = value.lower() == "true"
    if "chat_id" in decoded:
        decoded["chat_id"] = str(decoded["chat_id"])
    return decoded


def _error(code: int, description: str, **parameters: Any) -> JSONResponse:
    body: Dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


PROXY_PAGE = (
    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
}


@dataclass
class Fault:
    """What the next call of a method gets instead of its normal answer."""

    status: Optional[int] = None
    retry_after: Optional[int] = None
    description: Optional[str] = None
    delay: Optional[float] = None
    deliver: bool = False

    def response(self) -> Response:
        if self.status == 429:
            seconds = self.retry_after if self.retry_after is not None else 1
            return _error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        if self.status in (502, 503, 504):  # from the proxy in front of the Bot API: HTML, not JSON
            title = f"{self.status} {HTTPStatus(self.status).phrase}"
            page = PROXY_PAGE.format(title=title)
            return HTMLResponse(page, status_code=self.status)
        status = self.status or 504
        return _error(status, self.description or DESCRIPTIONS.get(status, HTTPStatus(status).phrase))


class FakeTelegramApi:
    """Accepts one bot token at /bot<token>/<method>; any other token gets 401 Unauthorized, like Telegram."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.calls: List[ApiCall] = []
        self.webhook: Dict[str, Any] = {}
        self.messages: List[Dict[str, Any]] = []
        self.base_url = ""
        self._updates: List[Dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._closing = False
        self._faults: Dict[str, List[Fault]] = {}
        self._hold_after: Dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeTelegramApi]:
        """Serve the fake on a free port; `base_url` is what TELEGRAM_API_BASE_URL should be."""
        app = Starlette(routes=[Route("/bot{token}/{method}", self._api, methods=["GET", "POST"])])
        async with serve(app) as url:
            self.base_url = f"{url}/bot"
            try:
                yield self
            finally:
                async with self._changed:  # end waiting long polls so the server can stop at once
                    self._closing = True
                    self._changed.notify_all()

    # -- what tests use -----------------------------------------------------------------------------

    def successful(self, method: str) -> List[Dict[str, Any]]:
        """The parameters of the accepted calls of one method, in order."""
        return [c.params for c in self.calls if c.method == method and c.ok]

    def attempted(self, method: str) -> List[Dict[str, Any]]:
        """The parameters of every call of one method, accepted or not, in the order they arrived."""
        return [c.params for c in self.calls if c.method == method]

    def fail_next(
        self,
        method: str,
        status: Optional[int] = None,
        *,
        retry_after: Optional[int] = None,
        description: Optional[str] = None,
        delay: Optional[float] = None,
        deliver: bool = False,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail: with `status` (429 uses `retry_after`), or, with
        `delay`, by answering only after `delay` seconds (or when the fake stops) — by then the client has
        given up; the message is delivered only if `deliver` (Telegram took it but the answer was lost)."""
        self._faults.setdefault(method, []).extend(
            Fault(status, retry_after, description, delay, deliver) for _ in range(times)
        )

    def hold_after(self, method: str, taken: int) -> None:
        """Once `taken` calls of `method` were accepted, hold every later one unanswered and not taken (as a
        request still on its way when the bot's process dies) until `release`."""
        self._hold_after[method] = taken

    async def release(self) -> None:
        """Stop holding: held calls are answered with a 504 (nobody is waiting for them any more) and not taken."""
        async with self._changed:
            self._hold_after.clear()
            self._changed.notify_all()

    def sent_to(self, chat_id: Any) -> List[Dict[str, Any]]:
        """The messages the bot sent to one chat (Telegram `Message` objects, with any keyboard), in order."""
        return [m for m in self.messages if m["chat"]["id"] == int(chat_id)]

    async def wait_for(self, check: Callable[[], T], timeout: float = 60.0, what: str = "the fake Telegram") -> T:
        """Poll until `check()` is truthy (and return it), or fail after `timeout` seconds."""
        return await wait_for(check, timeout, what)

    async def queue(self, update: Dict[str, Any]) -> int:
        """Queue an update for getUpdates (an `update_id` is given when it has none); returns its id."""
        update = {"update_id": next(self._update_ids), **update}
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return int(update["update_id"])

    def pending(self) -> List[Dict[str, Any]]:
        """Queued updates that getUpdates has not yet seen confirmed (by a higher offset)."""
        return list(self._updates)

    # -- the wire format ------------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params: Dict[str, Any] = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        try:
            if content_type.startswith("application/json"):
                params.update(json.loads(await request.body() or b"{}"))
            elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                params.update((await request.form()).items())
            params = _decode(params)
        except ValueError:
            return _error(400, "Bad Request: can't parse request parameters")
        if request.path_params["token"] != self.token:
            self.calls.append(ApiCall(method, params, ok=False))
            return _error(401, "Unauthorized")
        handler = getattr(self, f"_{method}", None)
        if method in self._hold_after and len(self.successful(method)) >= self._hold_after[method]:
            self.calls.append(ApiCall(method, params, ok=False))
            async with self._changed:
                await self._changed.wait_for(lambda: self._closing or method not in self._hold_after)
            return Fault(504).response()
        faults = self._faults.get(method)
        if faults:
            return await self._fault(faults.pop(0), method, params, handler)
        response = await handler(params) if handler else _error(404, "Not Found")
        self.calls.append(ApiCall(method, params, ok=response.status_code == 200))
        return response

    async def _fault(self, fault: Fault, method: str, params: Dict[str, Any], handler: Any) -> Response:
        taken = await handler(params) if fault.deliver and handler is not None else None
        self.calls.append(ApiCall(method, params, ok=taken is not None and taken.status_code == 200))
        if fault.delay is not None:
            async with self._changed:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(lambda: self._closing), fault.delay)
            if taken is not None:
                return taken  # the real answer, too late for the client
        return fault.response()

    @staticmethod
    def _ok(result: Any, description: Optional[str] = None) -> JSONResponse:
        body: Dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return JSONResponse(body)

    async def _getMe(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802 (Telegram's method names)
        return self._ok(
            {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "trialbot (fake)",
                "username": "trialbot_fake_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _setWebhook(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802
        url = str(params.get("url", ""))
        if url and not url.startswith("https://"):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {k: v for k, v in params.items() if k != "drop_pending_updates"} if url else {}
        return self._ok(True, "Webhook was set" if url else "Webhook was deleted")

    async def _deleteWebhook(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802
        existed = bool(self.webhook)
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return self._ok(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    async def _getWebhookInfo(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return self._ok(info)

    async def _getUpdates(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802
        if self.webhook:
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        offset = params.get("offset")
        limit = min(int(params.get("limit") or 100), 100)
        async with self._changed:
            if offset is not None:  # an offset confirms every update before it
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            timeout = float(params.get("timeout") or 0)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self._updates or self._closing), timeout)
            return self._ok(list(self._updates[:limit]))

    async def _sendMessage(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802
        chat_id, text = params.get("chat_id"), params.get("text")
        if not chat_id:
            return _error(400, "Bad Request: chat not found")
        if not text or not str(text).strip():
            return _error(400, "Bad Request: message text is empty")
        if len(str(text).encode("utf-16-le")) // 2 > MAX_TEXT_UTF16:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if not button.get("text") or (data is not None and not 0 < len(data.encode()) <= 64):
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        message: Dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "trialbot (fake)"},
            "chat": {"id": int(chat_id), "type": "private" if not chat_id.startswith("-") else "group"},
            "date": int(time.time()),
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        self.messages.append(message)
        return self._ok(message)

    async def _answerCallbackQuery(self, params: Dict[str, Any]) -> JSONResponse:  # noqa: N802
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return self._ok(True)


# -- Telegram updates as the platform sends them ----------------------------------------------------------


def user(user_id: int, first_name: str = "Sam", last_name: Optional[str] = None) -> Dict[str, Any]:
    """A Telegram user object."""
    found: Dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if last_name:
        found["last_name"] = last_name
    return found


def chat(chat_id: int) -> Dict[str, Any]:
    """A private chat (the person's own id) or, for a negative id, a group."""
    if chat_id < 0:
        return {"id": chat_id, "type": "group", "title": "Trial questions"}
    return {"id": chat_id, "type": "private", "first_name": "Sam"}


_message_ids = itertools.count(500)


def message_update(
    update_id: int, from_id: int, text: Optional[str] = None, chat_id: Optional[int] = None, **content: Any
) -> Dict[str, Any]:
    """An update with a new message: text, or other content (e.g. `sticker={...}`)."""
    message: Dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": user(from_id),
        "chat": chat(chat_id if chat_id is not None else from_id),
        "date": int(time.time()),
        **content,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int, from_id: int, data: str, query_id: str, keyboard_message: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """An update for a tap on an inline button of `keyboard_message` (a message the bot sent)."""
    query: Dict[str, Any] = {
        "id": query_id,
        "from": user(from_id),
        "chat_instance": f"ci-{from_id}",
        "data": data,
    }
    if keyboard_message is not None:
        query["message"] = keyboard_message
    return {"update_id": update_id, "callback_query": query}


STICKER = {
    "file_id": "CAACAgIAAxkBAAEB",
    "file_unique_id": "AgADBQADwDZPEw",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "👍",
}
PHOTO = [
    {"file_id": "AgACAgIAAxkBAAIB-small", "file_unique_id": "AQADsmall", "width": 90, "height": 67, "file_size": 1200},
    {"file_id": "AgACAgIAAxkBAAIB-large", "file_unique_id": "AQADlarge", "width": 800, "height": 600},
]
