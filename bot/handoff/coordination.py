"""What coordinators do to a conversation — take, reply, note, hand back, close — delivered and audited.

Status changes go through `bot.handoff.machine`; messages to the person go out on their own channel
through the outbox; every step is stored before it is sent and written to the audit log. Closing
or handing back a conversation a coordinator was talking in also asks the person the optional
"did it help?" question (`bot.handoff.satisfaction`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, List, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.gateway.delivery import Outbox
from bot.gateway.live_updates import LiveUpdates
from bot.handoff import machine as handoff
from bot.handoff import satisfaction, texts
from bot.messages import Reply
from bot.store import audit, outbox
from bot.store.models import Author, Conversation, ConversationStatus, Coordinator, Handoff, MessageKind
from bot.store.repository import ConversationRepository

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4000


@dataclass(frozen=True)
class Outcome:
    """What happened: the change is always stored; `delivered` says whether the person got it live."""

    delivered: bool = True
    problem: str = ""


class Coordination:
    """Coordinators' actions on conversations (the console calls these)."""

    def __init__(
        self,
        sessions: Callable[[], AsyncSession],
        outbox: Outbox,
        events: LiveUpdates,
        policy: handoff.QueuePolicy,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._events = events
        self._policy = policy

    async def take(self, conversation_id: str, coordinator: Coordinator) -> Outcome:
        """Take the conversation from the queue (or from the bot) and tell the person who joined."""
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get_conversation(conversation_id)
            if _has_it(conversation, coordinator):
                return Outcome()
            await handoff.take(session, conversation, coordinator.id)
            await audit.record(session, audit.TOOK, coordinator_id=coordinator.id, conversation_id=conversation_id)
            return await self._send(session, repo, conversation, [texts.joined(coordinator.name)], Author.BOT)

    async def reply(self, conversation_id: str, coordinator: Coordinator, text: str) -> Outcome:
        """Send the coordinator's words to the person (taking the conversation first if needed)."""
        text = text.strip()[:MAX_REPLY_CHARS]
        if not text:
            return Outcome(delivered=False, problem="The reply was empty.")
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get_conversation(conversation_id)
            if conversation.status == ConversationStatus.CLOSED.value:
                return Outcome(delivered=False, problem="This conversation is closed.")
            announce = []
            if not _has_it(conversation, coordinator):
                await handoff.take(session, conversation, coordinator.id)
                await audit.record(session, audit.TOOK, coordinator_id=coordinator.id, conversation_id=conversation_id)
                announce = [texts.joined(coordinator.name)]
                await repo.add_outbound(conversation, announce, Author.BOT)
            await audit.record(session, audit.REPLIED, coordinator_id=coordinator.id, conversation_id=conversation_id)
            words = [Reply(text=text, author="coordinator")]
            return await self._send(
                session, repo, conversation, words, Author.COORDINATOR, coordinator.id, already_stored=announce
            )

    async def note(self, conversation_id: str, coordinator: Coordinator, text: str) -> None:
        """A private note for the team: stored and shown in the console, never sent."""
        text = text.strip()[:MAX_REPLY_CHARS]
        if not text:
            return
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get_conversation(conversation_id)
            await repo.add_outbound(
                conversation, [Reply(text=text)], Author.COORDINATOR, coordinator.id, MessageKind.PRIVATE_NOTE
            )
            await audit.record(session, audit.NOTED, coordinator_id=coordinator.id, conversation_id=conversation_id)
            await session.commit()
        self._events.publish("message", conversation_id)

    async def hand_back(self, conversation_id: str, coordinator: Coordinator) -> Outcome:
        """The bot answers again; the person is told (and asked whether talking with the team helped)."""
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get_conversation(conversation_id)
            step = await handoff.hand_back(
                session, conversation, handoff.coordinator_actor(coordinator.id), "handed back"
            )
            await audit.record(
                session, audit.HANDED_BACK, coordinator_id=coordinator.id, conversation_id=conversation_id
            )
            return await self._send(session, repo, conversation, _asking(step, texts.bot_is_back()), Author.BOT)

    async def close(self, conversation_id: str, coordinator: Coordinator) -> Outcome:
        """End the conversation; the person's next message starts a new one with the bot.

        If the coordinator was talking with the person, the goodbye comes with the optional question.
        """
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get_conversation(conversation_id)
            step = await handoff.close(session, conversation, handoff.coordinator_actor(coordinator.id))
            await audit.record(session, audit.CLOSED, coordinator_id=coordinator.id, conversation_id=conversation_id)
            return await self._send(session, repo, conversation, _asking(step, texts.closed()), Author.BOT)

    async def send_due_offers(self) -> int:
        """Offer "keep waiting or back to the bot?" to everyone who waited longer than the policy allows."""
        minutes = max(1, round(self._policy.wait.total_seconds() / 60))
        sent = 0
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            for conversation in await handoff.offers_due(session):
                await handoff.offer_made(session, conversation)
                await self._send(session, repo, conversation, [texts.wait_offer(minutes)], Author.BOT)
                sent += 1
        return sent

    async def _send(
        self,
        session: AsyncSession,
        repo: ConversationRepository,
        conversation: Conversation,
        replies: Sequence[Reply],
        author: Author,
        coordinator_id: int | None = None,
        already_stored: Sequence[Reply] = (),
    ) -> Outcome:
        """Store, commit, then deliver on the person's channel (a failed delivery stays stored).

        `already_stored` replies (stored by the caller with another author) are delivered first.
        """
        await repo.add_outbound(conversation, replies, author, coordinator_id)
        replies = [*already_stored, *replies]
        address = await repo.address(conversation)
        await session.commit()
        self._events.publish("queue", conversation.id)
        self._events.publish("message", conversation.id)
        try:
            if outbox.delivered_later(address.channel):
                if not await self._outbox.deliver(conversation.id):
                    return Outcome(
                        delivered=False, problem=f"Saved; delivery on {address.channel} will be tried again."
                    )
            else:
                await self._outbox.send(address, replies)
        except Exception as error:  # any channel failure: the message is stored, the console says so
            # The error's text can name the chat or the person on the platform: the log gets its type only.
            logger.warning(
                "Could not deliver to %s conversation %s: %s", address.channel, conversation.id, type(error).__name__
            )
            return Outcome(delivered=False, problem=f"Saved, but not delivered on {address.channel}: {error}")
        return Outcome()


def _asking(step: Handoff, told: Reply) -> List[Reply]:
    """What the person is told, then the satisfaction question when the step ended a coordinator's part."""
    return [told, satisfaction.question()] if satisfaction.asks_after(step) else [told]


def _has_it(conversation: Conversation, coordinator: Coordinator) -> bool:
    """Whether this coordinator is the one talking with the person now."""
    return (
        conversation.status == ConversationStatus.WITH_COORDINATOR.value and conversation.assignee_id == coordinator.id
    )
