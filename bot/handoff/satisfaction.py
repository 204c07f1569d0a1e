"""The optional "did it help?" question after a coordinator's part of a conversation, and its answers.

A coordinator who was talking with the person closes the conversation or hands it back to the bot;
the person then gets one short question with two buttons (`bot.handoff.coordination` sends it). A handoff
that nobody took (the person went back to the bot, or a coordinator closed it from the queue) asks
nothing: nobody from the team talked with them.

The answer is the button's payload. The router recognises it before anything reaches the model and
files it under the conversation that asked, even when that one is closed and the person has since
started a new one. There is one answer per question (keyed by the handoff that ended the
coordinator's part): a second click changes the rating, it never adds a row. Typed words ("yes",
"thanks") are not read as answers; a payload typed where nothing was asked is stored as a message
and not answered.
"""

from __future__ import annotations

import enum
from typing import Optional

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Button, InboundMessage, Reply
from bot.store.models import Conversation, ConversationStatus, Handoff, SatisfactionAnswer, utcnow
from bot.store.repository import senders_conversations

UP = "/satisfaction_up"
DOWN = "/satisfaction_down"
RATINGS = {UP: "up", DOWN: "down"}
"""The buttons' payloads and the ratings they stand for."""

_ENDED_WITH_A_COORDINATOR = and_(
    Handoff.from_status == ConversationStatus.WITH_COORDINATOR.value,
    Handoff.to_status.in_((ConversationStatus.BOT.value, ConversationStatus.CLOSED.value)),
)


class Recorded(str, enum.Enum):
    """What an answer did: the first for its question, the same again, or a different one."""

    NEW = "new"
    SAME = "same"
    CHANGED = "changed"


def question() -> Reply:
    """Asked once when a coordinator's part ends: optional, two buttons with words as well as thumbs."""
    return Reply(
        text="One quick question, only if you'd like to answer: did talking with our team help?",
        buttons=(Button("👍 Yes, it helped", UP), Button("👎 Not really", DOWN)),
    )


def thanks(recorded: Recorded) -> Reply:
    """The brief thanks for an answer (a changed answer is said to be changed)."""
    if recorded is Recorded.CHANGED:
        return Reply(text="Thanks — I've changed your answer.")
    return Reply(text="Thank you for telling us.")


def rating(text: str) -> Optional[str]:
    """ "up" or "down" for one of the question's payloads; None for anything else."""
    return RATINGS.get(text.strip().lower())


def asks_after(step: Handoff) -> bool:
    """Whether this status change ends a coordinator's part of the conversation (so the question goes out)."""
    return step.from_status == ConversationStatus.WITH_COORDINATOR.value and step.to_status in (
        ConversationStatus.BOT.value,
        ConversationStatus.CLOSED.value,
    )


async def asking_conversation(session: AsyncSession, inbound: InboundMessage) -> Optional[Conversation]:
    """The sender's latest conversation on this channel and thread, open or closed, that was asked the question."""
    asked = exists().where(Handoff.conversation_id == Conversation.id, _ENDED_WITH_A_COORDINATOR)
    query = (
        senders_conversations(inbound)
        .where(asked)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def record(session: AsyncSession, conversation_id: str, given: str) -> Optional[Recorded]:
    """Store the answer to the conversation's latest question (None: it was never asked); the caller commits."""
    step_id = await session.scalar(
        select(Handoff.id)
        .where(Handoff.conversation_id == conversation_id, _ENDED_WITH_A_COORDINATOR)
        .order_by(Handoff.id.desc())
        .limit(1)
    )
    if step_id is None:
        return None
    if await _answer(session, step_id) is None:
        try:
            async with session.begin_nested():
                session.add(SatisfactionAnswer(conversation_id=conversation_id, handoff_id=step_id, rating=given))
                await session.flush()
            return Recorded.NEW
        except IntegrityError:  # the same question answered at the same moment (a double tap): change that one
            pass
    answer = await _answer(session, step_id)
    assert answer is not None
    if answer.rating == given:
        return Recorded.SAME
    answer.rating = given
    answer.changed_at = utcnow()
    await session.flush()
    return Recorded.CHANGED


async def _answer(session: AsyncSession, step_id: int) -> Optional[SatisfactionAnswer]:
    result = await session.execute(select(SatisfactionAnswer).where(SatisfactionAnswer.handoff_id == step_id))
    return result.scalars().first()
