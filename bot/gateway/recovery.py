"""At start-up, answering the messages a crash left unanswered.

The router stores a message before it answers it and marks it answered in the transaction that
stores the answer (`Message.answered_at`). A gateway that stopped in between (killed, out of memory,
the machine restarted) leaves messages stored but unanswered, and a platform that redelivers them
gets "already have it" (the de-duplication), so nobody would answer them. `answer_unanswered` answers
those of the last `window` (older ones would be a strange surprise) that were stored before this
process started, oldest first, one conversation at a time each, and delivers the answers through the
outbox like any other. It assumes one gateway per database (the web chat's open sockets assume it too).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Callable, Dict, List

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.gateway.delivery import Address, Outbox
from bot.handoff import machine as handoff
from bot.messages import InboundKind, InboundMessage
from bot.router import Accepted, Router
from bot.store.models import ChannelIdentity, Conversation, Direction, Message, MessageKind

logger = logging.getLogger(__name__)

CONCURRENCY = 4
"""Conversations answered at once (the Rasa workers are the limit)."""


async def unanswered(session: AsyncSession, since: datetime, before: datetime) -> List[Accepted]:
    """The stored, unanswered messages of people between `since` and `before`, oldest first, as accepted."""
    result = await session.execute(
        select(Message, Conversation, ChannelIdentity.platform_user_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
        .where(
            Message.direction == Direction.INBOUND.value,
            Message.kind == MessageKind.TEXT.value,
            Message.answered_at.is_(None),
            Message.created_at >= since,
            Message.created_at < before,
        )
        .order_by(Message.id)
    )
    return [
        Accepted(
            inbound=InboundMessage(
                channel=message.channel,
                platform_user_id=platform_user_id,
                text=message.text,
                platform_message_id=message.platform_message_id,
                thread_key=conversation.thread_key,
                kind=InboundKind.of_stored(message.text),
            ),
            conversation_id=conversation.id,
            message_id=message.id,
            bot_owns=handoff.bot_owns(conversation),
        )
        for message, conversation, platform_user_id in result.all()
    ]


async def answer_unanswered(
    sessions: Callable[[], AsyncSession], router: Router, outbox: Outbox, window: timedelta, started_at: datetime
) -> int:
    """Answer and deliver what a crash left unanswered; returns how many messages were answered."""
    async with sessions() as session:
        found = await unanswered(session, started_at - window, started_at)
    if not found:
        return 0
    logger.warning("Answering %d message(s) left unanswered when the gateway last stopped", len(found))
    by_conversation: Dict[str, List[Accepted]] = defaultdict(list)
    for accepted in found:
        by_conversation[accepted.conversation_id].append(accepted)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def answer_in_order(messages: List[Accepted]) -> None:
        async with gate:
            for accepted in messages:
                result = await router.answer(accepted)
                if result.queued:
                    await outbox.deliver(result.conversation_id)
                elif result.replies and accepted.inbound.channel in outbox.channels():  # not stored (delete-my-data)
                    inbound = accepted.inbound
                    address = Address(
                        inbound.channel, inbound.platform_user_id, inbound.thread_key, accepted.conversation_id
                    )
                    await outbox.send(address, result.replies)

    outcomes = await asyncio.gather(
        *(answer_in_order(messages) for messages in by_conversation.values()), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            logger.error("Could not answer a message left unanswered: %s", type(outcome).__name__)
    return len(found)
