"""Telegram's part of the gateway (routes, start, stop), loading python-telegram-bot only when TELEGRAM_BOT_TOKEN
is set: a gateway without Telegram does not carry the library (`channels/telegram/adapter.py` does the work)."""

from __future__ import annotations

from channels.lazy import LazyChannel

CHANNEL = LazyChannel("channels.telegram.adapter", "telegram", lambda s: s.telegram_bot_token is not None)
routes, start, stop = CHANNEL.routes, CHANNEL.start, CHANNEL.stop
