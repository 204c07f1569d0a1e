"""Honesty: the first message of every conversation says that trialbot is automated.

The router adds `DISCLOSURE` in front of the bot's first replies in a conversation, unless the first
reply already says so (the greeting does). After a crisis or an emergency message, the safety lines
stay first and the disclosure follows them. Nothing the bot says claims to be a person.
"""

from __future__ import annotations

from typing import List, Sequence

from bot.messages import Reply

MARK = "automated assistant"
DISCLOSURE = Reply(
    text="Hi! I'm trialbot, an automated assistant (not a person) that answers questions about cancer clinical trials."
)
AFTER_SAFETY = Reply(text="I'm trialbot, an automated assistant (not a person).")
"""After the 988 or 911 lines a cheerful "Hi!" would jar: the same fact, said quietly."""


def introduce(replies: Sequence[Reply], safety_first: bool = False) -> List[Reply]:
    """The bot's first replies in a conversation, with the disclosure where it belongs (once)."""
    if not replies or any(MARK in reply.text for reply in replies):
        return list(replies)
    if safety_first:
        return [*replies[:1], AFTER_SAFETY, *replies[1:]]
    return [DISCLOSURE, *replies]
