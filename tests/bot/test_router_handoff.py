"""Handoff through the router with the real model: triggers, silence while people own, the queue's choices."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.handoff import machine as handoff
from bot.handoff import texts
from bot.handoff.office_hours import DAYS, OfficeHours
from bot.router import Router
from bot.store.models import ConversationStatus, Handoff, Message
from tests.replies import after_disclosure
from tests.routing import OPEN, CountingCore, inbound, stored_conversation, take_as_coordinator


def _closed_all_day_today() -> OfficeHours:
    """Hours on one day that is not today (in UTC), so the office is closed now."""
    other_day = DAYS[(datetime.now(timezone.utc).weekday() + 3) % 7]
    return OfficeHours.parse(f"{other_day.title()} 09:00-17:00", "UTC")


@pytest.mark.parametrize(
    "words", ["can I talk to someone real", "human please", "i wanna talk to an actual person", "/human_handoff"]
)
async def test_asking_for_a_person_queues_the_conversation(sessions, core_pool, words: str) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    result = await router.handle(inbound(words, f"asks-{words}"))
    replies = after_disclosure(result.replies)
    assert [r.text for r in replies] == [texts.queued(1, OPEN.office_hours, datetime.now(timezone.utc)).text]
    assert "1st in line" in replies[0].text
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert conversation.status == ConversationStatus.WAITING.value
    async with sessions() as session:
        step = (await session.execute(select(Handoff))).scalars().one()
    assert (step.to_status, step.actor, step.reason) == ("waiting", "participant", "asked for a person")


async def test_while_waiting_the_model_sees_nothing(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    core = CountingCore(core_pool)
    router = Router(sessions, core, OPEN)
    queued = await router.handle(inbound("/human_handoff", "waits"))
    first = await router.handle(inbound("hello? anyone", "waits"))
    second = await router.handle(inbound("i have breast cancer", "waits"))
    assert core.texts == ["/human_handoff"]
    assert first.replies == second.replies == ()  # they were just told they can keep typing
    async with sessions() as session:
        stored = (
            (await session.execute(select(Message).where(Message.conversation_id == queued.conversation_id)))
            .scalars()
            .all()
        )
    assert [m.text for m in stored if m.direction == "inbound"] == [
        "/human_handoff",
        "hello? anyone",
        "i have breast cancer",
    ]


async def test_a_person_who_keeps_writing_is_reassured_after_a_while(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, handoff.QueuePolicy(remind_every=timedelta(0)))
    await router.handle(inbound("/human_handoff", "reassured"))
    again = await router.handle(inbound("hello? anyone", "reassured"))
    assert [r.text for r in again.replies] == [texts.still_waiting(1).text]


async def test_the_person_can_go_back_to_the_bot_or_keep_waiting(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    await router.handle(inbound("/human_handoff", "chooses"))
    kept = await router.handle(inbound(texts.KEEP_WAITING, "chooses"))
    assert kept.replies[0].text == texts.kept_waiting(1).text
    back = await router.handle(inbound(texts.BACK_TO_BOT, "chooses"))
    assert back.replies[0].text == texts.bot_is_back().text
    assert (await stored_conversation(sessions, back.conversation_id)).status == "bot"
    answered = await router.handle(inbound("are you a bot?", "chooses"))
    assert "not a person" in answered.replies[0].text


async def test_outside_office_hours_the_person_is_told_when_and_given_the_phone_line(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, handoff.QueuePolicy(office_hours=_closed_all_day_today()))
    result = await router.handle(inbound("can i talk to a real person", "after-hours"))
    [reply] = after_disclosure(result.replies)
    assert "away right now" in reply.text and "9:00 AM (UTC time)" in reply.text
    assert "1-800-422-6237" in reply.text
    assert (await stored_conversation(sessions, result.conversation_id)).status == "waiting"


async def test_two_misses_in_a_row_bring_in_a_person(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    first = await router.handle(inbound("/nlu_fallback", "missed"))
    assert (await stored_conversation(sessions, first.conversation_id)).status == "bot"
    second = await router.handle(inbound("/nlu_fallback", "missed"))
    assert "person from our team" in second.replies[0].text
    assert "1st in line" in second.replies[-1].text
    assert (await stored_conversation(sessions, second.conversation_id)).status == "waiting"


ADVICE = ["should i stop taking my chemo", "what's my prognosis", "can i skip my next dose"]


@pytest.mark.parametrize("question", ADVICE)
async def test_medical_advice_is_declined_and_a_coordinator_offered(sessions, core_pool, question: str) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    result = await router.handle(inbound(question, f"advice-{question}"))
    assert "only your care team can answer" in after_disclosure(result.replies)[0].text
    offer = result.replies[-1]
    assert [(b.title, b.payload) for b in offer.buttons] == [
        ("Yes, connect me", "/human_handoff"),
        ("No thanks", "/thank"),
    ]
    accepted = await router.handle(inbound(offer.buttons[0].payload, f"advice-{question}"))
    assert (await stored_conversation(sessions, accepted.conversation_id)).status == "waiting"


async def test_with_a_coordinator_the_bot_is_silent(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    core = CountingCore(core_pool)
    router = Router(sessions, core, OPEN)
    queued = await router.handle(inbound("/human_handoff", "with-person"))
    await take_as_coordinator(sessions, queued.conversation_id)
    result = await router.handle(inbound(texts.BACK_TO_BOT, "with-person"))
    assert result.replies == () and core.texts == ["/human_handoff"]
    assert (await stored_conversation(sessions, queued.conversation_id)).status == "with_coordinator"


async def test_router_publishes_events_for_the_console(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    async with router.events.subscribe() as queue:
        result = await router.handle(inbound("/human_handoff", "events"))
        seen = [queue.get_nowait() for _ in range(queue.qsize())]
    assert {(e.kind, e.conversation_id) for e in seen} >= {
        ("message", result.conversation_id),
        ("queue", result.conversation_id),
    }
