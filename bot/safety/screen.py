"""The safety screen: whether a message needs the crisis lines or emergency advice before anything else.

Every caller asks here, so the order is decided once: a crisis (suicide, self-harm) first, then a
medical emergency. The router screens every stored message, whatever its kind (a photo's caption
too) and whoever owns the conversation; Slack's "no private place to answer" path screens the
message it cannot store.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

from bot.messages import Reply
from bot.safety import crisis, emergency


class Finding(Enum):
    """What the screen found in a message."""

    CRISIS = "crisis"
    EMERGENCY = "emergency"


def screen(text: str) -> Optional[Finding]:
    """A crisis, else an emergency, else None (the message goes on to the rest of the pipeline)."""
    if crisis.is_crisis(text):
        return Finding.CRISIS
    if emergency.is_emergency(text):
        return Finding.EMERGENCY
    return None


def first_reply(finding: Finding) -> Reply:
    """What the person is told at once: the crisis lines, or 911 and the care team."""
    return crisis.resources() if finding is Finding.CRISIS else emergency.advice()
