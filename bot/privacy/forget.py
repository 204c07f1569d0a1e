"""Deleting everything trialbot holds about a person, when they ask and then confirm.

The person asks with `/forget` (a Telegram command too) or in words ("delete my data"), which the
model answers with a custom `{"privacy": "forget"}` message. Either way the router replaces the
request with `confirmation()`: what would be deleted, that it cannot be undone, and two buttons.
`/forget_confirm` deletes only while a confirmation asked in the same conversation within
`CONFIRM_WITHIN` is still open (not answered with `/forget_cancel`); otherwise it asks again.

`forget_participant` deletes the person (`Participant`) with their channel identities, every
conversation, message, handoff and satisfaction answer of theirs, their trial-alert subscriptions and
the record of their alerts, and Rasa's tracker events of those conversations.

Audit entries that name one of those conversations are kept, with the conversation link set to
NULL: they record what a coordinator did (viewed, replied, took, closed) and hold nothing about
the person, so accountability survives while nothing leads back to them. One "forgotten" entry
records that a deletion happened, with counts only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts import subscriptions
from bot.messages import Button, Reply
from bot.privacy import erase
from bot.store import audit
from bot.store.models import (
    Author,
    ChannelIdentity,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Participant,
    aware,
    utcnow,
)

FORGET = "/forget"
CONFIRM = "/forget_confirm"
CANCEL = "/forget_cancel"
CONFIRM_WITHIN = timedelta(minutes=30)
"""How long a confirmation stays open for `/forget_confirm`."""


class Step(str, enum.Enum):
    """Where a message stands in the request: asking, confirming, or changing one's mind."""

    ASK = FORGET
    CONFIRM = CONFIRM
    CANCEL = CANCEL


def confirmation() -> Reply:
    """Asked before anything is deleted."""
    return Reply(
        text="Do you want me to delete everything I have about you? That means everything you wrote here, "
        "my answers, and what I know about you: your cancer type, age and place. "
        "This can't be undone.",
        buttons=(Button("Yes, delete everything", CONFIRM), Button("No, keep it", CANCEL)),
    )


def cancelled() -> Reply:
    """Told when the person keeps their data."""
    return Reply(text="Okay, nothing was deleted.")


def done(left_the_queue: bool) -> Reply:
    """The last reply: sent, never stored (nothing about the person remains)."""
    queue = " This also ends your request to talk with a coordinator." if left_the_queue else ""
    return Reply(
        text="Done — I've deleted everything you wrote here, my answers and what I knew about you."
        f"{queue} If you write again, we'll start fresh."
    )


def step(text: str) -> Optional[Step]:
    """The step a message takes (`/forget`, `/forget_confirm`, `/forget_cancel`), or None for any other message."""
    try:
        return Step(text.strip().lower())
    except ValueError:
        return None


def requested(answers: Iterable[Dict[str, Any]]) -> bool:
    """Whether the model's answers carry the delete-my-data signal (a custom `{"privacy": "forget"}`)."""
    for answer in answers:
        custom = answer.get("custom")
        if isinstance(custom, dict) and custom.get("privacy") == "forget":
            return True
    return False


async def pending(
    session: AsyncSession, conversation_id: str, now: Optional[datetime] = None, within: timedelta = CONFIRM_WITHIN
) -> bool:
    """Whether the conversation's latest confirmation was asked within `within` and not cancelled since."""
    latest = (
        await session.execute(
            select(Message.text, Message.created_at)
            .where(
                Message.conversation_id == conversation_id,
                Message.direction == Direction.OUTBOUND.value,
                Message.author == Author.BOT.value,
                Message.text.in_([confirmation().text, cancelled().text]),
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
    ).first()
    if latest is None or latest.text != confirmation().text:
        return False
    return aware(latest.created_at) >= (now or utcnow()) - within


@dataclass(frozen=True)
class Forgotten:
    """What `forget_participant` deleted (counts), and which conversations are gone."""

    conversation_ids: Tuple[str, ...] = ()
    participants: int = 0
    identities: int = 0
    conversations: int = 0
    messages: int = 0
    outbox_entries: int = 0
    alert_subscriptions: int = 0
    handoffs: int = 0
    satisfaction_answers: int = 0
    tracker_events: int = 0
    audit_entries_unlinked: int = 0
    queued: int = 0
    """How many of the conversations were waiting for, or with, a coordinator."""

    def summary(self) -> str:
        """The counts in words (no ids), for logs and the audit entry."""
        return (
            f"participants {self.participants}, channel identities {self.identities}, "
            f"conversations {self.conversations}, messages {self.messages}, handoffs {self.handoffs}, "
            f"satisfaction answers {self.satisfaction_answers}, tracker events {self.tracker_events}, "
            f"audit entries unlinked {self.audit_entries_unlinked}"
        )


async def forget_participant(session: AsyncSession, participant_id: int) -> Forgotten:
    """Delete the person and everything of theirs (see the module's docstring); the caller commits."""
    rows = (
        await session.execute(
            select(Conversation.id, Conversation.status).where(Conversation.participant_id == participant_id)
        )
    ).all()
    ids = [row.id for row in rows]
    people = (ConversationStatus.WAITING.value, ConversationStatus.WITH_COORDINATOR.value)
    alert_subscriptions = await subscriptions.forget(session, participant_id)  # before the messages it names
    counts = await erase.delete_conversations(session, ids)
    counts["alert_subscriptions"] = alert_subscriptions
    counts["identities"] = await erase.rowcount(
        session, delete(ChannelIdentity).where(ChannelIdentity.participant_id == participant_id)
    )
    counts["participants"] = await erase.rowcount(session, delete(Participant).where(Participant.id == participant_id))
    forgotten = Forgotten(conversation_ids=tuple(ids), queued=sum(row.status in people for row in rows), **counts)
    await audit.record(session, audit.FORGOTTEN, detail=forgotten.summary())
    return forgotten
