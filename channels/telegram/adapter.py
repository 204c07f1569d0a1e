"""Telegram through python-telegram-bot: a webhook at POST /telegram/webhook (or polling), inline keyboards.

A webhook request is checked against TELEGRAM_WEBHOOK_SECRET (Telegram sends it in the
`X-Telegram-Bot-Api-Secret-Token` header), parsed with PTB's `Update.de_json` and
`channels.telegram.render.parse` (anything malformed gets 400), stored by the router and only then
acknowledged with 200; the answer is computed and sent in the background (`outbox.later`), so a
slow model never makes Telegram retry. A retried update has the same `update_id` and is recognised
by the router, so it is never answered twice.

Polling (TELEGRAM_MODE=polling, for a machine without a public HTTPS address) removes any webhook,
then long-polls getUpdates in a background task. An update is confirmed (the next offset) only
after it was stored, so nothing is lost if the gateway stops half-way; the router drops the
repeat. A malformed update is logged and skipped, so it cannot hold up the ones after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from typing import List, Optional, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, Update
from telegram.error import Forbidden, InvalidToken, TelegramError

from bot.config import Settings
from bot.gateway.delivery import Address, Outbox
from bot.messages import Reply
from bot.router import Accepted, Router
from channels.retries import DEFAULT_POLICY, RetryPolicy, telegram_retrying
from channels.telegram.render import CHANNEL, EXPIRED_BUTTON, Incoming, parse, render

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
MAX_BODY_BYTES = 256 * 1024
POLL_SECONDS = 30

logger = logging.getLogger(__name__)


def build_bot(settings: Settings) -> Bot:
    """A PTB `Bot` for the configured token and API address (nothing is contacted yet)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return Bot(token=str(settings.telegram_bot_token), base_url=settings.telegram_api_base_url)


def bot_id(settings: Settings) -> str:
    """The bot's numeric id: the part of the token before the colon."""
    return str(settings.telegram_bot_token).split(":", 1)[0]


class _HideToken(logging.Filter):
    """Drops records that contain the bot token: httpx logs each request's URL, and the token is part of it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        return self._token not in record.getMessage()


class TelegramSender:
    """Delivers replies with sendMessage to the chat an address names (the person's private chat by default).

    Each sendMessage is retried on flood control, 5xx and timeouts as `policy` says (`channels/retries.py`);
    when it gives up, `UndeliveredError` is raised and the rest of the replies are not sent.
    """

    per_second = 25.0
    """Telegram takes about 30 messages a second from a bot in all; the outbox stays under that."""

    def __init__(self, bot: Bot, policy: RetryPolicy = DEFAULT_POLICY) -> None:
        self._bot = bot
        self._policy = policy

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        chat_id = address.thread_key or address.platform_user_id
        for reply in replies:
            for text, markup in render(reply):
                retrying = telegram_retrying(self._policy, address)
                await retrying(self._bot.send_message, chat_id=chat_id, text=text, reply_markup=markup)


class TelegramChannel:
    """The bot, wired to the router and the outbox; handles updates from the webhook or from polling."""

    def __init__(self, settings: Settings, router: Router, outbox: Outbox) -> None:
        self._hide_token = _HideToken(str(settings.telegram_bot_token))
        self._telegram_log_level = self._quiet_library_logs()
        self.bot = build_bot(settings)
        self.sender = TelegramSender(self.bot)
        self._bot_id = bot_id(settings)
        self._secret = str(settings.telegram_webhook_secret or "")
        self._router = router
        self._outbox = outbox
        self._polling: Optional[asyncio.Task[None]] = None

    def verify(self, header: Optional[str]) -> bool:
        """Whether a webhook request carries our secret (compared in constant time)."""
        return bool(self._secret) and secrets.compare_digest((header or "").encode(), self._secret.encode())

    def read(self, update: Update) -> Optional[Incoming]:
        """What trialbot acts on in an update (None: ignored); raises for a malformed one (`parse`)."""
        return parse(update, self._bot_id)

    async def handle(self, update: Update) -> None:
        """A polled update: a malformed one is logged and skipped (so it cannot block the updates after it)."""
        try:
            incoming = self.read(update)
        except Exception as error:  # parsing touches no network or database: this is the update's fault
            logger.warning("Skipped a malformed Telegram update (%s)", type(error).__name__)
            return
        await self.accept(incoming)

    async def accept(self, incoming: Optional[Incoming]) -> None:
        """Store the update's message (returns once it is stored); answer and deliver in the background."""
        if incoming is None:
            return  # edits, channel posts, joins...: acknowledged and ignored
        if incoming.inbound is None:
            self._outbox.later(lambda: self._answer_query(incoming, EXPIRED_BUTTON), name="telegram-expired-button")
            return
        accepted = await self._router.receive(incoming.inbound)
        if accepted.duplicate:
            return  # the first delivery is answered (or being answered) already

        async def respond() -> None:
            await self._respond(incoming, accepted)

        self._outbox.later(respond, name=f"telegram-answer-{accepted.message_id}")

    async def _respond(self, incoming: Incoming, accepted: Accepted) -> None:
        await self._answer_query(incoming)
        inbound = accepted.inbound
        address = Address(CHANNEL, inbound.platform_user_id, inbound.thread_key, accepted.conversation_id)
        result = await self._router.answer(accepted)
        try:
            if result.queued:
                await self._outbox.deliver(accepted.conversation_id)
            else:
                await self._outbox.send(address, result.replies)
        except Forbidden:
            logger.warning(
                "Telegram refused a message to conversation %s (the bot was blocked or removed)",
                accepted.conversation_id,
            )

    async def _answer_query(self, incoming: Incoming, notice: Optional[str] = None) -> None:
        """Stop the button's spinner (answerCallbackQuery); a query Telegram forgot is not worth failing for."""
        if incoming.callback_query_id is None:
            return
        try:
            await self.bot.answer_callback_query(incoming.callback_query_id, text=notice)
        except TelegramError as error:
            logger.warning("Could not answer a Telegram button tap: %s", type(error).__name__)

    def _quiet_library_logs(self) -> int:
        """Keep the token and people's words out of the logs; returns PTB's log level to restore at `close`.

        httpx logs every request's URL at INFO (the token is in it); PTB logs the URL and every
        request's parameters (message texts) at DEBUG.
        """
        logging.getLogger("httpx").addFilter(self._hide_token)
        library = logging.getLogger("telegram")
        level = library.level
        if library.getEffectiveLevel() < logging.INFO:
            library.setLevel(logging.INFO)
        return level

    async def open(self, webhook: bool) -> None:
        """Connect PTB's HTTP client, check the token (getMe) and, for a webhook, that Telegram knows it.

        Problems are logged, not fatal: the rest of the gateway keeps working.
        """
        try:
            await self.bot.initialize()
            logger.info("Telegram: connected as @%s", self.bot.username)
            info = await self.bot.get_webhook_info() if webhook else None
        except InvalidToken:  # PTB's message would repeat the token
            logger.error("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather")
            return
        except TelegramError as error:
            logger.error("Could not reach Telegram at start-up (%s); will try again when needed", type(error).__name__)
            return
        if info is not None and not info.url:
            logger.warning("Telegram has no webhook for this bot; register one: trialbot telegram set-webhook URL")
        elif info is not None and info.last_error_message:
            logger.warning("Telegram reports a problem with the webhook: %s", info.last_error_message)

    def start_polling(self) -> None:
        """Receive updates with getUpdates in a background task (stopped by `close`)."""
        self._polling = asyncio.get_running_loop().create_task(self._poll(), name="telegram-polling")

    async def _poll(self) -> None:
        offset: Optional[int] = None
        failures = 0
        webhook_removed = False
        while True:
            try:
                if not webhook_removed:  # Telegram refuses getUpdates while a webhook is set
                    await self.bot.delete_webhook()
                    webhook_removed = True
                    logger.info("Telegram: polling for updates")
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_SECONDS, allowed_updates=list(ALLOWED_UPDATES)
                )
                for update in updates:
                    await self.handle(update)
                    offset = update.update_id + 1
                failures = 0
            except InvalidToken:
                logger.error("Telegram rejected TELEGRAM_BOT_TOKEN; polling stopped")
                return
            except Exception as error:  # network, Telegram or database trouble: back off, then fetch again
                failures += 1
                delay = min(2.0**failures, 60.0)
                logger.warning("Telegram polling failed (%s); retrying in %.0f s", type(error).__name__, delay)
                await asyncio.sleep(delay)

    async def close(self) -> None:
        """Stop polling, let running answers finish, then close PTB's HTTP client."""
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        await self._outbox.drain()
        await self.bot.shutdown()
        logging.getLogger("httpx").removeFilter(self._hide_token)
        logging.getLogger("telegram").setLevel(self._telegram_log_level)


