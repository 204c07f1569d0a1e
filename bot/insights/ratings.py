"""Satisfaction answers per day: the thumbs up / down people gave after a coordinator's part ended
(`bot.handoff.satisfaction`, table `satisfaction_answers`)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights.period import Period
from bot.insights.series import DailySeries
from bot.store.models import SatisfactionAnswer

RATINGS = ("up", "down")


async def per_day(session: AsyncSession, period: Period) -> DailySeries:
    """Thumbs up and down given on each day of the period (a changed answer counts on its first day)."""
    rows = await session.execute(
        select(SatisfactionAnswer.rating, SatisfactionAnswer.created_at).where(
            SatisfactionAnswer.created_at >= period.start, SatisfactionAnswer.created_at < period.end
        )
    )
    counts = Counter((period.day_of(at), rating) for rating, at in rows.all() if rating in RATINGS)
    return DailySeries.of(period.days, RATINGS, counts)
