"""Slack safety rule: in a shared conversation the bot never repeats a person's words; it moves to their DM.

A mention of the app in a channel, a private channel, a group DM (`mpim`) or a Slack Connect channel is
answered in the person's direct message with the app (opened with `conversations.open`, which needs the
bot scope `im:write`). In the channel the bot posts one neutral notice in the message's thread: a greeting
by @-mention and where the answer went, nothing from the message and no health words. When the DM cannot
be opened, the notice only asks the person to message the app directly, and nothing is answered there —
except a crisis message (suicide, self-harm), whose 988 and 911 lines go to the person alone as an
ephemeral message (`chat.postEphemeral`, seen by nobody else in the channel).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from typing import Any, Optional

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

OPEN_TIMEOUT_SECONDS = 2.0  # conversations.open runs before Slack's 3-second acknowledgement
REMEMBERED = 10_000  # DM channel ids (one per person) and already-asked messages kept in memory

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

logger = logging.getLogger(__name__)


def _hello(user_id: str) -> str:
    return f"Hi <@{user_id}>!" if _USER_ID.match(user_id) else "Hi!"


def moved_notice(user_id: str) -> str:
    """The channel notice when the answer goes to the person's DM (no words of theirs, no health words)."""
    return (
        f"{_hello(user_id)} I'll reply in a direct message so we can talk privately. "
        "(You can delete your message here if you'd rather it weren't in the channel.)"
    )


def dm_me_notice(user_id: str) -> str:
    """The channel notice when no DM could be opened: ask the person to write to the app themselves."""
    return (
        f"{_hello(user_id)} So we can talk privately, please send me a direct message: "
        "you'll find me under Apps in Slack. "
        "(You can delete your message here if you'd rather it weren't in the channel.)"
    )


def _reason(error: BaseException) -> str:
    """What went wrong, without anything a person wrote or who they are."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__


class PrivateReplies:
    """Opens (and remembers) people's DMs with the app, and posts the neutral notices in channel threads."""

    def __init__(self, client: AsyncWebClient, open_timeout: float = OPEN_TIMEOUT_SECONDS) -> None:
        self._client = client
        self._open_timeout = open_timeout
        self._direct: OrderedDict[str, str] = OrderedDict()
        self._asked: OrderedDict[str, None] = OrderedDict()

    async def direct_channel(self, user_id: str) -> Optional[str]:
        """The id of the person's DM with the app (`D…`), or None when Slack would not open it (logged)."""
        known = self._direct.get(user_id)
        if known is not None:
            self._direct.move_to_end(user_id)
            return known
        try:
            response = await asyncio.wait_for(self._client.conversations_open(users=user_id), self._open_timeout)
            channel = (response.get("channel") or {}).get("id")
        except Exception as error:  # Slack said no, or could not be reached in time: ask for a DM instead
            reason = _reason(error)
            hint = " (add the bot scope im:write and reinstall the app)" if reason == "missing_scope" else ""
            logger.error("Slack: could not open a direct message (%s)%s", reason, hint)
            return None
        if not isinstance(channel, str) or not channel:
            logger.error("Slack: conversations.open returned no channel id")
            return None
        _remember(self._direct, user_id, channel)
        return channel

    def first_ask(self, platform_message_id: Optional[str]) -> bool:
        """Whether this message has not had its "please DM me" notice yet (Slack retries the same event)."""
        if platform_message_id is None:
            return True
        if platform_message_id in self._asked:
            return False
        _remember(self._asked, platform_message_id, None)
        return True

    async def tell_moved(self, channel: str, thread_ts: Optional[str], user_id: str) -> None:
        """Post the "I'll reply in a direct message" notice in the thread."""
        await self._post(channel, thread_ts, moved_notice(user_id))

    async def ask_for_a_dm(
        self, channel: str, thread_ts: Optional[str], user_id: str, urgent: Optional[str] = None
    ) -> None:
        """Post the "please send me a direct message" notice in the thread; `urgent` lines (a crisis or
        emergency answer) first, as an ephemeral message only the person sees."""
        if urgent is not None:
            try:
                await self._client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts, text=urgent)
            except Exception as error:  # the notice below still goes out
                logger.error("Slack: could not post the private urgent lines (%s)", _reason(error))
        await self._post(channel, thread_ts, dm_me_notice(user_id))

    async def _post(self, channel: str, thread_ts: Optional[str], text: str) -> None:
        try:
            await self._client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text, unfurl_links=False, unfurl_media=False
            )
        except Exception as error:  # the notice is a courtesy: the answer in the DM still goes out
            logger.error("Slack: could not post the notice in the channel (%s)", _reason(error))


def _remember(memory: OrderedDict[str, Any], key: str, value: Any) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > REMEMBERED:
        memory.popitem(last=False)
