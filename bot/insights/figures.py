"""The dashboard's figures for a period: one query each for conversations, handoffs (with the coordinators'
replies) and satisfaction; the FAQ, search and fallback figures share one replay of Rasa's events.

Definitions (days are calendar days in the team's time zone, `HANDOFF_TIMEZONE`):

- conversations per channel per day: conversations *started* that day (`conversations.created_at`);
- top FAQ topics: people's messages the bot answered with a curated FAQ answer (`utter_faq`),
  by the topic the response selector picked;
- trial searches by cancer type and by region: runs of `action_search_trials` with both known
  (`bot.insights.turns`); the region is the state (US) or region / country of the place;
- handoffs per day: conversations moved from the bot to people (queued for a coordinator, or
  taken straight from the bot), by the day it happened; the time to the first human reply runs
  from that moment to the first text a coordinator sent in the conversation before it went back
  to the bot or was closed (private notes do not count; handoffs never answered are left out of
  the times and counted apart). Median: the middle value (mean of the two middle ones); p90: the
  nearest-rank 90th percentile (the smallest time that at least 90% of the answered handoffs got);
- fallback rate per day: the share of people's messages seen by the model that the bot answered
  with its fallback (`action_suggest_topics`);
- satisfaction answers per day: thumbs up and down (`bot.insights.ratings`);
- trial alerts per day: subscriptions confirmed, alert messages sent, stops, and "tell me more" taps on a
  trial an alert named (`bot.insights.alert_activity`).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.insights import alert_activity, ratings, turns
from bot.insights.period import Period
from bot.insights.series import DailySeries, Ranked, ranking
from bot.store.models import Author, Conversation, ConversationStatus, Direction, Handoff, Message, MessageKind, aware

TO_PEOPLE = (ConversationStatus.WAITING.value, ConversationStatus.WITH_COORDINATOR.value)
BACK_FROM_PEOPLE = (ConversationStatus.BOT.value, ConversationStatus.CLOSED.value)


@dataclass(frozen=True)
class HandoffDay:
    """Handoffs of one day (or of the whole period) and how long people waited for a human's first reply."""

    day: Optional[date]
    handoffs: int
    answered: int
    median_seconds: Optional[float]
    p90_seconds: Optional[float]

    @property
    def unanswered(self) -> int:
        """Handoffs no coordinator wrote in before the conversation went back to the bot or closed (or yet)."""
        return self.handoffs - self.answered


@dataclass(frozen=True)
class FallbackDay:
    """People's messages of one day (or of the whole period) and how many the bot answered with its fallback."""

    day: Optional[date]
    messages: int
    fallbacks: int

    @property
    def rate(self) -> Optional[float]:
        """Fallbacks per message (None without messages)."""
        return self.fallbacks / self.messages if self.messages else None


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the dashboard for one period."""

    period: Period
    conversations: DailySeries
    faq_topics: Tuple[Ranked, ...]
    searches_by_cancer_type: Tuple[Ranked, ...]
    searches_by_region: Tuple[Ranked, ...]
    handoffs: Tuple[HandoffDay, ...]
    handoffs_overall: HandoffDay
    fallbacks: Tuple[FallbackDay, ...]
    fallbacks_overall: FallbackDay
    satisfaction: Optional[DailySeries]
    """None when the database has no satisfaction answers table."""
    alerts: Optional[DailySeries] = None
    """Trial alerts: subscribed, alerts sent, stopped, "tell me more" taps (`bot.insights.alert_activity`)."""

    @property
    def searches(self) -> int:
        """Trial searches in the period."""
        return sum(entry.count for entry in self.searches_by_cancer_type)


def median(values: Sequence[float]) -> Optional[float]:
    """The middle value (mean of the two middle ones); None for no values."""
    return float(statistics.median(values)) if values else None


def p90(values: Sequence[float]) -> Optional[float]:
    """Nearest-rank 90th percentile: the smallest value at least 90% of the values are at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[math.ceil(0.9 * len(ordered)) - 1])


def _handoff_day(day: Optional[date], waits: Sequence[Optional[float]]) -> HandoffDay:
    answered = [w for w in waits if w is not None]
    return HandoffDay(day, len(waits), len(answered), median(answered), p90(answered))


