"""Trial alerts per day: subscriptions confirmed, alert messages sent, alerts stopped (by the person, or because
they blocked the bot; a subscription replaced by a newer one is not a stop), and "tell me more" taps on a trial
an alert named, in the conversation it went to (`bot.alerts`)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime
from typing import Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.models import AlertSent, AlertSubscription
from bot.insights.period import Period
from bot.insights.series import DailySeries
from bot.store.models import Direction, Message, aware

NAMES = ("subscribed", "alerts sent", "stopped", "tell me more")
_MORE = re.compile(r"^tell me more about (NCT\d{8})$", re.IGNORECASE)


async def per_day(session: AsyncSession, period: Period) -> DailySeries:
    """The four counts on each day of the period."""
    counts: Counter = Counter()
    for (confirmed,) in await session.execute(
        select(AlertSubscription.confirmed_at).where(
            AlertSubscription.confirmed_at >= period.start, AlertSubscription.confirmed_at < period.end
        )
    ):
        counts[(period.day_of(confirmed), "subscribed")] += 1
    for stopped, reason in await session.execute(
        select(AlertSubscription.stopped_at, AlertSubscription.stop_reason).where(
            AlertSubscription.stopped_at >= period.start, AlertSubscription.stopped_at < period.end
        )
    ):
        if reason != "replaced":
            counts[(period.day_of(stopped), "stopped")] += 1
    sent = (
        await session.execute(
            select(AlertSent.created_at, AlertSent.nct_ids, Message.conversation_id).join(
                Message, Message.id == AlertSent.message_id
            )
        )
    ).all()
    by_conversation: Dict[str, List[Tuple[datetime, List[str]]]] = defaultdict(list)
    for at, nct_ids, conversation_id in sent:
        by_conversation[conversation_id].append((aware(at), list(nct_ids)))
        if period.holds(aware(at)):
            counts[(period.day_of(at), "alerts sent")] += 1
    if by_conversation:
        taps = await session.execute(
            select(Message.conversation_id, Message.text, Message.created_at).where(
                Message.direction == Direction.INBOUND.value,
                Message.conversation_id.in_(list(by_conversation)),
                Message.text.ilike("tell me more about NCT%"),
                Message.created_at >= period.start,
                Message.created_at < period.end,
            )
        )
        for conversation_id, words, at in taps:
            named = _MORE.match(words.strip())
            if named and any(
                named.group(1).upper() in ids and when <= aware(at) for when, ids in by_conversation[conversation_id]
            ):
                counts[(period.day_of(at), "tell me more")] += 1
    return DailySeries.of(period.days, NAMES, counts)
