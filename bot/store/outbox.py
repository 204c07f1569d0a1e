"""The outbox table: every message to a person, stored with its delivery state before it is sent.

A message to a person (the bot's reply, a coordinator's words, the satisfaction question, an alert) is
written to `messages` and, in the same transaction, to `outbox` as `pending`. A process that wants to
send it first *claims* it: one conditional UPDATE turns it `sending` until `claimed_until`, and only
the process whose UPDATE changed the row sends it, so two processes never send it at once. Then the
row is `sent`, `waiting` (the web chat had no open tab), `pending` again with a later
`next_attempt_at` (the platform failed for now), or `failed` with its reason. A claim whose process
died runs out at `claimed_until` and the row can be claimed again (after a restart, by the new
process).

Order: only a conversation's *head* — its oldest `pending` or `sending` row — may be claimed, so a
reply never overtakes an earlier one, even when the earlier one waits for a retry. Rows that are
`sent`, `waiting` or `failed` no longer hold the conversation up, and neither does a row scheduled
for later that was never tried (an alert waiting for the end of the person's quiet hours).

The REST channel answers in its HTTP response and has no outbox rows (`ANSWERED_IN_RESPONSE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy import DateTime, Integer, String, and_, delete, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import (
    ChannelIdentity,
    Conversation,
    DeliveryState,
    Direction,
    Message,
    MessageKind,
    OutboxEntry,
    utcnow,
)

ANSWERED_IN_RESPONSE = frozenset({"rest"})
"""Channels whose replies go back in the request's own response, not through the outbox."""

MAX_REASON_CHARS = 255
_OPEN = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)


@dataclass(frozen=True)
class Claimed:
    """A claimed row: what to send (the stored message) and where (the conversation's channel and person)."""

    entry_id: int
    message_id: int
    conversation_id: str
    attempts: int
    """Tries so far, this one included."""
    channel: str
    platform_user_id: str
    thread_key: str
    text: str
    buttons: Sequence[dict]
    author: str
    answers: Optional[str]
    """The platform's id of the message this one answers, if it answers one."""


def delivered_later(channel: str) -> bool:
    """Whether `channel`'s messages go through the outbox."""
    return channel not in ANSWERED_IN_RESPONSE


async def enqueue_replies(session: AsyncSession, channel: str, in_reply_to_id: int) -> None:
    """Queue the stored replies to one inbound message (one INSERT … SELECT, in the caller's transaction)."""
    if not delivered_later(channel):
        return
    now = utcnow()
    replies = select(
        Message.id,
        Message.conversation_id,
        literal(DeliveryState.PENDING.value, String()),
        literal(0, Integer()),
        literal(now, DateTime(timezone=True)),
        literal("", String()),
        literal(now, DateTime(timezone=True)),
    ).where(
        Message.in_reply_to_id == in_reply_to_id,
        Message.direction == Direction.OUTBOUND.value,
        Message.kind == MessageKind.TEXT.value,
    )
    columns = ["message_id", "conversation_id", "state", "attempts", "next_attempt_at", "reason", "created_at"]
    await session.execute(insert(OutboxEntry.__table__).from_select(columns, replies.order_by(Message.id)))


async def enqueue(session: AsyncSession, messages: Sequence[Message]) -> None:
    """Queue stored (flushed) messages that answer no one message: a coordinator's, an alert…"""
    now = utcnow()
    rows = [
        {
            "message_id": m.id,
            "conversation_id": m.conversation_id,
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "reason": "",
            "created_at": now,
        }
        for m in messages
        if m.kind == MessageKind.TEXT.value and delivered_later(m.channel)
    ]
    if rows:
        await session.execute(insert(OutboxEntry.__table__), rows)


def _holds_the_line(now: datetime):  # type: ignore[no-untyped-def]
    """Open rows that keep later ones waiting: all but a row scheduled for later and never tried (an alert
    held back by the person's quiet hours must not hold back the answers to what they write meanwhile)."""
    scheduled = and_(
        OutboxEntry.state == DeliveryState.PENDING.value, OutboxEntry.attempts == 0, OutboxEntry.next_attempt_at > now
    )
    return and_(OutboxEntry.state.in_(_OPEN), ~scheduled)


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboxEntry.state == DeliveryState.PENDING.value, OutboxEntry.next_attempt_at <= now),
        and_(OutboxEntry.state == DeliveryState.SENDING.value, OutboxEntry.claimed_until < now),
    )


