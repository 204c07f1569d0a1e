"""Replies as Slack messages: mrkdwn-escaped text, and Block Kit buttons within Slack's limits."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from bot.messages import Button, Reply

MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_SECTION_TEXT = 3000
MAX_BUTTONS_PER_BLOCK = 25
ACTION_ID = "trialbot_button_{index}"

logger = logging.getLogger(__name__)


def escape(text: str) -> str:
    """Slack's required escaping of the three control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """Text of at most `limit` characters, cut at a word boundary with an ellipsis when it is longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _chunks(text: str, limit: int) -> List[str]:
    """Text split into pieces of at most `limit` characters, at line breaks where possible."""
    pieces: List[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    if text:
        pieces.append(text)
    return pieces


def _button(index: int, button: Button) -> Dict[str, Any]:
    return {
        "type": "button",
        "action_id": ACTION_ID.format(index=index),
        "text": {"type": "plain_text", "text": shorten(button.title, MAX_BUTTON_TEXT) or "…", "emoji": True},
        "value": button.payload,
    }


def render(reply: Reply) -> Dict[str, Any]:
    """chat.postMessage arguments for one reply: `text`, plus `blocks` (section + actions) when it has buttons."""
    text = escape(reply.text)
    buttons = [b for b in reply.buttons if len(b.payload) <= MAX_BUTTON_VALUE]
    if len(buttons) < len(reply.buttons):
        logger.warning("Left out %d button(s) whose payload is over Slack's limit", len(reply.buttons) - len(buttons))
    if not buttons:
        return {"text": text}
    blocks: List[Dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in _chunks(text, MAX_SECTION_TEXT)
    ]
    for start in range(0, len(buttons), MAX_BUTTONS_PER_BLOCK):
        group = buttons[start : start + MAX_BUTTONS_PER_BLOCK]
        blocks.append(
            {
                "type": "actions",
                "block_id": f"trialbot_buttons_{start // MAX_BUTTONS_PER_BLOCK}",
                "elements": [_button(start + i, b) for i, b in enumerate(group)],
            }
        )
    fallback = text or escape(", ".join(b.title for b in buttons))
    return {"text": fallback, "blocks": blocks}
