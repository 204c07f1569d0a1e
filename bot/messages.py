"""The internal message vocabulary every channel translates to and from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Button:
    """A quick reply: what the person sees (`title`) and what is sent back (`payload`)."""

    title: str
    payload: str


class InboundKind(Enum):
    """Words, or something else (a photo, sticker, voice note, file) with at most a caption as `text`."""

    TEXT = "text"
    MEDIA = "media"

    @classmethod
    def of_stored(cls, text: str) -> InboundKind:
        """The kind of a stored message, from how channels write media in the transcript ("[photo] …")."""
        return cls.MEDIA if _MEDIA_LABEL.match(text) else cls.TEXT


_MEDIA_LABEL = re.compile(r"^\[[a-z_]+\](?: |$)")


@dataclass(frozen=True)
class InboundMessage:
    """Something a person wrote, parsed out of one platform's payload.

    For media, `text` is what the transcript shows ("[photo] its caption"): the safety screen reads
    it, the model never does.
    """

    channel: str
    platform_user_id: str
    text: str
    platform_message_id: Optional[str] = None
    thread_key: str = ""
    display_name: Optional[str] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    kind: InboundKind = InboundKind.TEXT


@dataclass(frozen=True)
class Reply:
    """Something to send to the person; each channel renders it its own way.

    `author` is "bot" or "coordinator" (a person from the team), for channels that label messages.
    `stored_id` is the stored message's id when the outbox delivers it (the web chat shows a reply
    that reaches a tab twice only once); neither it nor `answers` is part of what a reply is.
    """

    text: str
    buttons: Tuple[Button, ...] = ()
    author: str = "bot"
    stored_id: Optional[int] = field(default=None, compare=False)
    answers: Optional[str] = field(default=None, compare=False)
    """The platform's id of the person's message this reply answers, when the outbox delivers it."""

    @classmethod
    def from_rasa(cls, message: Mapping[str, Any]) -> Reply:
        """Build a reply from one of Rasa's bot messages (`text`, `buttons`)."""
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", b.get("title", ""))))
            for b in message.get("buttons") or ()
        )
        return cls(text=str(message.get("text") or ""), buttons=buttons)


@dataclass(frozen=True)
class RouterResult:
    """What the router did with one inbound message."""

    conversation_id: str
    replies: Tuple[Reply, ...]
    duplicate: bool = False
    queued: bool = False
    """The replies are stored in the outbox: the channel delivers them with `Outbox.deliver`
    (otherwise, as for the last words of delete-my-data, which are not stored, with `Outbox.send`)."""