async def due_conversations(session: AsyncSession, now: datetime, limit: int = 500) -> List[str]:
    """Conversations whose head row may be claimed now (oldest first)."""
    heads = select(func.min(OutboxEntry.id)).where(_holds_the_line(now)).group_by(OutboxEntry.conversation_id)
    result = await session.execute(
        select(OutboxEntry.conversation_id)
        .where(OutboxEntry.id.in_(heads), _claimable(now))
        .order_by(OutboxEntry.id)
        .limit(limit)
    )
    return list(result.scalars())


async def claim_head(
    session: AsyncSession, conversation_id: str, now: datetime, lease: timedelta, after: int = 0
) -> Optional[Claimed]:
    """Claim the conversation's head row if it is due (None: nothing due, or another process has it).

    With `after` (a row the caller has claimed), the next open row after it: a caller that sends
    several rows at once claims them one after the other. Commits the claim before returning, so it
    holds whatever the caller does next.
    """
    head = (
        await session.execute(
            select(func.min(OutboxEntry.id)).where(
                OutboxEntry.conversation_id == conversation_id, _holds_the_line(now), OutboxEntry.id > after
            )
        )
    ).scalar()
    if head is None:
        return None
    claimed = await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == head, _claimable(now))
        .values(
            state=DeliveryState.SENDING.value,
            claimed_until=now + lease,
            attempts=OutboxEntry.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if claimed.rowcount != 1:
        return None
    row = (
        await session.execute(
            select(OutboxEntry, Message, Conversation.thread_key, ChannelIdentity.platform_user_id)
            .join(Message, Message.id == OutboxEntry.message_id)
            .join(Conversation, Conversation.id == OutboxEntry.conversation_id)
            .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
            .where(OutboxEntry.id == head)
        )
    ).one()
    entry, message, thread_key, platform_user_id = row
    answers = None
    if message.in_reply_to_id is not None:
        answers = (
            await session.execute(select(Message.platform_message_id).where(Message.id == message.in_reply_to_id))
        ).scalar()
    return Claimed(
        entry_id=entry.id,
        message_id=message.id,
        conversation_id=conversation_id,
        attempts=entry.attempts,
        channel=message.channel,
        platform_user_id=platform_user_id,
        thread_key=thread_key,
        text=message.text,
        buttons=tuple(message.buttons or ()),
        author=message.author,
        answers=answers,
    )


async def _finish(session: AsyncSession, entry_id: int, **values: object) -> None:
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id, OutboxEntry.state == DeliveryState.SENDING.value)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def mark_sent(session: AsyncSession, entry_id: int) -> None:
    """The platform took it."""
    await _finish(session, entry_id, state=DeliveryState.SENT.value, sent_at=utcnow(), reason="")


async def mark_waiting(session: AsyncSession, entry_id: int) -> None:
    """Nobody to show it to now (a closed web chat): it is shown when the person comes back."""
    await _finish(session, entry_id, state=DeliveryState.WAITING.value)


async def retry_later(session: AsyncSession, entry_id: int, at: datetime, reason: str) -> None:
    """Failed for now: pending again, not before `at` (the conversation's later rows wait behind it)."""
    await _finish(
        session, entry_id, state=DeliveryState.PENDING.value, next_attempt_at=at, reason=reason[:MAX_REASON_CHARS]
    )


async def mark_failed(session: AsyncSession, entry_id: int, reason: str) -> None:
    """Given up for good (the bot was blocked, the platform refused the message, too many tries)."""
    await _finish(session, entry_id, state=DeliveryState.FAILED.value, reason=reason[:MAX_REASON_CHARS])


async def shown_on_return(session: AsyncSession, conversation_ids: Sequence[str]) -> int:
    """The person opened the chat again and sees its history: their waiting rows count as sent."""
    if not conversation_ids:
        return 0
    result = await session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.conversation_id.in_(conversation_ids),
            OutboxEntry.state.in_((DeliveryState.WAITING.value, DeliveryState.PENDING.value)),
        )
        .values(state=DeliveryState.SENT.value, sent_at=utcnow(), reason="shown when the person came back")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def waiting_for(session: AsyncSession, channel: str, platform_user_id: str) -> int:
    """How many messages wait for a person to come back (a web chat's closed page): the launcher's badge."""
    result = await session.execute(
        select(func.count(OutboxEntry.id))
        .join(Conversation, Conversation.id == OutboxEntry.conversation_id)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.platform_user_id == platform_user_id,
            OutboxEntry.state == DeliveryState.WAITING.value,
        )
    )
    return int(result.scalar() or 0)


async def delete_for(session: AsyncSession, conversation_ids: Sequence[str]) -> int:
    """Forget the rows of these conversations (their messages are being deleted)."""
    result = await session.execute(delete(OutboxEntry).where(OutboxEntry.conversation_id.in_(conversation_ids)))
    return int(result.rowcount or 0)
