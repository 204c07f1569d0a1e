"""Persistence of participants, identities, conversations and messages behind one repository."""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from bot.gateway.delivery import Address
from bot.messages import Button, InboundMessage, Reply
from bot.store import outbox
from bot.store.models import (
    Author,
    ChannelIdentity,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageKind,
    Participant,
    utcnow,
)

MAX_DISPLAY_NAME_CHARS = Participant.__table__.c.display_name.type.length


def senders_conversations(inbound: InboundMessage) -> Select:
    """The sender's conversations on this message's channel and thread, in any state (narrow it further)."""
    return (
        select(Conversation)
        .join(ChannelIdentity, Conversation.identity_id == ChannelIdentity.id)
        .where(
            ChannelIdentity.channel == inbound.channel,
            ChannelIdentity.platform_user_id == inbound.platform_user_id,
            Conversation.thread_key == inbound.thread_key,
        )
    )


class ConversationRepository:
    """Reads and writes the conversation domain through one session (the caller commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_conversation(self, conversation_id: str) -> Conversation:
        """One conversation by its id (raises `LookupError` when there is none)."""
        conversation = await self.session.get(Conversation, conversation_id)
        if conversation is None:
            raise LookupError(f"no conversation {conversation_id}")
        return conversation

    async def address(self, conversation: Conversation) -> Address:
        """Where replies to this conversation are delivered."""
        identity = await self.session.get(ChannelIdentity, conversation.identity_id)
        assert identity is not None  # a foreign key guarantees it
        return Address(conversation.channel, identity.platform_user_id, conversation.thread_key, conversation.id)

    async def last_bot_message_at(self, conversation_id: str) -> Optional[datetime]:
        """When the bot last wrote in this conversation, if it ever did."""
        return await self.session.scalar(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == conversation_id, Message.author == Author.BOT.value
            )
        )

    async def messages_of(self, conversation_id: str, include_notes: bool = False) -> List[Message]:
        """A conversation's messages, oldest first (private notes only when asked for)."""
        query = select(Message).where(Message.conversation_id == conversation_id)
        if not include_notes:
            query = query.where(Message.kind == MessageKind.TEXT.value)
        return list((await self.session.execute(query.order_by(Message.id))).scalars())

    async def add_outbound(
        self,
        conversation: Conversation,
        replies: Sequence[Reply],
        author: Author,
        coordinator_id: Optional[int] = None,
        kind: MessageKind = MessageKind.TEXT,
    ) -> List[Message]:
        """Store messages to the person (or private notes) that do not answer one inbound message.

        Messages to the person get their outbox rows in the same transaction (`bot.store.outbox`)."""
        stored = [
            Message(
                conversation_id=conversation.id,
                channel=conversation.channel,
                direction=Direction.OUTBOUND.value,
                author=author.value,
                coordinator_id=coordinator_id,
                kind=kind.value,
                text=reply.text,
                buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons] or None,
            )
            for reply in replies
        ]
        self.session.add_all(stored)
        await self.session.flush()
        await outbox.enqueue(self.session, stored)
        return stored

    async def find_inbound(self, channel: str, platform_message_id: str) -> Optional[Message]:
        """The stored inbound message with this platform id, if it was already received."""
        result = await self.session.execute(
            select(Message).where(
                Message.channel == channel,
                Message.direction == Direction.INBOUND.value,
                Message.platform_message_id == platform_message_id,
            )
        )
        return result.scalars().first()

    async def identity(self, inbound: InboundMessage) -> ChannelIdentity:
        """The channel identity of the sender, created with a new participant on first contact."""
        query = select(ChannelIdentity).where(
            ChannelIdentity.channel == inbound.channel,
            ChannelIdentity.platform_user_id == inbound.platform_user_id,
        )
        found = (await self.session.execute(query)).scalars().first()
        if found is not None:
            return found
        try:
            async with self.session.begin_nested():
                name = (inbound.display_name or "")[:MAX_DISPLAY_NAME_CHARS] or None  # a platform's name, cosmetic
                participant = Participant(display_name=name)
                self.session.add(participant)
                await self.session.flush()
                identity = ChannelIdentity(
                    channel=inbound.channel,
                    platform_user_id=inbound.platform_user_id,
                    participant_id=participant.id,
                )
                self.session.add(identity)
                await self.session.flush()
            return identity
        except IntegrityError:  # created concurrently by another request
            return (await self.session.execute(query)).scalars().one()

    async def open_conversation(self, inbound: InboundMessage) -> Conversation:
        """The sender's open conversation on this channel and thread, or a new one."""
        known = (
            senders_conversations(inbound)
            .where(Conversation.status != ConversationStatus.CLOSED.value)
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
        found = (await self.session.execute(known)).scalars().first()
        if found is not None:  # the usual case, in one query
            return found
        identity = await self.identity(inbound)
        query = (
            select(Conversation)
            .where(
                Conversation.identity_id == identity.id,
                Conversation.thread_key == inbound.thread_key,
                Conversation.status != ConversationStatus.CLOSED.value,
            )
            .order_by(Conversation.created_at.desc())
        )
        found = (await self.session.execute(query)).scalars().first()
        if found is not None:
            return found
        conversation = Conversation(
            participant_id=identity.participant_id,
            identity_id=identity.id,
            channel=inbound.channel,
            thread_key=inbound.thread_key,
            status=ConversationStatus.BOT.value,
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def add_inbound(self, conversation: Conversation, inbound: InboundMessage) -> int:
        """Store what the person wrote; its id (raises `IntegrityError` on a duplicate platform id).

        A Core INSERT rather than the ORM: this runs for every message, and nothing else in the
        session needs the object.
        """
        result = await self.session.execute(
            insert(Message.__table__).values(
                conversation_id=conversation.id,
                channel=inbound.channel,
                direction=Direction.INBOUND.value,
                author=Author.PARTICIPANT.value,
                kind=MessageKind.TEXT.value,
                text=inbound.text,
                platform_message_id=inbound.platform_message_id,
                created_at=utcnow(),
            )
        )
        return int(result.inserted_primary_key[0])

    async def add_replies(
        self, conversation_id: str, channel: str, in_reply_to_id: int, replies: Sequence[Reply]
    ) -> None:
        """Store the bot's replies to one inbound message, in order (one multi-row INSERT)."""
        if not replies:
            return
        now = utcnow()
        await self.session.execute(
            insert(Message.__table__),
            [
                {
                    "conversation_id": conversation_id,
                    "channel": channel,
                    "direction": Direction.OUTBOUND.value,
                    "author": Author.BOT.value,
                    "coordinator_id": None,
                    "kind": MessageKind.TEXT.value,
                    "text": reply.text,
                    "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons] or None,
                    "in_reply_to_id": in_reply_to_id,
                    "platform_message_id": None,
                    "created_at": now,
                }
                for reply in replies
            ],
        )

    async def mark_answered(self, message_id: int) -> None:
        """Record that an inbound message got its answer (in the transaction that stores the answer)."""
        table = Message.__table__  # a plain UPDATE by key: no ORM bookkeeping on the hot path
        await self.session.execute(update(table).where(table.c.id == message_id).values(answered_at=utcnow()))

    async def replies_to(self, message: Message) -> List[Reply]:
        """The replies already sent to one inbound message (texts only, no private notes)."""
        result = await self.session.execute(
            select(Message)
            .where(
                Message.in_reply_to_id == message.id,
                Message.kind == MessageKind.TEXT.value,
            )
            .order_by(Message.id)
        )
        return [to_reply(m) for m in result.scalars()]

    async def transcript(
        self, channel: str, platform_user_id: str, thread_key: str = "", limit: int = 200
    ) -> List[Message]:
        """The person's open conversation as they may see it (text only, no private notes), oldest first.

        At most the newest `limit` messages; empty when the person has no open conversation.
        """
        conversation = (
            select(Conversation.id)
            .join(ChannelIdentity, Conversation.identity_id == ChannelIdentity.id)
            .where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.platform_user_id == platform_user_id,
                Conversation.thread_key == thread_key,
                Conversation.status != ConversationStatus.CLOSED.value,
            )
            .order_by(Conversation.created_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        result = await self.session.execute(
            select(Message)
            .where(Message.conversation_id == conversation, Message.kind == MessageKind.TEXT.value)
            .order_by(Message.id.desc())
            .limit(limit)
        )
        return list(reversed(result.scalars().all()))


def to_reply(message: Message) -> Reply:
    """The internal reply a stored outbound message represents."""
    buttons = tuple(Button(title=b["title"], payload=b["payload"]) for b in message.buttons or ())
    return Reply(text=message.text, buttons=buttons)
