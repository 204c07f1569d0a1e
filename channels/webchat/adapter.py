"""The embeddable web chat: demo page, widget script and styles, and its WebSocket at /webchat/ws.

Protocol (JSON text frames). The browser sends `{"type": "hello", "session": ID}` first (a random id
kept in its localStorage: the person's platform_user_id), then `{"type": "message", "id": CLIENT_ID,
"text": ..., "title"?: ...}` (`title` when a quick reply was clicked). The server answers a hello with
`history` (the open conversation, oldest first), each message with `ack` (`duplicate` when that id was
already received: it is not answered again), `typing` on/off around the bot's answer, and `replies`;
it pushes `replies` from elsewhere (coordinators) and the person's own messages to the session's
other tabs. Anything malformed gets an `error` frame and the socket stays usable.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from bot.config import Settings
from bot.gateway.delivery import Address, NobodyThereError, Outbox
from bot.messages import InboundMessage, Reply
from bot.store import outbox
from bot.store.db import create_session_factory
from bot.store.models import Author, Direction, Message
from bot.store.repository import ConversationRepository

CHANNEL = "webchat"
MAX_TEXT_CHARS = 1000
MAX_FRAME_BYTES = 16 * 1024
MAX_TITLE_CHARS = 200
STORE_RETRY_SECONDS = 3
STATIC_DIR = Path(__file__).parent / "static"
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

UNREADABLE = "Sorry, I couldn't read that. Please try sending your message again."
HELLO_FIRST = "Sorry, the chat isn't connected properly yet. Please reload the page and try again."
BAD_SESSION = "Sorry, this chat session isn't valid. Please reload the page to start a new one."
TOO_LONG = (
    "That message is a bit long for me: I can read up to {limit:,} characters at a time. "
    "Could you shorten it, or send it in two parts?"
)
SLOW_DOWN = "You're sending messages faster than I can read them. I'll send this one in a moment."
NOT_STORED = "I couldn't save your message just now. I'll keep it and try again in a few seconds."
OUR_FAULT = "Sorry, something went wrong on our side. Please try sending that again in a minute."

logger = logging.getLogger(__name__)
Frame = Dict[str, Any]


class Sockets:
    """The open chat sockets of this process by session id (several replicas would need pub/sub)."""

    def __init__(self) -> None:
        self._open: Dict[str, Set[WebSocket]] = defaultdict(set)

    def add(self, session: str, socket: WebSocket) -> None:
        """Deliver the session's frames to this socket too."""
        self._open[session].add(socket)

    def discard(self, session: str, socket: WebSocket) -> None:
        """Stop delivering to a closed socket."""
        sockets = self._open.get(session)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._open[session]

    async def broadcast(self, session: str, frame: Frame, exclude: Optional[WebSocket] = None) -> int:
        """Send a frame to every open socket of the session; returns how many got it."""
        delivered = 0
        for socket in list(self._open.get(session, ())):
            if socket is not exclude and await send(socket, frame):
                delivered += 1
        return delivered


class WebchatSender:
    """Delivers replies (a coordinator's, say) to every open tab of a web chat session."""

    batches = True
    """The outbox hands over a conversation's due replies together: one `replies` frame."""

    def __init__(self, sockets: Sockets) -> None:
        self._sockets = sockets

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        """Push now; with no open tab, `NobodyThereError`: the person sees them in the history when they come back."""
        answers = replies[0].answers if replies else None
        in_reply_to = answers.removeprefix(f"{address.platform_user_id}:") if answers else None
        delivered = await self._sockets.broadcast(address.platform_user_id, replies_frame(replies, in_reply_to))
        if not delivered:
            raise NobodyThereError("no open web chat tab")


async def send(socket: WebSocket, frame: Frame) -> bool:
    """Send one frame; False when the socket has gone (the person closed the tab)."""
    try:
        await socket.send_text(json.dumps(frame))
        return True
    except Exception:  # a socket that closed meanwhile is not an error worth more than a debug line
        logger.debug("Could not send to a closed web chat socket")
        return False


