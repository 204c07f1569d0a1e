"""A person's alert subscription: offered (by the action server, with the profile of their search),
confirmed, given tumor-profile terms, stopped, shown, or forgotten.

Stopping keeps no profile (only the dates and why, for the team's figures); delete-my-data removes the
rows altogether. A person has at most one active subscription: confirming a new offer replaces it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Optional, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.alerts.models import AlertSent, AlertSubscription, SubscriptionStatus
from bot.store.models import ChannelIdentity, Conversation, aware, utcnow

logger = logging.getLogger(__name__)

OFFER_VALID = timedelta(days=1)
"""How long an offer may be accepted."""

PROFILE_FIELDS = (
    "condition",
    "terms",
    "age",
    "sex",
    "place_name",
    "latitude",
    "longitude",
    "radius_miles",
    "time_zone",
)


async def of_participant(
    session: AsyncSession, participant_id: int, status: SubscriptionStatus
) -> Optional[AlertSubscription]:
    """The person's newest subscription in this state."""
    result = await session.execute(
        select(AlertSubscription)
        .where(AlertSubscription.participant_id == participant_id, AlertSubscription.status == status.value)
        .order_by(AlertSubscription.id.desc())
        .limit(1)
    )
    return result.scalar()


async def participant_of(session: AsyncSession, conversation_id: str) -> Optional[int]:
    """Who a conversation belongs to."""
    return (
        await session.execute(select(Conversation.participant_id).where(Conversation.id == conversation_id))
    ).scalar()


async def confirm(
    session: AsyncSession, participant_id: int, now: Optional[datetime] = None
) -> tuple[Optional[AlertSubscription], Optional[str]]:
    """Turn the person's open offer on: (the new subscription, or None if no offer is open; what the
    subscription it replaced watched for, if there was one)."""
    now = now or utcnow()
    offered = await of_participant(session, participant_id, SubscriptionStatus.OFFERED)
    if offered is None or aware(offered.created_at) < now - OFFER_VALID:
        return None, None
    replaced = await of_participant(session, participant_id, SubscriptionStatus.ACTIVE)
    previous = None
    if replaced is not None:
        previous = f"{replaced.condition} near {replaced.place_name}"
        _stop(replaced, now, "replaced")
    offered.status = SubscriptionStatus.ACTIVE.value
    offered.confirmed_at = now
    return offered, previous


async def cancel(session: AsyncSession, participant_id: int) -> None:
    """The person said no to the offer: it is deleted (nothing of it is kept)."""
    await session.execute(
        delete(AlertSubscription).where(
            AlertSubscription.participant_id == participant_id,
            AlertSubscription.status == SubscriptionStatus.OFFERED.value,
        )
    )


async def add_terms(session: AsyncSession, offered: AlertSubscription, terms: Sequence[str]) -> None:
    """Tumor-profile terms the person chose to give, added to their open offer."""
    known = list(offered.terms or ())
    offered.terms = known + [term for term in terms if term not in known]


async def stop(session: AsyncSession, participant_id: int, reason: str, now: Optional[datetime] = None) -> bool:
    """End the person's alerts at once (and any open offer); False when there was nothing to stop."""
    now = now or utcnow()
    result = await session.execute(
        select(AlertSubscription).where(
            AlertSubscription.participant_id == participant_id,
            AlertSubscription.status.in_((SubscriptionStatus.ACTIVE.value, SubscriptionStatus.OFFERED.value)),
        )
    )
    stopped = False
    for subscription in result.scalars():
        if subscription.status == SubscriptionStatus.OFFERED.value:
            await session.delete(subscription)
        else:
            _stop(subscription, now, reason)
            stopped = True
    return stopped


def _stop(subscription: AlertSubscription, now: datetime, reason: str) -> None:
    subscription.status = SubscriptionStatus.STOPPED.value
    subscription.stopped_at = now
    subscription.stop_reason = reason
    for name in PROFILE_FIELDS:
        setattr(subscription, name, None)


async def stop_for_conversation(session: AsyncSession, conversation_id: str, reason: str) -> bool:
    """The platform refused a message to this conversation for good (the bot was blocked): alerts end."""
    participant_id = await participant_of(session, conversation_id)
    return participant_id is not None and await stop(session, participant_id, reason)


BLOCKED = "Forbidden"
"""The outbox's reason when Telegram refuses a message because the person blocked the bot (HTTP 403)."""


async def stop_when_blocked(sessions: Callable[[], AsyncSession], conversation_id: str, reason: str) -> None:
    """The outbox's hook for a message refused for good: a person who blocked the bot gets no more alerts."""
    if reason != BLOCKED:
        return
    async with sessions() as session:
        if await stop_for_conversation(session, conversation_id, "blocked the bot"):
            await session.commit()
            logger.info("Alerts stopped for conversation %s: the person blocked the bot", conversation_id)


async def forget(session: AsyncSession, participant_id: int) -> int:
    """Delete the person's subscriptions and the record of their alerts (delete-my-data); returns how many."""
    ids = select(AlertSubscription.id).where(AlertSubscription.participant_id == participant_id)
    await session.execute(
        delete(AlertSent).where(AlertSent.subscription_id.in_(ids)).execution_options(synchronize_session=False)
    )
    result = await session.execute(
        delete(AlertSubscription)
        .where(AlertSubscription.participant_id == participant_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def unlink_messages(session: AsyncSession, message_ids: Any) -> None:
    """Messages are being deleted (retention): the alerts' record keeps its trials, not the link."""
    await session.execute(
        update(AlertSent)
        .where(AlertSent.message_id.in_(message_ids))
        .values(message_id=None)
        .execution_options(synchronize_session=False)
    )


def conversation_place(session: Session, conversation_id: str) -> Optional[tuple[str, str]]:
    """(channel, thread key) of a conversation (sync, for the action server); None when unknown."""
    row = session.execute(
        select(Conversation.channel, Conversation.thread_key).where(Conversation.id == conversation_id)
    ).first()
    return None if row is None else (str(row[0]), str(row[1]))


def offer(
    session: Session, conversation_id: str, profile: Dict[str, Any], now: Optional[datetime] = None
) -> Optional[AlertSubscription]:
    """Record an offer with the profile of the person's search (sync: the action server calls it); an earlier
    open offer is replaced. None when the conversation is unknown. The caller commits."""
    now = now or utcnow()
    row = session.execute(
        select(Conversation, ChannelIdentity)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
        .where(Conversation.id == conversation_id)
    ).first()
    if row is None:
        return None
    conversation, identity = row
    session.execute(
        delete(AlertSubscription).where(
            AlertSubscription.participant_id == conversation.participant_id,
            AlertSubscription.status == SubscriptionStatus.OFFERED.value,
        )
    )
    subscription = AlertSubscription(
        participant_id=conversation.participant_id,
        identity_id=identity.id,
        channel=conversation.channel,
        thread_key=conversation.thread_key,
        status=SubscriptionStatus.OFFERED.value,
        created_at=now,
        **{name: profile.get(name) for name in PROFILE_FIELDS},
    )
    session.add(subscription)
    return subscription
