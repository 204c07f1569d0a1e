"""The console's pages, forms and live updates under /console (mounted by `bot.gateway.app` through `routes`)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, AsyncIterator, Dict, List, Optional

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import Settings
from bot.console import accounts, alert_card, auth, board, canned, insights_views, knowledge, pages
from bot.console.auth import Visitor
from bot.handoff import machine as handoff
from bot.handoff.coordination import Outcome
from bot.store import audit, storable
from bot.store.models import Conversation, ConversationStatus, Role

HOME = "/console"
GENERIC_SIGN_IN_PROBLEM = "That email and password don't match an active account. Please try again."
CONVERSATION_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
"""What a conversation id in a URL may look like (they are hex); anything else is not found."""
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 60.0
"""A live-update stream ends after this long and the browser reconnects (so a server can always shut down)."""

ACTION_LABELS = {
    audit.VIEWED: "viewed",
    audit.REPLIED: "replied",
    audit.NOTED: "added a private note",
    audit.TOOK: "took the conversation",
    audit.HANDED_BACK: "handed back to the bot",
    audit.CLOSED: "closed",
    audit.SIGNED_IN: "signed in",
    audit.SIGNED_OUT: "signed out",
    audit.SIGN_IN_FAILED: "failed to sign in",
    audit.ACCOUNT_CREATED: "created an account",
    audit.ACCOUNT_DISABLED: "disabled an account",
    audit.FORGOTTEN: "a person deleted their data",
    audit.PURGED: "old transcripts deleted",
    audit.MISSED_VIEWED: "read missed questions",
    audit.FAQ_ATTACHED: "attached a missed question to a FAQ topic",
    audit.FAQ_NEW_TOPIC: "marked a missed question for a new FAQ topic",
}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _secure(request: Request) -> bool:
    """Cookies are marked Secure when configured, and always when the request came over HTTPS."""
    return _settings(request).console_secure_cookies or request.url.scheme == "https"


def conversation_url(conversation_id: str) -> str:
    """The console page of one conversation."""
    return f"{HOME}/conversations/{conversation_id}"


async def _conversation(session: AsyncSession, request: Request) -> Optional[Conversation]:
    conversation_id = request.path_params["conversation_id"]
    if not CONVERSATION_ID.fullmatch(conversation_id):
        return None
    return await session.get(Conversation, conversation_id)


def _field(form: FormData, name: str) -> str:
    """A posted form's text field as the database can store it (`bot.store.storable`); "" when missing."""
    value = form.get(name)
    return storable.text(value) if isinstance(value, str) else ""


def _not_found(request: Request) -> Response:
    return pages.error(request, 404, "Not found", "There is no such conversation.")


# Signing in and out


def _login_form(request: Request, problem: str = "", email: str = "", status_code: int = 200) -> Response:
    token = auth.login_token(request)
    response = pages.render(
        request, "login.html", {"me": None, "login_token": token, "problem": problem, "email": email}, status_code
    )
    auth.set_login_cookie(response, token, _secure(request))
    return response


async def login_page(request: Request) -> Response:
    """GET /console/login: the sign-in form (or the queue, when already signed in)."""
    if await auth.visitor_of(request) is not None:
        return pages.redirect(HOME)
    return _login_form(request)


async def login(request: Request) -> Response:
    """POST /console/login: check the login form's token, then the password; start a session."""
    if auth.body_too_large(request):
        return pages.error(request, 413, "Too long", "That form was larger than the console accepts.")
    form = await request.form(max_files=0, max_fields=10)
    if not auth.same_secret(request.cookies.get(auth.LOGIN_COOKIE, ""), form.get(auth.CSRF_FIELD)):
        return pages.error(request, 403, "Form expired", "This sign-in form expired. Please reload it and try again.")
    email = _field(form, "email").strip()[:255]
    password = str(form.get("password") or "")[:1024]  # only ever hashed, never stored
    settings = _settings(request)
    async with request.app.state.sessions() as session:
        coordinator = await accounts.authenticate(session, email, password) if email and password else None
        if coordinator is None:
            known = await accounts.find_by_email(session, email) if email else None
            await audit.record(
                session, audit.SIGN_IN_FAILED, coordinator_id=known.id if known else None, detail=f"as {email[:100]}"
            )
            await session.commit()
            return _login_form(request, GENERIC_SIGN_IN_PROBLEM, email, 401)
        token = await auth.start(session, coordinator, settings.console_session_hours)
        await audit.record(session, audit.SIGNED_IN, coordinator_id=coordinator.id)
        await session.commit()
    response = pages.redirect(HOME)
    auth.set_session_cookie(response, token, settings.console_session_hours, _secure(request))
    auth.clear_login_cookie(response, _secure(request))
    return response


