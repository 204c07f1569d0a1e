"""The state machine: every allowed and refused step, the queue order, and what each step records."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.handoff import machine as handoff
from bot.messages import InboundMessage
from bot.store.models import ConversationStatus, Coordinator, Handoff, Priority
from bot.store.repository import ConversationRepository

S = ConversationStatus
EXPECTED_ALLOWED = {
    (S.BOT, S.WAITING),
    (S.BOT, S.WITH_COORDINATOR),
    (S.BOT, S.CLOSED),
    (S.WAITING, S.WITH_COORDINATOR),
    (S.WAITING, S.BOT),
    (S.WAITING, S.CLOSED),
    (S.WITH_COORDINATOR, S.BOT),
    (S.WITH_COORDINATOR, S.CLOSED),
}
PATH_TO = {S.BOT: [], S.WAITING: [S.WAITING], S.WITH_COORDINATOR: [S.WITH_COORDINATOR], S.CLOSED: [S.CLOSED]}


async def _conversation(session, user: str = "u1"):  # type: ignore[no-untyped-def]
    repo = ConversationRepository(session)
    return await repo.open_conversation(InboundMessage(channel="rest", platform_user_id=user, text="hi"))


async def _coordinator(session, email: str = "c@example.org") -> Coordinator:  # type: ignore[no-untyped-def]
    coordinator = Coordinator(email=email, name="Sam", password_hash="x", role="coordinator")
    session.add(coordinator)
    await session.flush()
    return coordinator


async def _move(session, conversation, to_status, coordinator_id):  # type: ignore[no-untyped-def]
    return await handoff.transition(
        session, conversation, to_status, actor="test", assignee_id=coordinator_id, wait=timedelta(minutes=5)
    )


def test_the_table_is_exactly_the_designed_machine() -> None:
    table = {(a, b) for a, targets in handoff.ALLOWED.items() for b in targets}
    assert table == EXPECTED_ALLOWED


@pytest.mark.parametrize(("start", "end"), list(itertools.product(S, S)))
async def test_every_step_is_allowed_or_refused_as_designed(sessions, start, end) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        conversation = await _conversation(session)
        coordinator = await _coordinator(session)
        for status in PATH_TO[start]:
            await _move(session, conversation, status, coordinator.id)
        if (start, end) in EXPECTED_ALLOWED:
            record = await _move(session, conversation, end, coordinator.id)
            assert (record.from_status, record.to_status) == (start.value, end.value)
            assert conversation.status == end.value
        else:
            with pytest.raises(handoff.HandoffError):
                await _move(session, conversation, end, coordinator.id)
            assert conversation.status == start.value


async def test_full_cycle_is_recorded_with_actor_reason_and_time(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        conversation = await _conversation(session)
        coordinator = await _coordinator(session)
        assert handoff.bot_owns(conversation)
        await handoff.request_person(session, conversation, reason="asked for a person", wait=timedelta(minutes=10))
        assert not handoff.bot_owns(conversation) and conversation.waiting_since is not None
        await handoff.take(session, conversation, coordinator.id)
        assert conversation.assignee_id == coordinator.id and conversation.waiting_since is None
        await handoff.hand_back(session, conversation, handoff.coordinator_actor(coordinator.id), "handed back")
        assert conversation.assignee_id is None and handoff.bot_owns(conversation)
        await session.commit()
        steps = (await session.execute(select(Handoff).order_by(Handoff.id))).scalars().all()
    assert [(s.from_status, s.to_status, s.actor) for s in steps] == [
        ("bot", "waiting", "participant"),
        ("waiting", "with_coordinator", f"coordinator:{coordinator.id}"),
        ("with_coordinator", "bot", f"coordinator:{coordinator.id}"),
    ]
    assert steps[0].reason == "asked for a person"
    assert all(s.created_at is not None for s in steps)


async def test_taking_needs_a_coordinator(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        conversation = await _conversation(session)
        with pytest.raises(handoff.HandoffError, match="coordinator"):
            await handoff.transition(session, conversation, S.WITH_COORDINATOR, actor="x")


async def test_queue_puts_urgent_first_then_longest_waiting(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        first = await _conversation(session, "first")
        second = await _conversation(session, "second")
        urgent = await _conversation(session, "urgent")
        for conversation in (first, second):
            await handoff.request_person(session, conversation, reason="asked")
        await handoff.request_person(session, urgent, reason="crisis", priority=Priority.URGENT)
        await session.commit()
        order = [c.id for c in await handoff.queue(session)]
        positions = [await handoff.queue_position(session, c) for c in (urgent, first, second)]
    assert order == [urgent.id, first.id, second.id]
    assert positions == [1, 2, 3]


async def test_an_urgent_request_while_waiting_moves_the_conversation_up(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        first = await _conversation(session, "first")
        later = await _conversation(session, "later")
        await handoff.request_person(session, first, reason="asked")
        await handoff.request_person(session, later, reason="asked")
        assert await handoff.request_person(session, later, reason="crisis", priority=Priority.URGENT) is False
        assert await handoff.queue_position(session, later) == 1
        assert await handoff.queue_position(session, first) == 2


async def test_offers_fall_due_after_the_wait_and_can_be_renewed(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        conversation = await _conversation(session)
        await handoff.request_person(session, conversation, reason="asked", wait=timedelta(minutes=10))
        await session.commit()
        now = conversation.waiting_since
        assert await handoff.offers_due(session, now + timedelta(minutes=9)) == []
        assert [c.id for c in await handoff.offers_due(session, now + timedelta(minutes=11))] == [conversation.id]
        await handoff.offer_made(session, conversation)
        assert await handoff.offers_due(session, now + timedelta(hours=5)) == []
        await handoff.keep_waiting(session, conversation, timedelta(minutes=10))
        assert await handoff.offers_due(session, now + timedelta(hours=5)) != []


async def test_a_closed_conversation_cannot_be_queued(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        conversation = await _conversation(session)
        await handoff.close(session, conversation, "test")
        with pytest.raises(handoff.HandoffError):
            await handoff.request_person(session, conversation, reason="asked")
