"""SQLAlchemy models of the conversation domain: participants, identities, conversations, messages,
the outbox of messages to deliver, handoffs, console sessions, the audit log and satisfaction answers."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

if TYPE_CHECKING:
    # SQLAlchemy 1.4 (Rasa pins <2) ships no types, so declarative_base() is Any, which mypy
    # cannot use as a base class. It sees this stand-in: what the models get from the real base.
    class Base:
        """The declarative base of every table (its `metadata` holds them all)."""

        metadata: Any
        __table__: Any

        def __init__(self, **kwargs: Any) -> None: ...

else:
    Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    """Current time in UTC (timezone-aware)."""
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back without a time zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def new_id() -> str:
    """A random, unguessable identifier (hex UUID4)."""
    return uuid.uuid4().hex


class ConversationStatus(str, enum.Enum):
    """Who owns a conversation; changed only by `bot.handoff.machine`."""

    BOT = "bot"
    WAITING = "waiting"
    WITH_COORDINATOR = "with_coordinator"
    CLOSED = "closed"


class Direction(str, enum.Enum):
    """Whether a message came from the person or went to them."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(str, enum.Enum):
    """Who wrote a message."""

    PARTICIPANT = "participant"
    BOT = "bot"
    COORDINATOR = "coordinator"


class MessageKind(str, enum.Enum):
    """Text is sent to the person; private notes and activity entries never are."""

    TEXT = "text"
    PRIVATE_NOTE = "private_note"
    ACTIVITY = "activity"


class Priority(str, enum.Enum):
    """How urgently a waiting conversation needs a person (urgent goes to the top of the queue)."""

    NORMAL = "normal"
    URGENT = "urgent"


class Role(str, enum.Enum):
    """What a console account may do: admins also manage accounts."""

    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Participant(Base):
    """A person who writes to trialbot, on one or more channels."""

    __tablename__ = "participants"

    id = Column(Integer, primary_key=True)
    display_name = Column(String(200), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    identities = relationship("ChannelIdentity", back_populates="participant")


class ChannelIdentity(Base):
    """A participant's account on one channel (e.g. a Telegram user id); unique per channel."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "platform_user_id"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    platform_user_id = Column(String(255), nullable=False)
    participant_id = Column(ForeignKey("participants.id"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    participant = relationship("Participant", back_populates="identities")


class Coordinator(Base):
    """A trial coordinator (or admin) who can take over conversations from the console."""

    __tablename__ = "coordinators"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(32), nullable=False, default="coordinator")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    active = Column(Boolean, nullable=False, default=True)


class Conversation(Base):
    """One conversation of a participant on one channel (and thread), with its owner."""

    __tablename__ = "conversations"

    id = Column(String(32), primary_key=True, default=new_id)
    participant_id = Column(ForeignKey("participants.id"), nullable=False, index=True)
    identity_id = Column(ForeignKey("channel_identities.id"), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    thread_key = Column(String(255), nullable=False, default="")
    status = Column(String(32), nullable=False, default=ConversationStatus.BOT.value, index=True)
    assignee_id = Column(ForeignKey("coordinators.id"), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    priority = Column(String(16), nullable=False, default=Priority.NORMAL.value)
    waiting_since = Column(DateTime(timezone=True), nullable=True)
    offer_due_at = Column(DateTime(timezone=True), nullable=True)

    identity = relationship("ChannelIdentity")


class Message(Base):
    """One message in a conversation, in either direction, with the platform's id for de-duplication."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "direction", "platform_message_id"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    direction = Column(String(16), nullable=False)
    author = Column(String(16), nullable=False)
    coordinator_id = Column(ForeignKey("coordinators.id"), nullable=True)
    kind = Column(String(16), nullable=False, default=MessageKind.TEXT.value)
    text = Column(Text, nullable=False, default="")
    buttons = Column(JSON, nullable=True)
    platform_message_id = Column(String(255), nullable=True)
    in_reply_to_id = Column(ForeignKey("messages.id"), nullable=True, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    answered_at = Column(DateTime(timezone=True), nullable=True)
    """An inbound message: when the router stored its answer (possibly no reply at all); None means a
    crash came between storing it and answering it (`bot.gateway.recovery` answers it at start-up)."""


class DeliveryState(str, enum.Enum):
    """Where one outbox entry stands (`bot.store.outbox`)."""

    PENDING = "pending"
    """To send, at `next_attempt_at` or later."""
    SENDING = "sending"
    """Claimed by one process until `claimed_until`; after that, anyone may claim it again."""
    SENT = "sent"
    """The platform took it."""
    WAITING = "waiting"
    """The web chat had no open tab: shown (and counted as sent) when the person comes back."""
    FAILED = "failed"
    """Given up for good; `reason` says why."""


class OutboxEntry(Base):
    """One stored message to deliver on the person's channel, with its delivery state.

    Written in the same transaction as the message; `id` orders a conversation's deliveries.
    """

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    message_id = Column(ForeignKey("messages.id"), nullable=False, unique=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=False, index=True)
    state = Column(String(16), nullable=False, default=DeliveryState.PENDING.value, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_until = Column(DateTime(timezone=True), nullable=True)
    reason = Column(String(255), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = Column(DateTime(timezone=True), nullable=True)


class Handoff(Base):
    """One change of a conversation's owner: from which status to which, by whom, when and why."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=False, index=True)
    from_status = Column(String(32), nullable=False)
    to_status = Column(String(32), nullable=False)
    actor = Column(String(64), nullable=False)
    reason = Column(String(255), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ConsoleSession(Base):
    """A coordinator's signed-in console session: only a hash of the cookie's token is stored."""

    __tablename__ = "console_sessions"

    token_hash = Column(String(64), primary_key=True)
    coordinator_id = Column(ForeignKey("coordinators.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)

    coordinator = relationship("Coordinator")


class AuditEvent(Base):
    """Who viewed, replied to or changed a conversation (or an account), and when."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    coordinator_id = Column(ForeignKey("coordinators.id"), nullable=True, index=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=True, index=True)
    action = Column(String(32), nullable=False)
    detail = Column(String(255), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class SatisfactionAnswer(Base):
    """A person's answer to the optional "did it help?" question asked when a coordinator's part ended.

    One per question: `handoff_id` is the step that ended it (closed, or handed back to the bot), so a
    second click changes `rating` instead of adding a row. `rating` is "up" or "down".
    """

    __tablename__ = "satisfaction_answers"
    __table_args__ = (CheckConstraint("rating IN ('up', 'down')", name="rating"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(ForeignKey("conversations.id"), nullable=False, index=True)
    handoff_id = Column(ForeignKey("handoffs.id"), nullable=False, unique=True)
    rating = Column(String(8), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    changed_at = Column(DateTime(timezone=True), nullable=True)