@auth.require()
async def logout(request: Request, visitor: Visitor) -> Response:
    """POST /console/logout: end the session (the cookie is worthless afterwards)."""
    async with request.app.state.sessions() as session:
        await auth.end(session, visitor)
        await audit.record(session, audit.SIGNED_OUT, coordinator_id=visitor.coordinator.id)
        await session.commit()
    response = pages.redirect(auth.LOGIN_PATH, "You're signed out.", secure=_secure(request))
    auth.clear_session_cookie(response, _secure(request))
    return response


# The queue


async def _board(request: Request, visitor: Visitor) -> Dict[str, Any]:
    async with request.app.state.sessions() as session:
        waiting = await board.waiting(session)
        taken = await board.with_coordinators(session)
        recent = await board.recent_with_bot(session)
    mine = [row for row in taken if row.assignee_id == visitor.coordinator.id]
    colleagues = [row for row in taken if row.assignee_id != visitor.coordinator.id]
    return {"me": visitor, "waiting": waiting, "mine": mine, "colleagues": colleagues, "recent": recent}


@auth.require()
async def queue_page(request: Request, visitor: Visitor) -> Response:
    """GET /console: the queue, your conversations, colleagues' and the bot's recent ones."""
    return pages.render(request, "queue.html", await _board(request, visitor))


@auth.require(api=True)
async def queue_fragment(request: Request, visitor: Visitor) -> Response:
    """GET /console/fragments/queue: the queue page's lists alone, for live refreshes."""
    return pages.render(request, "_queue.html", await _board(request, visitor))


# One conversation


async def _conversation_context(session: AsyncSession, conversation: Conversation, visitor: Visitor) -> Dict[str, Any]:
    row = await board.summary(session, conversation)
    status = ConversationStatus(conversation.status)
    mine = status is ConversationStatus.WITH_COORDINATOR and conversation.assignee_id == visitor.coordinator.id
    colleague = status is ConversationStatus.WITH_COORDINATOR and not mine
    return {
        "me": visitor,
        "row": row,
        "lines": await board.transcript(session, conversation),
        "mine": mine,
        "colleague": colleague,
        "can_take": status in (ConversationStatus.BOT, ConversationStatus.WAITING),
        "can_reply": status is not ConversationStatus.CLOSED and not colleague,
        "can_hand_back": status in (ConversationStatus.WAITING, ConversationStatus.WITH_COORDINATOR),
        "can_close": status is not ConversationStatus.CLOSED,
    }


@auth.require()
async def conversation_page(request: Request, visitor: Visitor) -> Response:
    """GET /console/conversations/{id}: transcript, what the bot knows, reply and note boxes, actions (audited)."""
    async with request.app.state.sessions() as session:
        conversation = await _conversation(session, request)
        if conversation is None:
            return _not_found(request)
        context = await _conversation_context(session, conversation, visitor)
        context["knowledge"] = await knowledge.what_the_bot_knows(session, conversation.id)
        context["alerts"] = await alert_card.for_conversation(session, conversation.id)
        history = await audit.recent(session, conversation.id, limit=15)
        names = await board.coordinator_names(session, (event.coordinator_id for event in history))
        await audit.record(
            session, audit.VIEWED, coordinator_id=visitor.coordinator.id, conversation_id=conversation.id
        )
        await session.commit()
    context["history"] = [_audit_line(event, names) for event in history]
    context["canned"] = [(c.title, c.for_coordinator(visitor.coordinator.name)) for c in canned.load()]
    return pages.render(request, "conversation.html", context)


@auth.require(api=True)
async def transcript_fragment(request: Request, visitor: Visitor) -> Response:
    """GET /console/conversations/{id}/transcript: status and transcript alone, for live refreshes."""
    async with request.app.state.sessions() as session:
        conversation = await _conversation(session, request)
        if conversation is None:
            return _not_found(request)
        context = await _conversation_context(session, conversation, visitor)
    return pages.render(request, "_transcript.html", context)


