"""Handoff through the router: triggers, silence while people own, the queue's choices. The router's logic runs on
a scripted core (`tests/scripted_core.py`); what the real model understands runs on it at the end."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.handoff import machine as handoff
from bot.handoff import texts
from bot.handoff.office_hours import DAYS, OfficeHours
from bot.router import Router
from bot.safety.screen import THRESHOLDS, SafetyScreen, default_screen
from bot.store.models import ConversationStatus, Handoff, Message
from tests.replies import after_disclosure
from tests.routing import OPEN, inbound, stored_conversation, take_as_coordinator
from tests.scripted_core import ScriptedCore, like_the_model
from tests.scripted_core import handoff as asks_for_a_person


def _closed_all_day_today() -> OfficeHours:
    """Hours on one day that is not today (in UTC), so the office is closed now."""
    other_day = DAYS[(datetime.now(timezone.utc).weekday() + 3) % 7]
    return OfficeHours.parse(f"{other_day.title()} 09:00-17:00", "UTC")


async def test_the_models_request_for_a_person_queues_the_conversation(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    result = await router.handle(inbound("/human_handoff", "asks"))
    replies = after_disclosure(result.replies)
    assert [r.text for r in replies] == [texts.queued(1, OPEN.office_hours, datetime.now(timezone.utc)).text]
    assert "1st in line" in replies[0].text
    assert core.texts == ["/human_handoff"]
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == (ConversationStatus.WAITING.value, "normal")
    async with sessions() as session:
        step = (await session.execute(select(Handoff))).scalars().one()
    assert (step.to_status, step.actor, step.reason) == ("waiting", "participant", "asked for a person")


@pytest.mark.parametrize(
    ("request_", "reason", "priority", "urgent"),
    [
        (asks_for_a_person("worried about a side effect", "urgent"), "worried about a side effect", "urgent", True),
        (asks_for_a_person("", "someday"), "the bot asked for a person", "normal", False),
        ({"custom": {"handoff": {}}}, "the bot asked for a person", "normal", False),
    ],
)
async def test_the_requests_reason_and_priority_are_kept(sessions, request_, reason, priority, urgent) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("help me", "Let me find someone.", request_)
    result = await Router(sessions, core, OPEN).handle(inbound("help me", "with-reasons"))
    notice = texts.queued(1, OPEN.office_hours, datetime.now(timezone.utc))
    expected = ["Let me find someone.", *([texts.urgent_queued().text] if urgent else []), notice.text]
    assert [r.text for r in after_disclosure(result.replies)] == expected
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == ("waiting", priority)
    async with sessions() as session:
        step = (await session.execute(select(Handoff))).scalars().one()
    assert step.reason == reason


async def test_while_waiting_the_model_sees_nothing(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
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


async def test_a_person_who_keeps_writing_is_reassured_after_a_while(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, handoff.QueuePolicy(remind_every=timedelta(0)))
    await router.handle(inbound("/human_handoff", "reassured"))
    again = await router.handle(inbound("hello? anyone", "reassured"))
    assert [r.text for r in again.replies] == [texts.still_waiting(1).text]
    assert core.texts == ["/human_handoff"]


async def test_the_person_can_go_back_to_the_bot_or_keep_waiting(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    await router.handle(inbound("/human_handoff", "chooses"))
    kept = await router.handle(inbound(texts.KEEP_WAITING, "chooses"))
    assert kept.replies[0].text == texts.kept_waiting(1).text
    back = await router.handle(inbound(texts.BACK_TO_BOT, "chooses"))
    assert back.replies[0].text == texts.bot_is_back().text
    assert (await stored_conversation(sessions, back.conversation_id)).status == "bot"
    assert core.texts == ["/human_handoff"], "the queue's choices are the router's, not the model's"
    answered = await router.handle(inbound("are you a bot?", "chooses"))
    assert "not a person" in answered.replies[0].text
    assert core.texts == ["/human_handoff", "are you a bot?"], "back with the bot, the model answers again"


async def test_outside_office_hours_the_person_is_told_when_and_given_the_phone_line(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, like_the_model(), handoff.QueuePolicy(office_hours=_closed_all_day_today()))
    result = await router.handle(inbound("can i talk to a real person", "after-hours"))
    [reply] = after_disclosure(result.replies)
    assert "away right now" in reply.text and "9:00 AM (UTC time)" in reply.text
    assert "1-800-422-6237" in reply.text
    assert (await stored_conversation(sessions, result.conversation_id)).status == "waiting"


async def test_a_second_miss_that_brings_in_a_person_is_answered_then_queued(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, like_the_model(), OPEN)
    first = await router.handle(inbound("/nlu_fallback", "missed"))
    assert (await stored_conversation(sessions, first.conversation_id)).status == "bot"
    second = await router.handle(inbound("/nlu_fallback", "missed"))
    answer, notice = second.replies
    assert "person from our team" in answer.text and answer.buttons, "the action's words and topics come first"
    assert notice.text == texts.queued(1, OPEN.office_hours, datetime.now(timezone.utc)).text
    assert (await stored_conversation(sessions, second.conversation_id)).status == "waiting"
    async with sessions() as session:
        step = (await session.execute(select(Handoff))).scalars().one()
    assert step.reason == "the bot did not understand twice in a row"


ADVICE = ["should i stop taking my chemo", "what's my prognosis", "can i skip my next dose"]


@pytest.mark.parametrize("question", ADVICE)
async def test_medical_advice_is_asked_as_the_intent_and_a_coordinator_offered(sessions, question: str) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    result = await router.handle(inbound(question, f"advice-{question}"))
    assert core.texts == ["/medical_advice"], "the model is asked its own intent, not the question"
    assert "only your care team can answer" in after_disclosure(result.replies)[0].text
    offer = result.replies[-1]
    assert [(b.title, b.payload) for b in offer.buttons] == [
        ("Yes, connect me", "/human_handoff"),
        ("No thanks", "/thank"),
    ]
    accepted = await router.handle(inbound(offer.buttons[0].payload, f"advice-{question}"))
    assert (await stored_conversation(sessions, accepted.conversation_id)).status == "waiting"


async def test_a_request_for_trials_read_as_advice_gets_the_search(sessions) -> None:  # type: ignore[no-untyped-def]
    # The trained screen with a medical-advice threshold low enough that it flags every message below.
    eager = SafetyScreen(default_screen().classifier, replace(THRESHOLDS, medical_advice=0.0))
    search = "My brother is 38, his tongue cancer came back after surgery. Are there trials for cancer that comes back?"
    told = "Sorry, I should have said: the pathology says small cell lung cancer, not the other kind."
    listed = "my lung cancer came back, should i stop treatment? are there any trials for me"  # the word list
    cases = ((search, search), (told, told), (listed, "/medical_advice"), ("is 3 weeks late ok", "/medical_advice"))
    for text, asked in cases:
        core = like_the_model().on(search, {"text": "How old is the person the trial is for?"}).on(told, {"text": "…"})
        router = Router(sessions, core, OPEN, safety=eager)
        await router.handle(inbound(text, f"advice-{text}"))
        assert core.texts == [asked], text


async def test_with_a_coordinator_the_bot_is_silent(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    queued = await router.handle(inbound("/human_handoff", "with-person"))
    await take_as_coordinator(sessions, queued.conversation_id)
    result = await router.handle(inbound(texts.BACK_TO_BOT, "with-person"))
    assert result.replies == () and core.texts == ["/human_handoff"]
    assert (await stored_conversation(sessions, queued.conversation_id)).status == "with_coordinator"


async def test_router_publishes_events_for_the_console(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, like_the_model(), OPEN)
    async with router.events.subscribe() as queue:
        result = await router.handle(inbound("/human_handoff", "events"))
        seen = [queue.get_nowait() for _ in range(queue.qsize())]
    assert {(e.kind, e.conversation_id) for e in seen} >= {
        ("message", result.conversation_id),
        ("queue", result.conversation_id),
    }


# With the real model: what it understands, and what its actions decide.


@pytest.mark.model
@pytest.mark.parametrize(
    "words", ["can I talk to someone real", "human please", "i wanna talk to an actual person", "/human_handoff"]
)
async def test_asking_for_a_person_queues_the_conversation(sessions, core_pool, words: str) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    result = await router.handle(inbound(words, f"asks-{words}"))
    replies = after_disclosure(result.replies)
    assert [r.text for r in replies] == [texts.queued(1, OPEN.office_hours, datetime.now(timezone.utc)).text]
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert conversation.status == ConversationStatus.WAITING.value
    async with sessions() as session:
        step = (await session.execute(select(Handoff))).scalars().one()
    assert (step.to_status, step.actor, step.reason) == ("waiting", "participant", "asked for a person")


@pytest.mark.model
async def test_two_misses_in_a_row_bring_in_a_person(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    first = await router.handle(inbound("/nlu_fallback", "missed"))
    assert (await stored_conversation(sessions, first.conversation_id)).status == "bot"
    second = await router.handle(inbound("/nlu_fallback", "missed"))
    assert "person from our team" in second.replies[0].text
    assert "1st in line" in second.replies[-1].text
    assert (await stored_conversation(sessions, second.conversation_id)).status == "waiting"


@pytest.mark.model
async def test_the_model_declines_medical_advice_and_offers_a_coordinator(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    result = await router.handle(inbound(ADVICE[0], "advice-real"))
    assert "only your care team can answer" in after_disclosure(result.replies)[0].text
    offer = result.replies[-1]
    assert [(b.title, b.payload) for b in offer.buttons] == [
        ("Yes, connect me", "/human_handoff"),
        ("No thanks", "/thank"),
    ]
    accepted = await router.handle(inbound(offer.buttons[0].payload, "advice-real"))
    assert (await stored_conversation(sessions, accepted.conversation_id)).status == "waiting"


@pytest.mark.model
async def test_back_with_the_bot_the_model_answers_again(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    await router.handle(inbound("/human_handoff", "chooses-real"))
    await router.handle(inbound(texts.BACK_TO_BOT, "chooses-real"))
    answered = await router.handle(inbound("are you a bot?", "chooses-real"))
    assert "not a person" in answered.replies[0].text
