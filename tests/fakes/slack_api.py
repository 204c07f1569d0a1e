"""A fake Slack on 127.0.0.1: Web API methods (auth.test, chat.postMessage, conversations.open,
apps.connections.open) and a Socket Mode WebSocket, in Slack's wire format, recording every call; plus signing
requests like Slack does. `fail(method, error)` makes a method answer with a Slack error until `recover`.

`fail_next(method, ...)` injects one-off faults as Slack shows them: rate limiting (HTTP 429, `Retry-After`,
`{"ok": false, "error": "ratelimited"}`), a server error (500/503 as JSON, 502/504 as an HTML page from the
edge), a refusal (`{"ok": false, "error": ...}` with HTTP 200), or an answer held back longer than the client
waits (`delay`), the message not posted unless `deliver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Set, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.conftest import serve
from tests.fakes import wait_for

T = TypeVar("T")

TEAM_ID = "T0TRIAL"
BOT_USER_ID = "U0TRIALBOT"
BOT_ID = "B0TRIALBOT"
APP_ID = "A0TRIAL"


def sign(secret: str, body: bytes, timestamp: Optional[int] = None) -> Dict[str, str]:
    """The headers Slack sends with a request: v0 HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


SERVER_ERRORS = {500: "internal_error", 503: "service_unavailable"}
EDGE_PAGE = "<html><head><title>{status} {phrase}</title></head><body><h1>{status} {phrase}</h1></body></html>"


