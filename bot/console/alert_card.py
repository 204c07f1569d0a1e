"""The console's "Trial alerts" card: whether the person is subscribed, to what, and which alerts went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts import biomarkers
from bot.alerts.models import AlertSent, AlertSubscription, SubscriptionStatus
from bot.store.models import Conversation, aware


@dataclass(frozen=True)
class SentAlert:
    """One alert message: when, and the trials it named."""

    at: datetime
    nct_ids: Tuple[str, ...]


@dataclass(frozen=True)
class AlertCard:
    """What the card shows (`status` None: the person never subscribed)."""

    status: Optional[str] = None
    condition: str = ""
    place: str = ""
    radius: str = ""
    terms: Tuple[str, ...] = ()
    since: Optional[datetime] = None
    stopped_at: Optional[datetime] = None
    stop_reason: str = ""
    sent: Tuple[SentAlert, ...] = ()


async def for_conversation(session: AsyncSession, conversation_id: str) -> AlertCard:
    """The card for the person of this conversation (their newest subscription, and every alert sent to them)."""
    participant_id = (
        await session.execute(select(Conversation.participant_id).where(Conversation.id == conversation_id))
    ).scalar()
    if participant_id is None:
        return AlertCard()
    subscriptions = (
        (
            await session.execute(
                select(AlertSubscription)
                .where(AlertSubscription.participant_id == participant_id)
                .order_by(AlertSubscription.id.desc())
            )
        )
        .scalars()
        .all()
    )
    if not subscriptions:
        return AlertCard()
    active = [s for s in subscriptions if s.status == SubscriptionStatus.ACTIVE.value]
    shown = active[0] if active else subscriptions[0]
    sent = (
        (
            await session.execute(
                select(AlertSent)
                .where(AlertSent.subscription_id.in_([s.id for s in subscriptions]))
                .order_by(AlertSent.created_at.desc())
            )
        )
        .scalars()
        .all()
    )
    known = set(biomarkers.known_terms())
    return AlertCard(
        status=shown.status,
        condition=shown.condition or "",
        place=shown.place_name or "",
        radius=f"{shown.radius_miles:g} miles" if shown.radius_miles else "",
        terms=tuple(biomarkers.display(t) for t in shown.terms or () if t in known),
        since=aware(shown.confirmed_at) if shown.confirmed_at else None,
        stopped_at=aware(shown.stopped_at) if shown.stopped_at else None,
        stop_reason=shown.stop_reason or "",
        sent=tuple(SentAlert(aware(a.created_at), tuple(a.nct_ids)) for a in sent),
    )
