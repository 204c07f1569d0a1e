"""Deleting Rasa's tracker events, which Rasa's SQLTrackerStore keeps in our database.

The table is Rasa's, not ours (no migration creates it): `events`, one row per event, with
`sender_id` = our conversation id and `timestamp` = when it happened, in epoch seconds. Rasa
creates it the first time a worker starts, so it may not exist yet (a fresh database, or a tracker
store configured elsewhere): then there is nothing to delete and nothing fails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import column, delete, inspect, table
from sqlalchemy.ext.asyncio import AsyncSession

EVENTS = table("events", column("sender_id"), column("timestamp"))
"""Just the columns we delete by; Rasa's own model (`SQLTrackerStore.SQLEvent`) defines the rest."""


async def exist(session: AsyncSession) -> bool:
    """Whether Rasa's `events` table is in this database."""
    return bool(await session.run_sync(lambda sync: inspect(sync.connection()).has_table(EVENTS.name)))


async def delete_conversations(session: AsyncSession, conversation_ids: Sequence[str]) -> int:
    """Delete every event of these conversations; returns how many (the caller commits)."""
    if not conversation_ids or not await exist(session):
        return 0
    result = await session.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(list(conversation_ids))))
    return int(result.rowcount or 0)


async def delete_older_than(session: AsyncSession, cutoff: datetime) -> int:
    """Delete every event that happened before `cutoff` (aware); returns how many (the caller commits)."""
    if not await exist(session):
        return 0
    result = await session.execute(delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp()))
    return int(result.rowcount or 0)