def render(reply: Reply) -> Frame:
    """One reply as the widget shows it (a coordinator's is labelled as coming from a person)."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    frame: Frame = {"from": reply.author, "text": reply.text, "buttons": buttons}
    if reply.stored_id is not None:
        frame["mid"] = reply.stored_id  # the widget shows a message that reaches it twice only once
    return frame


def replies_frame(replies: Sequence[Reply], in_reply_to: Optional[str] = None) -> Frame:
    """A `replies` frame; `in_reply_to` (the client's message id) lets a tab skip replies it already shows."""
    return {"type": "replies", "in_reply_to": in_reply_to, "messages": [render(r) for r in replies]}


def error_frame(text: str, code: str, client_id: Optional[str] = None) -> Frame:
    """A friendly error the widget shows in the chat."""
    return {"type": "error", "code": code, "id": client_id, "text": text}


def retry_frame(text: str, code: str, client_id: str, seconds: int) -> Frame:
    """The message was not stored; the widget keeps it ("Waiting to send…") and sends it again in `seconds`."""
    return {"type": "retry", "code": code, "id": client_id, "text": text, "retry_after": seconds}


def origin_allowed(origin: Optional[str], host: Optional[str], allowed: Tuple[str, ...]) -> bool:
    """Any origin when none are configured; otherwise a listed one or the gateway's own pages.

    Clients that send no Origin (not browsers) are let through: the check stops other web sites from
    embedding the chat, it does not authenticate anyone.
    """
    if not allowed or origin is None:
        return True
    origin = origin.lower().rstrip("/")
    return origin in allowed or (host is not None and origin.partition("://")[2] == host.lower())


def history(messages: Sequence[Message], session: str) -> List[Frame]:
    """Stored messages as the widget shows them; a clicked quick reply shows its title, not its payload."""
    prefix = f"{session}:"
    client_ids = {m.id: (m.platform_message_id or "").removeprefix(prefix) for m in messages}
    shown: List[Frame] = []
    titles: Dict[str, str] = {}
    for message in messages:
        if message.direction == Direction.INBOUND.value:
            text = titles.get(message.text, message.text)
            shown.append({"from": "person", "id": client_ids[message.id], "text": text})
            titles = {}
            continue
        author = "coordinator" if message.author == Author.COORDINATOR.value else "bot"
        frame = {"from": author, "text": message.text, "buttons": list(message.buttons or ()), "mid": message.id}
        if message.in_reply_to_id in client_ids:
            frame["in_reply_to"] = client_ids[message.in_reply_to_id]
        titles.update({b["payload"]: b["title"] for b in message.buttons or ()})
        shown.append(frame)
    return shown


@dataclass(frozen=True)
class Problem:
    """Why a frame was refused: a code for the widget and a friendly text for the person."""

    code: str
    text: str


def parse(message: Mapping[str, Any]) -> Union[Frame, Problem]:
    """A frame from a raw WebSocket message, or the friendly reason it is not one."""
    unreadable = Problem("bad_frame", UNREADABLE)
    raw = message.get("text")
    if raw is None:
        return unreadable
    if len(raw) > MAX_FRAME_BYTES:
        return Problem("too_long", TOO_LONG.format(limit=MAX_TEXT_CHARS))
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        return unreadable
    if not isinstance(frame, dict) or frame.get("type") not in ("hello", "message"):
        return unreadable
    if frame["type"] == "hello":
        session = frame.get("session")
        valid = isinstance(session, str) and SESSION_ID.fullmatch(session)
        return frame if valid else Problem("bad_session", BAD_SESSION)
    client_id, text, title = frame.get("id"), frame.get("text"), frame.get("title")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id) or not isinstance(text, str):
        return unreadable
    if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE_CHARS):
        return unreadable
    return frame


class Chat:
    """One browser tab's socket: hello, then messages, each stored, acknowledged and answered."""

    def __init__(self, socket: WebSocket) -> None:
        state = socket.app.state
        self.socket = socket
        self.router = state.router
        self.sockets: Sockets = state.webchat_sockets
        self.db = state.webchat_sessions
        self.rate_limit = state.rate_limit
        self.outbox: Outbox = state.outbox
        self.session: Optional[str] = None

    async def run(self) -> None:
        """Serve frames until the tab goes away."""
        await self.socket.accept()
        try:
            while True:
                message = await self.socket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                frame = parse(message)
                if isinstance(frame, Problem):
                    await send(self.socket, error_frame(frame.text, frame.code))
                elif frame["type"] == "hello":
                    await self.hello(frame["session"])
                elif self.session is None:
                    await send(self.socket, error_frame(HELLO_FIRST, "hello_first", frame["id"]))
                else:
                    await self.message(self.session, frame["id"], frame["text"], frame.get("title"))
        finally:
            if self.session is not None:
                self.sockets.discard(self.session, self.socket)

    async def hello(self, session: str) -> None:
        """Join the session (registered before the history is read, so nothing falls in between)."""
        if self.session is not None:
            self.sockets.discard(self.session, self.socket)
        self.session = session
        self.sockets.add(session, self.socket)
        async with self.db() as db:
            stored = await ConversationRepository(db).transcript(CHANNEL, session)
            if await outbox.shown_on_return(db, sorted({m.conversation_id for m in stored})):
                await db.commit()  # what waited for the person is in this history
        frame = {"type": "history", "max_chars": MAX_TEXT_CHARS, "messages": history(stored, session)}
        await send(self.socket, frame)

    async def message(self, session: str, client_id: str, text: str, title: Optional[str]) -> None:
        """Store, acknowledge, show to the session's other tabs, answer (typing meanwhile)."""
        if len(text) > MAX_TEXT_CHARS:
            await send(self.socket, error_frame(TOO_LONG.format(limit=MAX_TEXT_CHARS), "too_long", client_id))
            return
        wait = self.rate_limit.wait(CHANNEL, session)
        if wait is not None:  # not stored: the widget keeps the message and sends it again in `wait` seconds
            await send(self.socket, retry_frame(SLOW_DOWN, "rate_limited", client_id, wait))
            return
        inbound = InboundMessage(
            channel=CHANNEL, platform_user_id=session, text=text, platform_message_id=f"{session}:{client_id}"
        )
        try:
            accepted = await self.router.receive(inbound)
        except Exception:  # kept by the widget and sent again; the details go to the log, never the text
            logger.exception("Could not store a web chat message; the widget will send it again")
            await send(self.socket, retry_frame(NOT_STORED, "not_stored", client_id, STORE_RETRY_SECONDS))
            return
        await send(self.socket, {"type": "ack", "id": client_id, "duplicate": accepted.duplicate})
        if accepted.duplicate:
            return
        echo = {"type": "message", "from": "person", "id": client_id, "text": title or text}
        await self.sockets.broadcast(session, echo, exclude=self.socket)
        if accepted.bot_owns:
            await self.sockets.broadcast(session, {"type": "typing", "on": True})
        try:
            result = await self.router.answer(accepted)
            if result.queued:
                await self.outbox.deliver(result.conversation_id)
            elif result.replies:
                await self.sockets.broadcast(session, replies_frame(result.replies, client_id))
        except Exception:
            logger.exception("Could not answer a web chat message")
            await self.sockets.broadcast(session, error_frame(OUR_FAULT, "server", client_id))
        finally:
            if accepted.bot_owns:
                await self.sockets.broadcast(session, {"type": "typing", "on": False})


