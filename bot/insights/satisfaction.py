"""Satisfaction answers per day (thumbs up / down), read only when the `satisfaction_answers` table exists.

The table (id, conversation_id, rating "up" or "down", created_at) comes with the satisfaction
feature's migration; until a database has it, the dashboard says there is nothing to show.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

from sqlalchemy import DateTime, String, column, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights.period import Period
from bot.insights.series import DailySeries

RATINGS = ("up", "down")
ANSWERS = table(
    "satisfaction_answers", column("rating", String(8)), column("created_at", DateTime(timezone=True))
)


async def exists(session: AsyncSession) -> bool:
    """Whether this database has the satisfaction answers table."""
    return bool(await session.run_sync(lambda sync: inspect(sync.connection()).has_table(ANSWERS.name)))


async def per_day(session: AsyncSession, period: Period) -> Optional[DailySeries]:
    """Thumbs up and down given on each day of the period (None when the table does not exist)."""
    if not await exists(session):
        return None
    rows = await session.execute(
        select(ANSWERS.c.rating, ANSWERS.c.created_at).where(
            ANSWERS.c.created_at >= period.start, ANSWERS.c.created_at < period.end
        )
    )
    counts = Counter((period.day_of(at), rating) for rating, at in rows.all() if rating in RATINGS)
    return DailySeries.of(period.days, RATINGS, counts)
