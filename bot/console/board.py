"""What the console lists: the queue, conversations with coordinators, recent bot chats, and transcripts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handoff import machine as handoff
from bot.store.models import (
    Author,
    Conversation,
    ConversationStatus,
    Coordinator,
    Direction,
    Message,
    MessageKind,
    Participant,
    aware,
    utcnow,
)

PREVIEW_CHARS = 140
PERSON = "Person"
BOT = "trialbot (bot)"
STATUS_LABELS = {
    ConversationStatus.BOT.value: "With the bot",
    ConversationStatus.WAITING.value: "Waiting for a coordinator",
    ConversationStatus.WITH_COORDINATOR.value: "With a coordinator",
    ConversationStatus.CLOSED.value: "Closed",
}


@dataclass(frozen=True)
class Row:
    """One conversation in a list: where, who, how urgent, how long waiting, and what was last said."""

    id: str
    channel: str
    status: str
    priority: str
    person: str
    assignee_id: Optional[int]
    assignee: str
    position: Optional[int]
    waiting: Optional[timedelta]
    last_at: Optional[datetime]
    preview: str

    @property
    def status_label(self) -> str:
        """The status in plain words."""
        if self.status == ConversationStatus.WITH_COORDINATOR.value and self.assignee:
            return f"With {self.assignee}"
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def urgent(self) -> bool:
        """Whether the conversation jumped the queue (crisis)."""
        return self.priority == "urgent"


@dataclass(frozen=True)
class Line:
    """One entry of a transcript, labelled with who wrote it; private notes are marked."""

    id: int
    author: str
    who: str
    kind: str
    text: str
    buttons: Tuple[str, ...]
    at: datetime

    @property
    def is_note(self) -> bool:
        """A private note for the team: never sent to the person."""
        return self.kind == MessageKind.PRIVATE_NOTE.value


async def coordinator_names(session: AsyncSession, ids: Iterable[Optional[int]]) -> Dict[int, str]:
    """Names of the given coordinator accounts."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    result = await session.execute(select(Coordinator.id, Coordinator.name).where(Coordinator.id.in_(wanted)))
    return dict(result.all())


async def person_names(session: AsyncSession, participant_ids: Iterable[int]) -> Dict[int, str]:
    """Display names the channels gave us (a Telegram first name, a Slack name), where known."""
    wanted = set(participant_ids)
    if not wanted:
        return {}
    result = await session.execute(select(Participant.id, Participant.display_name).where(Participant.id.in_(wanted)))
    return {pid: name for pid, name in result.all() if name}


async def rows(session: AsyncSession, conversations: Sequence[Conversation], positions: bool = False) -> List[Row]:
    """List rows for these conversations, in the given order (queue positions when `positions`)."""
    ids = [c.id for c in conversations]
    if not ids:
        return []
    last_inbound = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(ids), Message.direction == Direction.INBOUND.value)
        .group_by(Message.conversation_id)
    )
    previews = {
        m.conversation_id: m.text
        for m in (await session.execute(select(Message).where(Message.id.in_(last_inbound)))).scalars()
    }
    last_at = dict(
        (
            await session.execute(
                select(Message.conversation_id, func.max(Message.created_at))
                .where(Message.conversation_id.in_(ids))
                .group_by(Message.conversation_id)
            )
        ).all()
    )
    people = await person_names(session, (c.participant_id for c in conversations))
    names = await coordinator_names(session, (c.assignee_id for c in conversations))
    now = utcnow()
    listed = []
    for index, c in enumerate(conversations):
        preview = " ".join((previews.get(c.id) or "").split())
        listed.append(
            Row(
                id=c.id,
                channel=c.channel,
                status=c.status,
                priority=c.priority,
                person=people.get(c.participant_id, f"{PERSON} {c.id[:6]}"),
                assignee_id=c.assignee_id,
                assignee=names.get(c.assignee_id, "") if c.assignee_id else "",
                position=index + 1 if positions else None,
                waiting=now - aware(c.waiting_since) if c.waiting_since else None,
                last_at=last_at.get(c.id),
                preview=preview[:PREVIEW_CHARS] + ("…" if len(preview) > PREVIEW_CHARS else ""),
            )
        )
    return listed


async def waiting(session: AsyncSession) -> List[Row]:
    """The queue: urgent first, then longest waiting first."""
    return await rows(session, await handoff.queue(session), positions=True)


async def with_coordinators(session: AsyncSession) -> List[Row]:
    """Conversations a coordinator is in, most recently changed first."""
    result = await session.execute(
        select(Conversation)
        .where(Conversation.status == ConversationStatus.WITH_COORDINATOR.value)
        .order_by(Conversation.updated_at.desc())
    )
    return await rows(session, list(result.scalars()))


async def recent_with_bot(session: AsyncSession, limit: int = 15) -> List[Row]:
    """The bot's most recently active conversations (a coordinator may take one over)."""
    latest = (
        select(Message.conversation_id, func.max(Message.id).label("last_id"))
        .group_by(Message.conversation_id)
        .subquery()
    )
    result = await session.execute(
        select(Conversation)
        .join(latest, latest.c.conversation_id == Conversation.id)
        .where(Conversation.status == ConversationStatus.BOT.value)
        .order_by(latest.c.last_id.desc())
        .limit(limit)
    )
    return await rows(session, list(result.scalars()))


async def summary(session: AsyncSession, conversation: Conversation) -> Row:
    """One conversation's row, with its queue position when it is waiting."""
    (row,) = await rows(session, [conversation])
    position = await handoff.queue_position(session, conversation)
    return replace(row, position=position)


async def transcript(session: AsyncSession, conversation: Conversation) -> List[Line]:
    """Everything in the conversation, oldest first: the person, the bot, coordinators and their notes."""
    result = await session.execute(
        select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
    )
    messages = list(result.scalars())
    names = await coordinator_names(session, (m.coordinator_id for m in messages))
    person = (await person_names(session, [conversation.participant_id])).get(conversation.participant_id, PERSON)
    lines = []
    for m in messages:
        if m.author == Author.PARTICIPANT.value:
            who = person
        elif m.author == Author.COORDINATOR.value:
            who = f"{names.get(m.coordinator_id, 'A coordinator')} (coordinator)"
        else:
            who = BOT
        buttons = tuple(str(b.get("title", "")) for b in m.buttons or () if isinstance(b, dict))
        lines.append(Line(m.id, m.author, who, m.kind, m.text, buttons, m.created_at))
    return lines
