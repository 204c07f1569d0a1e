"""SQLAlchemy models of trial alerts: a person's subscription (their profile), the alerts sent, and the job's lock."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Integer, String

from bot.store.models import Base, utcnow


class SubscriptionStatus(str, enum.Enum):
    """Where a subscription stands: offered (waiting for the person's yes), active, or stopped."""

    OFFERED = "offered"
    ACTIVE = "active"
    STOPPED = "stopped"


class AlertSubscription(Base):
    """One person's wish to hear about new trials, with the profile they agreed to keep.

    A person has at most one active subscription (a new one replaces it when confirmed) and at most one
    offered (waiting for their yes).

    A stopped subscription keeps no profile: only its dates and why it stopped (for the team's figures).
    """

    __tablename__ = "alert_subscriptions"

    id = Column(Integer, primary_key=True)
    participant_id = Column(ForeignKey("participants.id"), nullable=False, index=True)
    identity_id = Column(ForeignKey("channel_identities.id"), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    thread_key = Column(String(255), nullable=False, default="")
    status = Column(String(16), nullable=False, default=SubscriptionStatus.OFFERED.value, index=True)
    condition = Column(String(200), nullable=True)
    terms = Column(JSON, nullable=True)
    """Tumor-profile terms the person chose to give (`bot.alerts.biomarkers` keys)."""
    age = Column(Float, nullable=True)
    sex = Column(String(8), nullable=True)
    place_name = Column(String(200), nullable=True)
    latitude = Column(Float, nullable=True)
    longitude = Column(Float, nullable=True)
    radius_miles = Column(Float, nullable=True)
    time_zone = Column(String(64), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    confirmed_at = Column(DateTime(timezone=True), nullable=True)
    stopped_at = Column(DateTime(timezone=True), nullable=True)
    stop_reason = Column(String(64), nullable=True)


class AlertSent(Base):
    """One alert message: which subscription, the stored message, and the trials it named."""

    __tablename__ = "alerts_sent"

    id = Column(Integer, primary_key=True)
    subscription_id = Column(ForeignKey("alert_subscriptions.id"), nullable=False, index=True)
    message_id = Column(ForeignKey("messages.id"), nullable=True, index=True)
    nct_ids = Column(JSON, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class JobLock(Base):
    """A named lock with a lease, so a job started twice at once runs once (`bot.alerts.lock`)."""

    __tablename__ = "job_locks"

    name = Column(String(64), primary_key=True)
    holder = Column(String(64), nullable=False)
    until = Column(DateTime(timezone=True), nullable=False)
