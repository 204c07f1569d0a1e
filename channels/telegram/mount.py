"""Telegram's part of the gateway (routes, start, stop), loading python-telegram-bot only when TELEGRAM_BOT_TOKEN
is set: a gateway without Telegram does not carry the library (`channels/telegram/adapter.py` does the work)."""

from __future__ import annotations

from typing import List

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.config import Settings


def routes(settings: Settings) -> List[BaseRoute]:
    """The adapter's routes when Telegram is configured."""
    if settings.telegram_bot_token is None:
        return []
    from channels.telegram import adapter

    return adapter.routes(settings)


async def start(app: Starlette) -> None:
    """Start the adapter when Telegram is configured."""
    if app.state.settings.telegram_bot_token is None:
        return
    from channels.telegram import adapter

    await adapter.start(app)


async def stop(app: Starlette) -> None:
    """Stop the adapter if it was started."""
    if getattr(app.state, "telegram", None) is None:
        return
    from channels.telegram import adapter

    await adapter.stop(app)
