"""The one place that decides what happens to a message.

De-duplicate by the platform's message id, store the inbound message before anything else,
send it to the core when the bot owns the conversation (a person owns it otherwise), then
store and return the replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import handoff
from bot.core import CoreError
from bot.messages import InboundMessage, Reply, RouterResult
from bot.models import Message
from bot.repository import ConversationRepository

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000

TROUBLE_REPLY = Reply(
    text=(
        "Sorry, I'm having trouble answering right now. Your message is saved. "
        "Please try again in a minute."
    )
)
EMPTY_REPLY = Reply(text="I didn't catch any words there. What would you like to know about clinical trials?")


class Core(Protocol):
    """What the router needs from the core: Rasa's replies to one message of a conversation."""

    async def handle(
        self,
        conversation_id: str,
        text: str,
        channel: str = "rest",
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> List[Dict[str, Any]]: ...


@dataclass(frozen=True)
class Accepted:
    """An inbound message after it was stored (or recognised as a repeated delivery)."""

    inbound: InboundMessage
    conversation_id: str
    message_id: Optional[int]
    bot_owns: bool
    duplicate: bool = False
    earlier_replies: Tuple[Reply, ...] = ()


class Router:
    """Routes inbound messages to the bot (or, in a handoff, to people) and stores everything."""

    def __init__(self, sessions: Callable[[], AsyncSession], core: Core) -> None:
        self._sessions = sessions
        self._core = core

    async def handle(self, inbound: InboundMessage) -> RouterResult:
        """Process one inbound message exactly once and return the replies to send."""
        return await self.answer(await self.receive(inbound))

    async def receive(self, inbound: InboundMessage) -> Accepted:
        """Store the message first; a repeated platform id is recognised, not stored again.

        Channels that must acknowledge a platform quickly (Slack, Telegram) call this before
        acknowledging, then `answer` afterwards.
        """
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            if inbound.platform_message_id:
                earlier = await repo.find_inbound(inbound.channel, inbound.platform_message_id)
                if earlier is not None:
                    return await self._duplicate(repo, inbound, earlier)
            conversation = await repo.open_conversation(inbound)
            try:
                message = await repo.add_inbound(conversation, inbound)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                if not inbound.platform_message_id:
                    raise
                earlier = await repo.find_inbound(inbound.channel, inbound.platform_message_id)
                if earlier is None:
                    raise
                return await self._duplicate(repo, inbound, earlier)
            return Accepted(inbound, conversation.id, message.id, handoff.bot_owns(conversation))

    async def answer(self, accepted: Accepted) -> RouterResult:
        """The replies to an accepted message: none for a person-owned conversation, the earlier
        ones for a repeated delivery, otherwise the core's answer (stored before it is returned)."""
        if accepted.duplicate or accepted.message_id is None:
            return RouterResult(accepted.conversation_id, accepted.earlier_replies, duplicate=True)
        if not accepted.bot_owns:
            return RouterResult(conversation_id=accepted.conversation_id, replies=())
        replies = await self._ask_core(accepted.conversation_id, accepted.inbound)
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            inbound_row = await repo.get_message(accepted.message_id)
            await repo.add_replies(accepted.conversation_id, accepted.inbound.channel, inbound_row, replies)
            await session.commit()
        return RouterResult(conversation_id=accepted.conversation_id, replies=tuple(replies))

    @staticmethod
    async def _duplicate(repo: ConversationRepository, inbound: InboundMessage, earlier: Message) -> Accepted:
        logger.info("Ignoring a repeated delivery of message %s", earlier.platform_message_id)
        replies = await repo.replies_to(earlier)
        return Accepted(
            inbound=inbound,
            conversation_id=earlier.conversation_id,
            message_id=None,
            bot_owns=False,
            duplicate=True,
            earlier_replies=tuple(replies),
        )

    async def _ask_core(self, conversation_id: str, inbound: InboundMessage) -> List[Reply]:
        text = inbound.text.strip()
        if not text:
            return [EMPTY_REPLY]
        try:
            answers = await self._core.handle(
                conversation_id, text[:MAX_TEXT_CHARS], inbound.channel, dict(inbound.metadata)
            )
        except CoreError as error:
            logger.error("The core could not answer conversation %s: %s", conversation_id, error)
            return [TROUBLE_REPLY]
        return [Reply.from_rasa(a) for a in answers if a.get("text") or a.get("buttons")]

