"""Retention: deleting transcripts older than a number of days (RETENTION_DAYS, or `--days`).

What goes, in this order:

1. messages written before the cut-off (a newer message that answered one of them stays, without
   the link);
2. Rasa's tracker events from before the cut-off;
3. conversations left without messages, with their handoffs, satisfaction answers and remaining
   tracker events — except conversations waiting for or with a coordinator, which stay in the queue
   (with what is left of their transcript);
4. channel identities left without conversations, then participants left without identities or
   conversations.

Audit entries that name a deleted conversation stay, without the link (as in `bot.privacy.forget`); one
"purged" entry records the cut-off and the counts. A dry run does everything in a transaction,
counts, and rolls back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts import subscriptions
from bot.privacy import erase
from bot.store import audit, tracker_table
from bot.store.db import create_engine, create_session_factory
from bot.store.models import (
    ChannelIdentity,
    Conversation,
    ConversationStatus,
    Message,
    OutboxEntry,
    Participant,
    utcnow,
)

KEPT_IN_QUEUE = (ConversationStatus.WAITING.value, ConversationStatus.WITH_COORDINATOR.value)


@dataclass(frozen=True)
class Purged:
    """What one purge deleted (or, in a dry run, would delete)."""

    cutoff: datetime
    messages: int = 0
    tracker_events: int = 0
    conversations: int = 0
    handoffs: int = 0
    identities: int = 0
    participants: int = 0
    audit_entries_unlinked: int = 0
    satisfaction_answers: int = 0

    @property
    def anything(self) -> bool:
        """Whether any row was deleted."""
        return any((self.messages, self.tracker_events, self.conversations, self.identities, self.participants))

    def summary(self) -> str:
        """The counts in words (no ids or texts)."""
        return (
            f"messages {self.messages}, tracker events {self.tracker_events}, conversations {self.conversations}, "
            f"handoffs {self.handoffs}, channel identities {self.identities}, participants {self.participants}, "
            f"audit entries unlinked {self.audit_entries_unlinked}, satisfaction answers {self.satisfaction_answers}"
        )


def cutoff_for(days: int, now: Optional[datetime] = None) -> datetime:
    """The moment before which transcripts are deleted."""
    if days < 1:
        raise ValueError("the retention period must be at least 1 day")
    return (now or utcnow()) - timedelta(days=days)


async def purge(session: AsyncSession, cutoff: datetime) -> Purged:
    """Delete what is older than `cutoff` (see the module's docstring); the caller commits or rolls back."""
    old = select(Message.id).where(Message.created_at < cutoff)
    await erase.rowcount(
        session,
        update(Message)
        .where(Message.created_at >= cutoff, Message.in_reply_to_id.in_(old))
        .values(in_reply_to_id=None),
    )
    await erase.rowcount(session, delete(OutboxEntry).where(OutboxEntry.message_id.in_(old)))
    await subscriptions.unlink_messages(session, old)
    messages = await erase.rowcount(session, delete(Message).where(Message.created_at < cutoff))
    events = await tracker_table.delete_older_than(session, cutoff)

    empty = and_(
        Conversation.created_at < cutoff,
        Conversation.status.not_in(KEPT_IN_QUEUE),
        ~exists().where(Message.conversation_id == Conversation.id),
    )
    ids = list((await session.execute(select(Conversation.id).where(empty))).scalars())
    gone = await erase.delete_conversations(session, ids)
    events += gone.get("tracker_events", 0)
    handoffs, unlinked = gone.get("handoffs", 0), gone.get("audit_entries_unlinked", 0)
    conversations = gone.get("conversations", 0)

    lone_identities = and_(
        ChannelIdentity.created_at < cutoff,
        ~exists().where(Conversation.identity_id == ChannelIdentity.id),
    )
    identities = await erase.rowcount(session, delete(ChannelIdentity).where(lone_identities))
    lone_participants = and_(
        Participant.created_at < cutoff,
        ~exists().where(ChannelIdentity.participant_id == Participant.id),
        ~exists().where(Conversation.participant_id == Participant.id),
    )
    participants = await erase.rowcount(session, delete(Participant).where(lone_participants))
    answers = gone.get("satisfaction_answers", 0)
    return Purged(cutoff, messages, events, conversations, handoffs, identities, participants, unlinked, answers)


async def purge_database(database_url: str, days: int, dry_run: bool = False, now: Optional[datetime] = None) -> Purged:
    """Purge a database (its own engine, closed afterwards); a dry run rolls everything back."""
    cutoff = cutoff_for(days, now)
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            purged = await purge(session, cutoff)
            if dry_run:
                await session.rollback()
                return purged
            if purged.anything:
                detail = f"older than {days} days: {purged.summary()}"
                await audit.record(session, audit.PURGED, detail=detail)
            await session.commit()
            return purged
    finally:
        await engine.dispose()


def run_purge(database_url: str, days: int, dry_run: bool = False) -> Purged:
    """`purge_database` for synchronous callers (the CLI, `trialbot run` at start-up)."""
    return asyncio.run(purge_database(database_url, days, dry_run))