async def webhook(request: Request) -> Response:
    """POST /telegram/webhook: Telegram's updates, verified by the secret token header, stored, then 200."""
    channel: Optional[TelegramChannel] = getattr(request.app.state, "telegram", None)
    if channel is None:
        return PlainTextResponse("Telegram is not started", status_code=503)
    if not channel.verify(request.headers.get(SECRET_HEADER)):
        return PlainTextResponse("Forbidden", status_code=403)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return PlainTextResponse("Request too large", status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return PlainTextResponse("Request too large", status_code=413)
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        incoming = channel.read(Update.de_json(data, channel.bot))
    except Exception:  # PTB and `parse` raise various errors for malformed updates; none is ours to crash on
        return PlainTextResponse("Not a Telegram update", status_code=400)
    try:
        await channel.accept(incoming)
    except Exception:  # not stored (the database is unavailable...): Telegram delivers the update again later
        logger.exception("Could not store a Telegram update; answering 503 so Telegram delivers it again")
        return PlainTextResponse("Could not store the update; please retry", status_code=503)
    return Response(status_code=200)


def routes(settings: Settings) -> List[BaseRoute]:
    """POST /telegram/webhook when a token is set in webhook mode (polling needs no route)."""
    if settings.telegram_bot_token is None or settings.telegram_mode != "webhook":
        return []
    return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]


async def start(app: Starlette) -> None:
    """Build the bot, register the Telegram sender, check the token, and start polling when configured."""
    settings: Settings = app.state.settings
    if settings.telegram_bot_token is None:
        return
    channel = TelegramChannel(settings, app.state.router, app.state.outbox)
    app.state.telegram = channel
    app.state.outbox.register(CHANNEL, channel.sender)
    await channel.open(webhook=settings.telegram_mode == "webhook")
    if settings.telegram_mode == "polling":
        channel.start_polling()


async def stop(app: Starlette) -> None:
    """Stop polling and close the bot's HTTP client once running answers are delivered."""
    channel: Optional[TelegramChannel] = getattr(app.state, "telegram", None)
    if channel is not None:
        await channel.close()
