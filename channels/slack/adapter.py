"""Slack through slack-bolt: events at POST /slack/events (or Socket Mode), Block Kit buttons, answers after the ack.

Why `process_before_response=True`: bolt then runs our listener to the end before it answers Slack
(over HTTP or the Socket Mode WebSocket), and our listener only stores the message (`router.receive`,
a quick database write) and schedules the answer with `outbox.later`. So a message is always stored
before Slack hears "200 OK", and the slow part (the model) never delays the acknowledgement beyond
Slack's 3 seconds. Bolt's lazy listeners would run in tasks we do not hold, and with
`process_before_response=False` bolt answers as soon as `ack()` is called from a task it runs on its
own; neither states "stored before acknowledged" as plainly.

Slack retries an event it thinks we missed (`X-Slack-Retry-Num`, same `event_id`), and a mention in a
direct message arrives twice (as `message.im` and `app_mention`, with different event ids). Bolt
de-duplicates neither: the router does, keyed by the message's own id in Slack, `channel:ts`.

Nothing is answered in a shared conversation (channel, group DM, Slack Connect): a mention there, or a
click on an old button there, becomes a message of the person's DM with the app (`channels/slack/private.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import ConfigError, Settings
from bot.gateway.delivery import Address, Outbox
from bot.messages import InboundKind, InboundMessage, Reply
from bot.router import Router
from bot.safety.screen import first_reply
from channels.retries import slack_reason, slack_retry_handlers, slack_transient, undelivered
from channels.slack.private import PrivateReplies
from channels.slack.render import render

CHANNEL = "slack"
FILE_SHARE = "file_share"
"""The subtype of a message that shares a file; its text is the comment written with it."""
EVENTS_PATH = "/slack/events"
ACTION_ID_PATTERN = re.compile(r"^trialbot_button_\d+$")
MAX_BODY_BYTES = 256 * 1024
MAX_ID_CHARS = 100
"""Slack's ids (users, channels, teams, message timestamps) are short; a longer one is not Slack's."""

_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")

logger = logging.getLogger(__name__)


def _library_logger() -> logging.Logger:
    """Bolt and the SDK log request bodies (people's words) at INFO and DEBUG: keep them at WARNING or above."""
    quiet = logging.getLogger("channels.slack.adapter.library")
    quiet.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    return quiet


def check(settings: Settings) -> bool:
    """Whether Slack is switched on; raises `ConfigError` for a half-done setup."""
    bot_token, secret, app_token = settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token
    if bot_token is None:
        for name, value in (("SLACK_SIGNING_SECRET", secret), ("SLACK_APP_TOKEN", app_token)):
            if value is not None:
                raise ConfigError(f"{name} is set but SLACK_BOT_TOKEN is not; set both (or neither)")
        return False
    if not str(bot_token).startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be the app's bot token, starting with xoxb-")
    if app_token is not None and not str(app_token).startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token, starting with xapp-")
    if secret is None and app_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN is set, so also set SLACK_SIGNING_SECRET (events over HTTP) "
            "or SLACK_APP_TOKEN (Socket Mode)"
        )
    return True


def thread_key(channel: str, thread_ts: Optional[str]) -> str:
    """A conversation's place in Slack: the channel, plus the thread's first message when there is a thread."""
    return f"{channel}:{thread_ts}" if thread_ts else channel


def destination(address: Address) -> Tuple[str, Optional[str]]:
    """Where an address points: (channel, thread_ts); with no thread key, the person's user id."""
    channel, _, thread_ts = address.thread_key.partition(":")
    return channel or address.platform_user_id, thread_ts or None


def shared_thread(inbound: InboundMessage) -> Optional[Tuple[str, Optional[str]]]:
    """Where a message was written when that is not the DM: (channel, thread_ts); None for a direct message.

    The parsers below give a direct message the DM's channel (`D…`) as its thread key, and anything
    written in a shared conversation `channel:thread_ts`.
    """
    channel, _, thread_ts = inbound.thread_key.partition(":")
    return None if _is_direct(channel) else (channel, thread_ts or None)