@dataclass
class Fault:
    """What the next call of a method gets instead of its normal answer."""

    status: Optional[int] = None
    retry_after: Optional[int] = None
    error: Optional[str] = None
    delay: Optional[float] = None
    deliver: bool = False

    def response(self) -> Response:
        if self.status == 429:
            retry_after = str(self.retry_after if self.retry_after is not None else 1)
            return JSONResponse(
                {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": retry_after}
            )
        if self.status in (502, 504):
            page = EDGE_PAGE.format(status=self.status, phrase=HTTPStatus(self.status).phrase)
            return HTMLResponse(page, status_code=self.status)
        if self.status is not None and self.status >= 500:
            return JSONResponse(
                {"ok": False, "error": self.error or SERVER_ERRORS.get(self.status, "fatal_error")},
                status_code=self.status,
            )
        return JSONResponse({"ok": False, "error": self.error or "request_timeout"}, status_code=self.status or 200)


@dataclass
class ApiCall:
    """One Web API call as the fake received it."""

    method: str
    token: Optional[str]
    args: Dict[str, Any]
    ok: bool
    at: float = field(default_factory=time.monotonic)


class FakeSlackApi:
    """Accepts the bot token (and the app-level token for Socket Mode); anything else gets `invalid_auth`."""

    def __init__(self, bot_token: str, app_token: Optional[str] = None) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.calls: List[ApiCall] = []
        self.socket_acks: List[Dict[str, Any]] = []
        self.base_url = ""
        self._socket: Optional[WebSocket] = None
        self._ts = itertools.count(1)
        self._failing: Dict[str, str] = {}
        self._faults: Dict[str, List[Fault]] = {}
        self._stopping = asyncio.Event()
        self._opened: Set[str] = set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeSlackApi]:
        """Serve the fake on a free port; `base_url` is what SLACK_API_BASE_URL should be."""
        app = Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["GET", "POST"]),
                WebSocketRoute("/link", self._link),
            ]
        )
        async with serve(app) as url:
            self.base_url = f"{url}/api/"
            try:
                yield self
            finally:
                self._stopping.set()  # answer held-back calls now, so the server can stop at once

    # -- what tests look at -------------------------------------------------------------------------

    def successful(self, method: str) -> List[ApiCall]:
        """The accepted calls of one method, in order."""
        return [c for c in self.calls if c.method == method and c.ok]

    def posted(self) -> List[Dict[str, Any]]:
        """The arguments of every accepted chat.postMessage, in order."""
        return [c.args for c in self.successful("chat.postMessage")]

    def ephemeral(self) -> List[Dict[str, Any]]:
        """The arguments of every accepted chat.postEphemeral (seen only by the named user), in order."""
        return [c.args for c in self.successful("chat.postEphemeral")]

    def posted_in(self, channel: str) -> List[Dict[str, Any]]:
        """The accepted chat.postMessage arguments for one channel (or DM), in order."""
        return [p for p in self.posted() if p.get("channel") == channel]

    @staticmethod
    def direct_channel(user_id: str) -> str:
        """The id conversations.open gives a user's DM with the app: stable, `D` + the user id after its `U`."""
        return "D" + user_id[1:]

    def fail(self, method: str, error: str = "missing_scope") -> None:
        """Answer `method` (bot token still checked first) with Slack's `{"ok": false, "error": error}`."""
        self._failing[method] = error

    def attempted(self, method: str) -> List[Dict[str, Any]]:
        """The arguments of every call of one method, accepted or not, in the order they arrived."""
        return [c.args for c in self.calls if c.method == method]

    def fail_next(
        self,
        method: str,
        status: Optional[int] = None,
        *,
        retry_after: Optional[int] = None,
        error: Optional[str] = None,
        delay: Optional[float] = None,
        deliver: bool = False,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` (with the bot token) fail: with HTTP `status` (429 sends
        `Retry-After: retry_after`), with Slack's `error` (HTTP 200), or, with `delay`, by answering only after
        `delay` seconds (or when the fake stops) — by then the client has given up; the message is posted only
        if `deliver` (Slack took it but the answer was lost)."""
        self._faults.setdefault(method, []).extend(
            Fault(status, retry_after, error, delay, deliver) for _ in range(times)
        )

    def recover(self, method: str) -> None:
        """Stop failing `method`."""
        self._failing.pop(method, None)

    async def wait_for(self, check: Callable[[], T], timeout: float = 60.0, what: str = "the fake Slack") -> T:
        """Poll until `check()` is truthy (and return it), or fail after `timeout` seconds."""
        return await wait_for(check, timeout, what)

    async def push(self, envelope: Dict[str, Any]) -> None:
        """Send one Socket Mode envelope to the connected app."""
        socket = await self.wait_for(lambda: self._socket, what="the Socket Mode connection")
        await socket.send_text(json.dumps(envelope))

    # -- the wire format --------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args: Dict[str, Any] = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            args.update(json.loads(await request.body() or b"{}"))
        elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            args.update((await request.form()).items())
        if isinstance(args.get("blocks"), str):
            args["blocks"] = json.loads(args["blocks"])
        authorization = request.headers.get("authorization", "")
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else args.pop("token", None)
        faults = self._faults.get(method) if token == self.bot_token else None
        if faults:
            return await self._fault(faults.pop(0), method, token, args)
        body = self._answer(method, token, args)
        self.calls.append(ApiCall(method, token, args, bool(body.get("ok"))))
        return JSONResponse(body)

    async def _fault(self, fault: Fault, method: str, token: Optional[str], args: Dict[str, Any]) -> Response:
        body = self._answer(method, token, args) if fault.deliver else {"ok": False}
        self.calls.append(ApiCall(method, token, args, bool(body.get("ok"))))
        if fault.delay is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.delay)
        return fault.response()

    def _answer(self, method: str, token: Optional[str], args: Dict[str, Any]) -> Dict[str, Any]:
        if not token:
            return {"ok": False, "error": "not_authed"}
        if method == "apps.connections.open":
            if token == self.bot_token:
                return {"ok": False, "error": "not_allowed_token_type"}
            if token != self.app_token or self.app_token is None:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.base_url.replace("http://", "ws://").replace("/api/", "/link")}
        if token != self.bot_token:
            return {"ok": False, "error": "invalid_auth"}
        if method in self._failing:
            error = self._failing[method]
            if error == "missing_scope":  # Slack says which scope was missing
                needed = {"conversations.open": "im:write"}.get(method, "chat:write")
                return {"ok": False, "error": error, "needed": needed, "provided": "chat:write,im:history"}
            return {"ok": False, "error": error}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://trialbot-test.slack.com/",
                "team": "Trialbot Test",
                "user": "trialbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "conversations.open":
            users = [u for u in str(args.get("users") or "").split(",") if u]
            if len(users) != 1:  # this fake opens one-person DMs only (what trialbot asks for)
                return {"ok": False, "error": "users_list_not_supplied" if not users else "not_supported_by_fake"}
            channel = self.direct_channel(users[0])
            if channel in self._opened:
                return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}
            self._opened.add(channel)
            return {"ok": True, "channel": {"id": channel}}
        if method == "chat.postMessage":
            if not args.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not args.get("text") and not args.get("blocks"):
                return {"ok": False, "error": "no_text"}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": args.get("text", ""), "ts": ts}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            if not args.get("channel") or not args.get("user"):
                return {"ok": False, "error": "channel_not_found" if not args.get("channel") else "user_not_in_channel"}
            if not args.get("text") and not args.get("blocks"):
                return {"ok": False, "error": "no_text"}
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        return {"ok": False, "error": "unknown_method"}

    async def _link(self, websocket: WebSocket) -> None:
        await websocket.accept()
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}, "debug_info": {}}
        await websocket.send_text(json.dumps(hello))
        self._socket = websocket
        try:
            while True:
                self.socket_acks.append(json.loads(await websocket.receive_text()))
        except WebSocketDisconnect:
            pass
        finally:
            self._socket = None