async def _why_not(request: Request, conversation_id: str, visitor: Visitor) -> str:
    async with request.app.state.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None  # it existed a moment ago; conversations are never deleted
        row = await board.summary(session, conversation)
    if row.status == ConversationStatus.WITH_COORDINATOR.value and row.assignee_id != visitor.coordinator.id:
        return f"{row.assignee or 'A colleague'} is already talking with this person."
    return f"That isn't possible now: the conversation is {row.status_label.lower()}."


async def _act(request: Request, visitor: Visitor, step: str) -> Response:
    conversation_id = request.path_params["conversation_id"]
    async with request.app.state.sessions() as session:
        if await _conversation(session, request) is None:
            return _not_found(request)
    coordination = request.app.state.coordination
    coordinator = visitor.coordinator
    text = _field(await request.form(), "text")
    done = {
        "reply": "Sent.",
        "note": "Note saved. Only the team sees it; it is never sent.",
        "take": "You've taken this conversation; the person was told you joined.",
        "hand_back": "Handed back to the bot; the person was told.",
        "close": "Conversation closed; the person was told.",
    }[step]
    try:
        if step == "note":
            await coordination.note(conversation_id, coordinator, text)
            outcome = Outcome() if text.strip() else Outcome(delivered=False, problem="The note was empty.")
        elif step == "reply":
            outcome = await coordination.reply(conversation_id, coordinator, text)
        elif step == "take":
            outcome = await coordination.take(conversation_id, coordinator)
        elif step == "hand_back":
            outcome = await coordination.hand_back(conversation_id, coordinator)
        else:
            outcome = await coordination.close(conversation_id, coordinator)
    except LookupError:
        return _not_found(request)
    except handoff.HandoffError:
        return pages.redirect(
            conversation_url(conversation_id), await _why_not(request, conversation_id, visitor), True, _secure(request)
        )
    if not outcome.delivered:
        return pages.redirect(conversation_url(conversation_id), outcome.problem, True, _secure(request))
    return pages.redirect(conversation_url(conversation_id), done, secure=_secure(request))


@auth.require()
async def reply(request: Request, visitor: Visitor) -> Response:
    """POST .../reply: send the text to the person on their channel now (taking the conversation if needed)."""
    return await _act(request, visitor, "reply")


@auth.require()
async def note(request: Request, visitor: Visitor) -> Response:
    """POST .../note: a private note for the team, never sent."""
    return await _act(request, visitor, "note")


@auth.require()
async def take(request: Request, visitor: Visitor) -> Response:
    """POST .../take: take the conversation from the queue or from the bot."""
    return await _act(request, visitor, "take")


@auth.require()
async def hand_back(request: Request, visitor: Visitor) -> Response:
    """POST .../hand-back: the bot answers again."""
    return await _act(request, visitor, "hand_back")


@auth.require()
async def close(request: Request, visitor: Visitor) -> Response:
    """POST .../close: the conversation is over."""
    return await _act(request, visitor, "close")


# Live updates


@auth.require(api=True)
async def events(request: Request, visitor: Visitor) -> Response:
    """GET /console/events: server-sent events naming what changed (ids only); pages then fetch fragments."""
    hub = request.app.state.events

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        async with hub.subscribe() as queue:
            yield "retry: 2000\n\n"  # sent once subscribed: anything published from now on is delivered
            deadline = loop.time() + STREAM_SECONDS
            while (left := deadline - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=min(KEEPALIVE_SECONDS, left))
                except asyncio.TimeoutError:
                    yield ": still here\n\n"
                    continue
                yield f"data: {json.dumps({'kind': event.kind, 'conversation_id': event.conversation_id})}\n\n"

    return pages.protect(
        StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})
    )


# Admin: accounts and the audit log


def _audit_line(event: Any, names: Dict[int, str]) -> Dict[str, Any]:
    return {
        "at": event.created_at,
        "who": names.get(event.coordinator_id, "—") if event.coordinator_id else "—",
        "action": ACTION_LABELS.get(event.action, event.action),
        "conversation_id": event.conversation_id,
        "detail": event.detail,
    }


@auth.require(Role.ADMIN)
async def accounts_page(request: Request, visitor: Visitor) -> Response:
    """GET /console/accounts: every account, a form to create one, buttons to disable."""
    async with request.app.state.sessions() as session:
        everyone = await accounts.all_accounts(session)
    roles = [role.value for role in Role]
    return pages.render(
        request,
        "accounts.html",
        {"me": visitor, "accounts": everyone, "roles": roles, "min_password": accounts.MIN_PASSWORD_CHARS},
    )


