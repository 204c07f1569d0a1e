"""Slack's part of the gateway (routes, start, stop), loading slack_bolt and slack_sdk only when a Slack token is
set: a gateway without Slack does not carry the libraries (`channels/slack/adapter.py` does the work, and says
when a setup is half done)."""

from __future__ import annotations

from bot.config import Settings
from channels.lazy import LazyChannel


def configured(settings: Settings) -> bool:
    """Whether any Slack variable is set (the adapter checks that they fit together)."""
    return any(
        v is not None for v in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    )


CHANNEL = LazyChannel("channels.slack.adapter", "slack", configured)
routes, start, stop = CHANNEL.routes, CHANNEL.start, CHANNEL.stop
