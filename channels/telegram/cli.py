"""The `telegram` command group: register the gateway's webhook with Telegram (`set-webhook URL`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from urllib.parse import urlsplit, urlunsplit

from bot.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `telegram set-webhook URL` to a parser's subcommands (reads `args.settings`)."""
    telegram = subparsers.add_parser("telegram", help="connect the Telegram bot")
    commands = telegram.add_subparsers(dest="telegram_command", metavar="COMMAND", required=True)
    webhook = commands.add_parser(
        "set-webhook",
        help="tell Telegram to send updates to this gateway (with TELEGRAM_WEBHOOK_SECRET)",
        description="URL is the gateway's public HTTPS address; /telegram/webhook is added when it has no path.",
    )
    webhook.add_argument("url", help="e.g. https://bot.example.org (becomes https://bot.example.org/telegram/webhook)")
    webhook.add_argument(
        "--drop-pending-updates", action="store_true", help="forget updates Telegram is still holding for the bot"
    )
    webhook.set_defaults(func=handle_set_webhook)


def webhook_url(url: str) -> str:
    """The URL to register: the webhook path is added to a bare host."""
    from channels.telegram.adapter import WEBHOOK_PATH

    parts = urlsplit(url.strip())
    if parts.path in ("", "/"):
        parts = parts._replace(path=WEBHOOK_PATH)
    return urlunsplit(parts)


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def handle_set_webhook(args: argparse.Namespace) -> int:
    """Call setWebhook with the secret token and the update types trialbot reads."""
    settings: Settings = args.settings
    if settings.telegram_bot_token is None:
        return _fail("TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather first.", 2)
    if settings.telegram_webhook_secret is None:
        return _fail("TELEGRAM_WEBHOOK_SECRET is not set. Make one with: openssl rand -hex 32", 2)
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    from channels.telegram.adapter import ALLOWED_UPDATES, build_bot

    url = webhook_url(args.url)

    async def set_webhook() -> None:
        async with build_bot(settings) as bot:
            await bot.set_webhook(
                url=url,
                secret_token=str(settings.telegram_webhook_secret),
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=args.drop_pending_updates or None,
            )

    try:
        asyncio.run(set_webhook())
    except InvalidToken:  # PTB's own message would repeat the token
        return _fail("Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather.")
    except BadRequest as error:  # a subclass of NetworkError, so it is caught first
        return _fail(f"Telegram refused the webhook: {error.message}")
    except NetworkError as error:
        return _fail(f"Could not reach Telegram ({type(error).__name__}). Check your connection.")
    except TelegramError as error:
        return _fail(f"Telegram refused the webhook: {error.message}")
    print(f"Telegram will now send updates to {url}")
    return 0