async def demo_page(request: Request) -> HTMLResponse:
    """The demo page at /, with the embed snippet for this server and the chat open."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{base_url}}", html.escape(str(request.base_url)))
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"})


def embed_page(allowed: Tuple[str, ...]) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """/webchat/embed: the chat alone, open, for sites that can only add an iframe.

    `?title=`, `?color=` and `?greeting=` set what the widget's data attributes set (escaped). Only
    this page may be framed: by the sites in WEBCHAT_ALLOWED_ORIGINS, or by any site when none are
    set (the same rule as the WebSocket's origin check).
    """
    ancestors = " ".join(allowed) if allowed else "*"
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )

    async def page(request: Request) -> HTMLResponse:
        query = request.query_params
        values = {
            "title": query.get("title", "")[:MAX_TITLE_CHARS] or "Ask about clinical trials",
            "color": query.get("color", "") if re.fullmatch(r"#([0-9a-fA-F]{3}){1,2}", query.get("color", "")) else "",
            "greeting": query.get("greeting", "")[:MAX_TEXT_CHARS],
        }
        text = (STATIC_DIR / "embed.html").read_text(encoding="utf-8")
        for name, value in values.items():
            text = text.replace("{{" + name + "}}", html.escape(value, quote=True))
        return HTMLResponse(text, headers={"Content-Security-Policy": csp})

    return page


async def widget_script(_: Request) -> FileResponse:
    """The one script a site embeds; it loads its styles and opens the socket next to its own URL."""
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def routes(settings: Settings) -> List[BaseRoute]:
    """The web chat is always on; WEBCHAT_ALLOWED_ORIGINS limits which sites may open its socket."""
    allowed = settings.webchat_allowed_origins

    async def chat(socket: WebSocket) -> None:
        if not origin_allowed(socket.headers.get("origin"), socket.headers.get("host"), allowed):
            logger.info("Refused a web chat from an origin not in WEBCHAT_ALLOWED_ORIGINS")
            await socket.close(code=1008)
            return
        await Chat(socket).run()

    async def unread(request: Request) -> JSONResponse:
        """GET /webchat/unread?session=ID: how many messages (trial alerts, a coordinator's words) wait for a
        person whose chat is closed: the widget shows the count on its launcher button."""
        origin = request.headers.get("origin")
        if not origin_allowed(origin, request.headers.get("host"), allowed):
            return JSONResponse({"error": "origin not allowed"}, status_code=403)
        session = request.query_params.get("session", "")
        if not SESSION_ID.fullmatch(session):
            return JSONResponse({"error": "bad session"}, status_code=400)
        async with request.app.state.webchat_sessions() as db:
            count = await outbox.waiting_for(db, CHANNEL, session)
        headers = {"Cache-Control": "no-store"}
        if origin:
            headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
        return JSONResponse({"unread": count}, headers=headers)

    return [
        Route("/", demo_page, methods=["GET"]),
        Route("/webchat/unread", unread, methods=["GET"]),
        Route("/widget.js", widget_script, methods=["GET"]),
        Route("/webchat/embed", embed_page(allowed), methods=["GET"]),
        Mount("/webchat/static", StaticFiles(directory=STATIC_DIR), name="webchat-static"),
        WebSocketRoute("/webchat/ws", chat),
    ]


async def start(app: Starlette) -> None:
    """Keep the registry of open sockets and register the web chat's Sender."""
    app.state.webchat_sockets = Sockets()
    app.state.webchat_sessions = create_session_factory(app.state.engine)
    app.state.outbox.register(CHANNEL, WebchatSender(app.state.webchat_sockets))
