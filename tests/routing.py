"""Shared pieces of the router tests: an always-open queue policy, and small lookups of a conversation and its
place in the queue. The core they route to is scripted (`tests/scripted_core.py`) unless the model is the point."""

from datetime import timedelta
from typing import Any

from bot.handoff import machine as handoff
from bot.handoff.office_hours import OfficeHours
from bot.messages import InboundMessage
from bot.store.models import Conversation, Coordinator

OPEN = handoff.QueuePolicy(office_hours=OfficeHours.parse("always", "UTC"), wait=timedelta(minutes=10))


def inbound(text: str, user: str) -> InboundMessage:
    """A REST message from `user`."""
    return InboundMessage(channel="rest", platform_user_id=user, text=text)


async def stored_conversation(sessions, conversation_id: str) -> Conversation:  # type: ignore[no-untyped-def]
    """The stored conversation (it must exist)."""
    async with sessions() as session:
        found = await session.get(Conversation, conversation_id)
        assert found is not None
        return found


async def position(sessions, conversation_id: str) -> Any:  # type: ignore[no-untyped-def]
    """The conversation's place in the coordinators' queue (None when it is not waiting)."""
    async with sessions() as session:
        return await handoff.queue_position(session, await session.get(Conversation, conversation_id))


async def take_as_coordinator(sessions, conversation_id: str, email: str = "sam@example.org") -> int:  # type: ignore[no-untyped-def]
    """A new coordinator takes the conversation from the queue (as the console does); their id."""
    async with sessions() as session:
        coordinator = Coordinator(email=email, name="Sam", password_hash="x", role="coordinator")
        session.add(coordinator)
        await session.flush()
        await handoff.take(session, await session.get(Conversation, conversation_id), coordinator.id)
        await session.commit()
        return int(coordinator.id)