@auth.require(Role.ADMIN)
async def create_account(request: Request, visitor: Visitor) -> Response:
    """POST /console/accounts: create an account (audited)."""
    form = await request.form()
    secure = _secure(request)
    try:
        role = Role(str(form.get("role") or Role.COORDINATOR.value))
    except ValueError:
        return pages.redirect(f"{HOME}/accounts", "Please choose a role.", True, secure)
    async with request.app.state.sessions() as session:
        try:
            created = await accounts.create(
                session,
                _field(form, "email"),
                _field(form, "name"),
                str(form.get("password") or "")[:1024],
                role,
            )
        except accounts.AccountError as problem:
            return pages.redirect(f"{HOME}/accounts", f"Could not create the account: {problem}.", True, secure)
        await audit.record(
            session,
            audit.ACCOUNT_CREATED,
            coordinator_id=visitor.coordinator.id,
            detail=f"{created.email} ({created.role})",
        )
        await session.commit()
    return pages.redirect(f"{HOME}/accounts", f"Created a {created.role} account for {created.email}.", secure=secure)


@auth.require(Role.ADMIN)
async def disable_account(request: Request, visitor: Visitor) -> Response:
    """POST /console/accounts/{id}/disable: the account can no longer sign in; its sessions end (audited)."""
    account_id = request.path_params["account_id"]
    secure = _secure(request)
    if account_id == visitor.coordinator.id:
        return pages.redirect(f"{HOME}/accounts", "You can't disable your own account.", True, secure)
    async with request.app.state.sessions() as session:
        try:
            account = await accounts.set_active(session, account_id, False)
        except accounts.AccountError:
            return pages.error(request, 404, "Not found", "There is no such account.")
        await auth.end_all(session, account.id)
        await audit.record(session, audit.ACCOUNT_DISABLED, coordinator_id=visitor.coordinator.id, detail=account.email)
        await session.commit()
    return pages.redirect(f"{HOME}/accounts", f"Disabled {account.email}; they are signed out.", secure=secure)


@auth.require(Role.ADMIN)
async def audit_page(request: Request, visitor: Visitor) -> Response:
    """GET /console/audit: who viewed, replied to or changed what, newest first (optionally one conversation)."""
    conversation_id = request.query_params.get("conversation") or None
    if conversation_id is not None and not CONVERSATION_ID.fullmatch(conversation_id):
        return _not_found(request)
    async with request.app.state.sessions() as session:
        entries = await audit.recent(session, conversation_id, limit=300)
        names = await board.coordinator_names(session, (event.coordinator_id for event in entries))
    lines = [_audit_line(event, names) for event in entries]
    return pages.render(request, "audit.html", {"me": visitor, "lines": lines, "conversation_id": conversation_id})


def routes(settings: Settings) -> List[BaseRoute]:
    """The console's routes under /console (always on: without accounts nobody can sign in)."""
    canned.load()  # fail at start-up, not on the first page view, if the canned responses are malformed
    item = "/console/conversations/{conversation_id}"
    return [
        Route(HOME, queue_page, methods=["GET"]),
        Route("/console/login", login_page, methods=["GET"]),
        Route("/console/login", login, methods=["POST"]),
        Route("/console/logout", logout, methods=["POST"]),
        Route("/console/fragments/queue", queue_fragment, methods=["GET"]),
        Route("/console/events", events, methods=["GET"]),
        Route(item, conversation_page, methods=["GET"]),
        Route(f"{item}/transcript", transcript_fragment, methods=["GET"]),
        Route(f"{item}/reply", reply, methods=["POST"]),
        Route(f"{item}/note", note, methods=["POST"]),
        Route(f"{item}/take", take, methods=["POST"]),
        Route(f"{item}/hand-back", hand_back, methods=["POST"]),
        Route(f"{item}/close", close, methods=["POST"]),
        Route("/console/accounts", accounts_page, methods=["GET"]),
        Route("/console/accounts", create_account, methods=["POST"]),
        Route("/console/accounts/{account_id:int}/disable", disable_account, methods=["POST"]),
        Route("/console/audit", audit_page, methods=["GET"]),
        *insights_views.routes(settings),
        Mount("/console/static", app=StaticFiles(directory=pages.STATIC_DIR), name="console-static"),
    ]