class Figures:
    """Reads the dashboard's figures from our tables and Rasa's tracker events."""

    def __init__(self, sessions: sessionmaker, topic_titles: Optional[Mapping[str, str]] = None) -> None:
        self._sessions = sessions
        self._titles = dict(topic_titles or {})

    async def dashboard(self, period: Period) -> Dashboard:
        """All figures of the period."""
        async with self._sessions() as session:
            conversations = await self._conversations(session, period)
            handoffs = await self._handoff_waits(session, period)
            replayed = await turns.read(session, period)
            answers = await ratings.per_day(session, period)
            alerts = await alert_activity.per_day(session, period)
        faq = Counter(t.answered_faq for t in replayed.turns if t.answered_faq)
        by_day: Dict[date, List[Optional[float]]] = defaultdict(list)
        for day, wait in handoffs:
            by_day[day].append(wait)
        turns_by_day: Dict[date, List[turns.Turn]] = defaultdict(list)
        for turn in replayed.turns:
            turns_by_day[period.day_of(turn.at)].append(turn)
        return Dashboard(
            period=period,
            conversations=conversations,
            faq_topics=ranking(faq, self._titles),
            searches_by_cancer_type=ranking(Counter(s.cancer_type for s in replayed.searches)),
            searches_by_region=ranking(Counter(s.region for s in replayed.searches)),
            handoffs=tuple(_handoff_day(day, by_day.get(day, [])) for day in period.days),
            handoffs_overall=_handoff_day(None, [wait for _, wait in handoffs]),
            fallbacks=tuple(self._fallback_day(day, turns_by_day.get(day, [])) for day in period.days),
            fallbacks_overall=self._fallback_day(None, replayed.turns),
            satisfaction=answers,
            alerts=alerts,
        )

    @staticmethod
    def _fallback_day(day: Optional[date], day_turns: Sequence[turns.Turn]) -> FallbackDay:
        return FallbackDay(day, len(day_turns), sum(1 for t in day_turns if t.fell_back))

    @staticmethod
    async def _conversations(session: AsyncSession, period: Period) -> DailySeries:
        rows = (
            await session.execute(
                select(Conversation.channel, Conversation.created_at).where(
                    Conversation.created_at >= period.start, Conversation.created_at < period.end
                )
            )
        ).all()
        counts = Counter((period.day_of(created), channel) for channel, created in rows)
        totals = Counter(channel for channel, _ in rows)
        channels = sorted(totals, key=lambda c: (-totals[c], c))
        return DailySeries.of(period.days, channels, counts)

    @staticmethod
    async def _handoff_waits(session: AsyncSession, period: Period) -> List[Tuple[date, Optional[float]]]:
        """(day, seconds to the first human reply or None) for each handoff to people in the period."""
        to_people = and_(
            Handoff.from_status == ConversationStatus.BOT.value,
            Handoff.to_status.in_(TO_PEOPLE),
            Handoff.created_at >= period.start,
            Handoff.created_at < period.end,
        )
        involved = select(Handoff.conversation_id).where(to_people).distinct().scalar_subquery()
        steps = (
            await session.execute(
                select(Handoff.conversation_id, Handoff.from_status, Handoff.to_status, Handoff.created_at)
                .where(Handoff.conversation_id.in_(involved))
                .order_by(Handoff.conversation_id, Handoff.created_at, Handoff.id)
            )
        ).all()
        replies: Dict[str, List[datetime]] = defaultdict(list)
        for conversation_id, sent in (
            await session.execute(
                select(Message.conversation_id, Message.created_at)
                .where(
                    Message.conversation_id.in_(involved),
                    Message.author == Author.COORDINATOR.value,
                    Message.direction == Direction.OUTBOUND.value,
                    Message.kind == MessageKind.TEXT.value,
                    Message.created_at >= period.start,
                )
                .order_by(Message.conversation_id, Message.created_at)
            )
        ).all():
            replies[conversation_id].append(aware(sent))
        by_conversation: Dict[str, List[Tuple[str, str, datetime]]] = defaultdict(list)
        for conversation_id, from_status, to_status, at in steps:
            by_conversation[conversation_id].append((from_status, to_status, aware(at)))
        waits: List[Tuple[date, Optional[float]]] = []
        for conversation_id, history in by_conversation.items():
            for index, (from_status, to_status, at) in enumerate(history):
                if from_status != ConversationStatus.BOT.value or to_status not in TO_PEOPLE or not period.holds(at):
                    continue
                ends = next((later for _, status, later in history[index + 1 :] if status in BACK_FROM_PEOPLE), None)
                sent = replies[conversation_id]
                first = next((t for t in sent if t >= at and (ends is None or t < ends)), None)
                waits.append((period.day_of(at), (first - at).total_seconds() if first is not None else None))
        return waits