def clean_text(text: str, bot_user_id: Optional[str]) -> str:
    """What the person typed: our own `<@BOTID>` mention removed, links unwrapped, Slack's escaping undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _is_direct(channel: str, channel_type: Optional[str] = None) -> bool:
    return channel_type == "im" or channel.startswith("D")


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS


def _optional_id(value: object) -> bool:
    return value is None or _is_id(value)


def _metadata(team_id: Optional[str]) -> Dict[str, Any]:
    return {"slack_team_id": team_id} if team_id else {}


def inbound_from_event(
    event: Mapping[str, Any], bot_user_id: Optional[str], team_id: Optional[str]
) -> Optional[InboundMessage]:
    """A person's direct message or mention of the bot; None for bots, edits, joins and channel chatter
    (and for an event whose ids or text do not have Slack's types). A shared file is a MEDIA message
    whose text is its comment, so the router screens it like any other."""
    user, channel, ts = event.get("user"), event.get("channel"), event.get("ts")
    media = event.get("subtype") == FILE_SHARE
    if event.get("subtype") and not media:
        return None  # edits, joins, bot messages...
    if event.get("bot_id") or not user or user == bot_user_id or not channel or not ts:
        return None
    if not all(_is_id(v) for v in (user, channel, ts)) or not all(
        _optional_id(event.get(key)) for key in ("thread_ts", "team", "channel_type")
    ):
        return None
    if not isinstance(event.get("text") or "", str):
        return None
    direct = _is_direct(channel, event.get("channel_type"))
    if event.get("type") == "message" and not direct:
        return None  # in channels only mentions (app_mention) are for us
    text = clean_text(str(event.get("text") or ""), bot_user_id)
    return InboundMessage(
        channel=CHANNEL,
        platform_user_id=user,
        text=f"[file] {text}".strip() if media else text,
        kind=InboundKind.MEDIA if media else InboundKind.TEXT,
        platform_message_id=f"{channel}:{ts}",
        thread_key=channel if direct else thread_key(channel, event.get("thread_ts") or ts),
        metadata=_metadata(team_id or event.get("team")),
    )


def inbound_from_action(body: Mapping[str, Any]) -> Optional[InboundMessage]:
    """A button click (block_actions) as the person's message: its value is what they "said"."""
    actions = body.get("actions") or []
    action = actions[0] if actions else {}
    user = body.get("user") or {}
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel_info = body.get("channel") or {}
    channel = channel_info.get("id") or container.get("channel_id")
    click_id = action.get("action_ts") or body.get("trigger_id")
    if not user.get("id") or not channel or action.get("value") is None or not click_id:
        return None
    if not all(_is_id(v) for v in (user["id"], channel, click_id)) or not isinstance(action["value"], str):
        return None
    direct = _is_direct(channel, "im" if channel_info.get("name") == "directmessage" else None)
    thread_ts = message.get("thread_ts") or container.get("thread_ts") or container.get("message_ts")
    return InboundMessage(
        channel=CHANNEL,
        platform_user_id=user["id"],
        text=str(action["value"]),
        platform_message_id=f"action:{channel}:{click_id}",
        thread_key=channel if direct else thread_key(channel, thread_ts),
        metadata=_metadata((body.get("team") or {}).get("id") or user.get("team_id")),
    )


class NoDirectMessageError(RuntimeError):
    """Slack would not open the person's DM with the app, so a reply was not sent (nothing went to a channel)."""


class SlackSender:
    """Posts replies with chat.postMessage, only ever in the person's DM with the app.

    An address naming a channel thread (a conversation started in a channel before answers moved to
    DMs) or no place at all is delivered to the person's DM instead. 429s, 5xx and timeouts are retried
    by the client's retry handlers (`channels/retries.py`); when they give up, `UndeliveredError` is raised
    and the rest of the replies are not sent.
    """

    per_second = 10.0
    """chat.postMessage: about one a second per channel with short bursts, and a workspace-wide limit above
    this; the outbox stays under it (a 429 is still waited out as Slack asks)."""

    def __init__(self, client: AsyncWebClient, private: PrivateReplies) -> None:
        self._client = client
        self._private = private

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        channel, thread_ts = destination(address)
        if not _is_direct(channel):
            direct = await self._private.direct_channel(address.platform_user_id)
            if direct is None:
                raise NoDirectMessageError("Slack would not open the person's direct message with the app")
            channel, thread_ts = direct, None
        for reply in replies:
            try:
                await self._client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **render(reply)
                )
            except Exception as error:
                if slack_transient(error):  # the retry handlers have given up on it
                    raise undelivered("Slack", address, slack_reason(error)) from error
                raise


