"""The conversation-owner state machine (BOT → WAITING → WITH_COORDINATOR → BOT, or CLOSED).

This module is the only code that changes a conversation's status; every change is recorded
as a `Handoff` row with who made it, when and why. The queue (priority, waiting time, when to
offer the person a way back to the bot) is kept here too, because it changes with the status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff.office_hours import OfficeHours
from bot.store.models import Conversation, ConversationStatus, Handoff, Priority, utcnow

S = ConversationStatus

ALLOWED: Dict[ConversationStatus, FrozenSet[ConversationStatus]] = {
    S.BOT: frozenset({S.WAITING, S.WITH_COORDINATOR, S.CLOSED}),
    S.WAITING: frozenset({S.WITH_COORDINATOR, S.BOT, S.CLOSED}),
    S.WITH_COORDINATOR: frozenset({S.BOT, S.CLOSED}),
    S.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class QueuePolicy:
    """How the queue treats people: office hours, how long before offering the way back to the bot,
    and how often a waiting person who keeps writing is reassured."""

    office_hours: OfficeHours = field(default_factory=lambda: OfficeHours.parse("always", "UTC"))
    wait: timedelta = timedelta(minutes=10)
    remind_every: timedelta = timedelta(minutes=5)


PARTICIPANT = "participant"
SYSTEM = "system"


class HandoffError(Exception):
    """A status change the state machine does not allow."""


def bot_owns(conversation: Conversation) -> bool:
    """Whether the bot model may see and answer this conversation's messages."""
    return ConversationStatus(conversation.status) is S.BOT


def coordinator_actor(coordinator_id: int) -> str:
    """How a coordinator is named in handoff records."""
    return f"coordinator:{coordinator_id}"


async def transition(
    session: AsyncSession,
    conversation: Conversation,
    to_status: ConversationStatus,
    *,
    actor: str,
    reason: str = "",
    assignee_id: Optional[int] = None,
    wait: Optional[timedelta] = None,
) -> Handoff:
    """Move a conversation to `to_status`, recording the step and keeping the queue fields right.

    Entering WAITING starts the wait (and schedules the "keep waiting or back to the bot?" offer
    after `wait`); WITH_COORDINATOR sets the assignee; BOT and CLOSED clear the queue fields.
    The caller commits.
    """
    from_status = ConversationStatus(conversation.status)
    if to_status not in ALLOWED[from_status]:
        raise HandoffError(f"cannot go from {from_status.value} to {to_status.value}")
    now = utcnow()
    conversation.status = to_status.value
    if to_status is S.WAITING:
        conversation.waiting_since = now
        conversation.offer_due_at = now + wait if wait is not None else None
    elif to_status is S.WITH_COORDINATOR:
        if assignee_id is None:
            raise HandoffError("a coordinator must be named to take a conversation")
        conversation.assignee_id = assignee_id
        conversation.waiting_since = None
        conversation.offer_due_at = None
    else:
        conversation.assignee_id = None
        conversation.waiting_since = None
        conversation.offer_due_at = None
        conversation.priority = Priority.NORMAL.value
    record = Handoff(
        conversation_id=conversation.id,
        from_status=from_status.value,
        to_status=to_status.value,
        actor=actor[:64],
        reason=reason[:255],
    )
    session.add(record)
    await session.flush()
    return record


async def request_person(
    session: AsyncSession,
    conversation: Conversation,
    *,
    reason: str,
    priority: Priority = Priority.NORMAL,
    wait: Optional[timedelta] = None,
    actor: str = PARTICIPANT,
) -> bool:
    """Put the conversation in the coordinators' queue; True if it was not already waiting for or with a person.

    An urgent request raises the priority of a conversation that is already waiting.
    """
    status = ConversationStatus(conversation.status)
    if priority is Priority.URGENT:
        conversation.priority = Priority.URGENT.value
    if status is S.BOT:
        await transition(session, conversation, S.WAITING, actor=actor, reason=reason, wait=wait)
        conversation.priority = priority.value
        return True
    if status is S.CLOSED:
        raise HandoffError("a closed conversation cannot be queued")
    await session.flush()
    return False


async def take(session: AsyncSession, conversation: Conversation, coordinator_id: int) -> Handoff:
    """A coordinator takes the conversation, from the queue or straight from the bot."""
    return await transition(
        session,
        conversation,
        S.WITH_COORDINATOR,
        actor=coordinator_actor(coordinator_id),
        reason="taken from the console",
        assignee_id=coordinator_id,
    )


async def hand_back(session: AsyncSession, conversation: Conversation, actor: str, reason: str) -> Handoff:
    """The bot answers again (a coordinator handed back, or the person chose not to wait)."""
    return await transition(session, conversation, S.BOT, actor=actor, reason=reason)


async def close(session: AsyncSession, conversation: Conversation, actor: str) -> Handoff:
    """The conversation is over; the person's next message starts a new one."""
    return await transition(session, conversation, S.CLOSED, actor=actor, reason="closed")


async def keep_waiting(session: AsyncSession, conversation: Conversation, wait: timedelta) -> None:
    """The person keeps their place in the queue; offer the way back again after `wait`."""
    if ConversationStatus(conversation.status) is S.WAITING:
        conversation.offer_due_at = utcnow() + wait
        await session.flush()


def _queue_order() -> Tuple[Any, ...]:
    urgent_first = (Conversation.priority == Priority.URGENT.value).desc()
    return (urgent_first, Conversation.waiting_since, Conversation.id)


async def queue(session: AsyncSession) -> List[Conversation]:
    """Conversations waiting for a person: urgent first, then longest waiting first."""
    result = await session.execute(
        select(Conversation).where(Conversation.status == S.WAITING.value).order_by(*_queue_order())
    )
    return list(result.scalars())


async def queue_position(session: AsyncSession, conversation: Conversation) -> Optional[int]:
    """1 for the next conversation a coordinator will take; None when it is not waiting."""
    if ConversationStatus(conversation.status) is not S.WAITING or conversation.waiting_since is None:
        return None
    earlier_same_priority = and_(
        Conversation.priority == conversation.priority,
        or_(
            Conversation.waiting_since < conversation.waiting_since,
            and_(Conversation.waiting_since == conversation.waiting_since, Conversation.id < conversation.id),
        ),
    )
    before = [earlier_same_priority]
    if conversation.priority != Priority.URGENT.value:
        before.append(Conversation.priority == Priority.URGENT.value)
    ahead_of_it = and_(Conversation.status == S.WAITING.value, Conversation.id != conversation.id, or_(*before))
    ahead = await session.scalar(select(func.count()).select_from(Conversation).where(ahead_of_it))
    return int(ahead or 0) + 1


async def offers_due(session: AsyncSession, now: Optional[datetime] = None) -> List[Conversation]:
    """Waiting conversations whose person should now be offered to go back to the bot or keep waiting."""
    result = await session.execute(
        select(Conversation).where(
            Conversation.status == S.WAITING.value,
            Conversation.offer_due_at.is_not(None),
            Conversation.offer_due_at <= (now or utcnow()),
        )
    )
    return list(result.scalars())


async def offer_made(session: AsyncSession, conversation: Conversation) -> None:
    """The offer was sent: don't send it again unless the person chooses to keep waiting."""
    conversation.offer_due_at = None
    await session.flush()
