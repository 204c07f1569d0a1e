"""Slack's part of the gateway (routes, start, stop), loading slack_bolt and slack_sdk only when a Slack token is
set: a gateway without Slack does not carry the libraries (`channels/slack/adapter.py` does the work, and says
when a setup is half done)."""

from __future__ import annotations

from typing import List

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.config import Settings


def configured(settings: Settings) -> bool:
    """Whether any Slack variable is set (the adapter checks that they fit together)."""
    return any(
        v is not None for v in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    )


def routes(settings: Settings) -> List[BaseRoute]:
    """The adapter's routes when Slack is configured."""
    if not configured(settings):
        return []
    from channels.slack import adapter

    return adapter.routes(settings)


async def start(app: Starlette) -> None:
    """Start the adapter when Slack is configured."""
    if not configured(app.state.settings):
        return
    from channels.slack import adapter

    await adapter.start(app)


async def stop(app: Starlette) -> None:
    """Stop the adapter if it was started."""
    if getattr(app.state, "slack", None) is None:
        return
    from channels.slack import adapter

    await adapter.stop(app)