class SlackChannel:
    """The bolt app wired to the router and the outbox, its HTTP handler and (optionally) Socket Mode."""

    def __init__(self, settings: Settings, router: Router, outbox: Outbox) -> None:
        quiet = _library_logger()
        base_url = settings.slack_api_base_url.rstrip("/") + "/"
        self.client = AsyncWebClient(
            token=str(settings.slack_bot_token), base_url=base_url, logger=quiet, retry_handlers=slack_retry_handlers()
        )
        self.private = PrivateReplies(self.client)
        self.sender = SlackSender(self.client, self.private)
        self._router = router
        self._outbox = outbox
        self.bolt = AsyncApp(
            name="trialbot",
            client=self.client,
            signing_secret=str(settings.slack_signing_secret or ""),
            process_before_response=True,
            logger=quiet,
        )
        self.bolt.event("message")(self.handle_message)
        self.bolt.event("app_mention")(self.handle_app_mention)
        self.bolt.action(ACTION_ID_PATTERN)(self.handle_block_actions)
        secret = settings.slack_signing_secret
        self.signature = SignatureVerifier(str(secret)) if secret is not None else None  # None: Socket Mode only
        self.socket_mode: Optional[AsyncSocketModeHandler] = None
        self._socket_task: Optional[asyncio.Task[None]] = None

    async def handle_message(self, event: Dict[str, Any], context: AsyncBoltContext) -> None:
        """message.im: a direct message to the app (other message events are ignored)."""
        await self._accept(inbound_from_event(event, context.bot_user_id, context.team_id))

    async def handle_app_mention(self, event: Dict[str, Any], context: AsyncBoltContext) -> None:
        """app_mention: someone wrote @trialbot; outside their DM, a notice in the thread and the answer in the DM."""
        await self._accept(inbound_from_event(event, context.bot_user_id, context.team_id), notice=True)

    async def handle_block_actions(self, ack: Any, body: Dict[str, Any]) -> None:
        """block_actions: a click on one of our buttons counts as the person sending its payload (in their DM)."""
        await self._accept(inbound_from_action(body))
        await ack()

    async def _accept(self, inbound: Optional[InboundMessage], notice: bool = False) -> None:
        """Store now (bolt acknowledges Slack only after this returns); answer and deliver in the background.

        A message from a shared conversation is stored and answered as a message of the person's DM
        (same thread key as their direct messages, so it is the same conversation); with `notice`, the
        thread it was written in gets the neutral "I'll reply in a direct message".
        """
        if inbound is None:
            return
        user = inbound.platform_user_id
        shared = shared_thread(inbound)
        if shared is not None:
            direct = await self.private.direct_channel(user)
            if direct is None:
                if self.private.first_ask(inbound.platform_message_id):
                    channel, thread_ts = shared
                    # Nothing is stored, so the router never sees this message: a crisis or an
                    # emergency still gets its lines, from the same screen the router uses.
                    finding = self._router.safety.screen(inbound.text)
                    lines = first_reply(finding) if finding is not None else None
                    urgent = lines.text if lines is not None else None
                    self._outbox.later(
                        lambda: self.private.ask_for_a_dm(channel, thread_ts, user, urgent), name="slack-ask-for-a-dm"
                    )
                return  # nothing stored or answered: there is no private place to answer in
            inbound = replace(inbound, thread_key=direct)
        accepted = await self._router.receive(inbound)
        if accepted.duplicate:
            return  # the first delivery is answered (or being answered) already
        address = Address(CHANNEL, user, inbound.thread_key, accepted.conversation_id)

        moved_from = shared if notice else None

        async def answer() -> None:
            if moved_from is not None:
                await self.private.tell_moved(*moved_from, user)
            result = await self._router.answer(accepted)
            if result.queued:
                await self._outbox.deliver(accepted.conversation_id)
            else:
                await self._outbox.send(address, result.replies)

        self._outbox.later(answer, name=f"slack-answer-{accepted.message_id}")

    async def check_token(self) -> None:
        """Ask Slack who we are (auth.test) so a wrong token shows at start-up, not at the first message."""
        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            reason = error.response.get("error")
            logger.error("Slack rejected SLACK_BOT_TOKEN (%s); Slack messages will not be answered", reason)
        except Exception as error:  # Slack unreachable: the gateway still starts; bolt asks again on the first event
            reason = type(error).__name__
            logger.error("Could not reach Slack at start-up (%s); will try again on the first event", reason)
        else:
            logger.info("Slack: connected as %s", identity.get("user"))  # the bot's own name; no ids

    def start_socket_mode(self, app_token: str) -> None:
        """Receive events over Socket Mode (no public URL); bolt's client reconnects on its own."""
        self.socket_mode = AsyncSocketModeHandler(
            self.bolt, app_token, logger=_library_logger(), web_client=self.client
        )
        self._socket_task = asyncio.get_running_loop().create_task(self._connect(), name="slack-socket-mode")

    async def _connect(self) -> None:
        assert self.socket_mode is not None
        await self.socket_mode.connect_async()
        logger.info("Slack: Socket Mode connected")

    async def close(self) -> None:
        """Stop Socket Mode (if it runs)."""
        if self._socket_task is not None:
            self._socket_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._socket_task
        if self.socket_mode is not None:
            await self.socket_mode.close_async()


def signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether Slack signed this request recently (v0 signature, timestamp within five minutes)."""
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, TypeError, ArithmeticError):  # a timestamp that is not a (sane) number, a body or
        return False  # signature that is not text


def dispatchable(payload: object) -> bool:
    """Whether the parts of a payload that bolt reads before our listeners have Slack's shapes (bolt fails with a
    500 otherwise): an event callback's event, and a button click's actions, user, channel, container, message
    and team are objects."""
    if not isinstance(payload, dict):
        return False
    if payload.get("type") == "event_callback":
        return isinstance(payload.get("event"), dict)
    if payload.get("type") == "block_actions":
        actions = payload.get("actions")
        parts = [payload.get(key) for key in ("user", "channel", "container", "message", "team")]
        return (
            isinstance(actions, list)
            and all(isinstance(action, dict) for action in actions)
            and all(part is None or isinstance(part, dict) for part in parts)
        )
    return True


async def events(request: Request) -> Response:
    """POST /slack/events: Events API and interactivity, verified by us, read and dispatched by bolt.

    The signature is checked before bolt parses anything (bolt reads the body first, and its parser raises
    on malformed JSON), so an unsigned request always gets 401; a signed one bolt cannot read, or whose
    parts do not have Slack's shapes (`dispatchable`), gets 400.
    """
    channel: Optional[SlackChannel] = getattr(request.app.state, "slack", None)
    if channel is None:
        return PlainTextResponse("Slack is not started", status_code=503)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return PlainTextResponse("Request too large", status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return PlainTextResponse("Request too large", status_code=413)
    if channel.signature is None or not signed(channel.signature, body, request.headers):
        return PlainTextResponse("Invalid or stale Slack signature", status_code=401)
    try:
        bolt_request = to_async_bolt_request(request, body)
    except Exception:  # bolt's parser raises various errors for malformed bodies; none is ours to crash on
        return PlainTextResponse("Not a Slack request", status_code=400)
    if not dispatchable(bolt_request.body):
        return PlainTextResponse("Not a Slack request", status_code=400)
    return to_starlette_response(await channel.bolt.async_dispatch(bolt_request))


def routes(settings: Settings) -> List[BaseRoute]:
    """POST /slack/events when Slack is configured with a signing secret (Socket Mode needs no route)."""
    if not check(settings) or settings.slack_signing_secret is None:
        return []
    return [Route(EVENTS_PATH, events, methods=["POST"])]


async def start(app: Starlette) -> None:
    """Build the bolt app, register the Slack sender, check the token, and run Socket Mode when configured."""
    settings: Settings = app.state.settings
    if not check(settings):
        return
    channel = SlackChannel(settings, app.state.router, app.state.outbox)
    app.state.slack = channel
    app.state.outbox.register(CHANNEL, channel.sender)
    await channel.check_token()
    if settings.slack_app_token is not None:
        channel.start_socket_mode(str(settings.slack_app_token))


async def stop(app: Starlette) -> None:
    """Stop Socket Mode; answers still running are awaited by the outbox's drain."""
    channel: Optional[SlackChannel] = getattr(app.state, "slack", None)
    if channel is not None:
        await channel.close()
