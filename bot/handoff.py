"""The conversation-owner state machine (BOT → WAITING → WITH_COORDINATOR → BOT, or CLOSED).

This module is the only code that changes a conversation's status; every change is recorded
as a `Handoff` row with who made it, when and why.
"""

from __future__ import annotations

from typing import Dict, FrozenSet

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Conversation, ConversationStatus, Handoff

S = ConversationStatus

ALLOWED: Dict[ConversationStatus, FrozenSet[ConversationStatus]] = {
    S.BOT: frozenset({S.WAITING, S.WITH_COORDINATOR, S.CLOSED}),
    S.WAITING: frozenset({S.WITH_COORDINATOR, S.BOT, S.CLOSED}),
    S.WITH_COORDINATOR: frozenset({S.BOT, S.CLOSED}),
    S.CLOSED: frozenset(),
}


class HandoffError(Exception):
    """A status change the state machine does not allow."""


def bot_owns(conversation: Conversation) -> bool:
    """Whether the bot model may see and answer this conversation's messages."""
    return ConversationStatus(conversation.status) is S.BOT


async def transition(
    session: AsyncSession,
    conversation: Conversation,
    to_status: ConversationStatus,
    *,
    actor: str,
    reason: str = "",
) -> Handoff:
    """Move a conversation to `to_status`, recording the step; the caller commits."""
    from_status = ConversationStatus(conversation.status)
    if to_status not in ALLOWED[from_status]:
        raise HandoffError(f"cannot go from {from_status.value} to {to_status.value}")
    conversation.status = to_status.value
    record = Handoff(
        conversation_id=conversation.id,
        from_status=from_status.value,
        to_status=to_status.value,
        actor=actor,
        reason=reason,
    )
    session.add(record)
    await session.flush()
    return record
