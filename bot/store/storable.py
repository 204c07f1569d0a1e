"""Text as every supported database can store it, applied where people's words come in.

PostgreSQL refuses the NUL character in text columns (SQLite keeps it), and neither database can
store an unpaired UTF-16 surrogate, which only a JSON escape such as "\\ud800" can produce (a
browser's textarea, Telegram and Slack never send one). So NUL characters are removed and unpaired
surrogates become U+FFFD, the replacement character; everything else (other control characters,
emoji, right-to-left marks, HTML, quotes) is kept exactly as written. The router applies this to
every inbound message before storing it, so the stored text, the model's input and the answer all
see the same words; the console applies it to what coordinators type.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Optional

from bot.messages import InboundMessage

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def text(value: str) -> str:
    """`value` without NUL characters and with unpaired surrogates replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    return _SURROGATE.sub(REPLACEMENT, value)


def optional(value: Optional[str]) -> Optional[str]:
    """`text` for a value that may be missing."""
    return None if value is None else text(value)


def inbound(message: InboundMessage) -> InboundMessage:
    """The message with every text field storable (the same object when nothing needed to change)."""
    cleaned = dataclasses.replace(
        message,
        platform_user_id=text(message.platform_user_id),
        text=text(message.text),
        platform_message_id=optional(message.platform_message_id),
        thread_key=text(message.thread_key),
        display_name=optional(message.display_name),
    )
    return message if cleaned == message else cleaned
