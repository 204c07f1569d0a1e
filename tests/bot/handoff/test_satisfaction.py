"""The optional "did it help?" question after a coordinator's part ends, through the router and the
coordinators' actions on a scripted core (`tests/scripted_core.py`: the model's answers do not matter here,
what it is asked does) and real databases: asked when it should be, one answer stored per question,
thanked, never shown to the model, and deleted with the person's data."""

from datetime import timedelta
from typing import Any, List, Tuple

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.gateway.delivery import Outbox
from bot.handoff import machine as handoff
from bot.handoff import satisfaction, texts
from bot.handoff.coordination import Coordination
from bot.messages import InboundMessage
from bot.privacy.retention import purge_database
from bot.router import Router
from bot.store.models import Conversation, Coordinator, Handoff, Message, SatisfactionAnswer, utcnow
from tests.bot.console.browsing import Recorder
from tests.routing import OPEN, inbound
from tests.scripted_core import like_the_model

THANKS = "Thank you for telling us."


def _wired(sessions: Any, core: Any) -> Tuple[Router, Coordination, Recorder]:
    """A router and the coordinators' actions sharing one database; the REST person's deliveries are recorded."""
    router = Router(sessions, core, OPEN)
    outbox, person = Outbox(), Recorder()
    outbox.register("rest", person)
    return router, Coordination(sessions, outbox, router.events, OPEN), person


async def _coordinator(sessions: Any, email: str = "sam@example.org") -> Coordinator:
    async with sessions() as session:
        coordinator = Coordinator(email=email, name="Sam", password_hash="x", role="coordinator")
        session.add(coordinator)
        await session.commit()
        return coordinator


async def _talked_with_sam(router: Router, coordination: Coordination, sessions: Any, user: str) -> Tuple[str, Any]:
    """The person asks for a person and Sam answers them: the conversation's id and Sam."""
    queued = await router.handle(inbound("/human_handoff", user))
    sam = await _coordinator(sessions, f"sam-{user}@example.org")
    outcome = await coordination.reply(queued.conversation_id, sam, "Hi, I'm Sam. How can I help?")
    assert outcome.delivered, outcome.problem
    return queued.conversation_id, sam


def _tap(payload: str, user: str, tap_id: str) -> InboundMessage:
    """A button tap, with the platform's id for it (a second tap has a new one)."""
    return InboundMessage(channel="rest", platform_user_id=user, text=payload, platform_message_id=tap_id)


async def _answers(sessions: Any) -> List[SatisfactionAnswer]:
    async with sessions() as session:
        return list((await session.execute(select(SatisfactionAnswer).order_by(SatisfactionAnswer.id))).scalars())


async def _conversations(sessions: Any) -> List[Conversation]:
    async with sessions() as session:
        return list((await session.execute(select(Conversation).order_by(Conversation.created_at))).scalars())


def test_only_the_buttons_payloads_are_answers() -> None:
    asked = satisfaction.question()
    assert [(b.title, b.payload) for b in asked.buttons] == [
        ("👍 Yes, it helped", "/satisfaction_up"),
        ("👎 Not really", "/satisfaction_down"),
    ]
    assert "only if you'd like" in asked.text and asked.text.endswith("?")
    assert [satisfaction.rating(b.payload) for b in asked.buttons] == ["up", "down"]
    for words in ("yes", "thanks", "👍", "Yes, it helped", "/satisfaction", "/satisfaction_up please", ""):
        assert satisfaction.rating(words) is None, words


async def test_closing_asks_once_and_a_tap_is_stored_thanked_and_kept_from_the_model(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router, coordination, person = _wired(sessions, core)
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "rates-up")

    outcome = await coordination.close(conversation_id, sam)
    assert outcome.delivered, outcome.problem
    [(_, last_delivery)] = person.sent[-1:]
    assert [r.text for r in last_delivery] == [texts.closed().text, satisfaction.question().text]
    assert last_delivery[1].buttons == satisfaction.question().buttons
    asked_so_far = list(core.texts)

    result = await router.handle(_tap(satisfaction.UP, "rates-up", "tap-1"))
    assert [r.text for r in result.replies] == [THANKS]
    assert core.texts == asked_so_far, "the model never sees the answer"
    assert result.conversation_id == conversation_id, "filed under the conversation it is about"
    assert [c.id for c in await _conversations(sessions)] == [conversation_id], "no new conversation started"
    async with sessions() as session:
        closing = (await session.execute(select(Handoff).where(Handoff.to_status == "closed"))).scalars().one()
        stored = (await session.execute(select(Message).order_by(Message.id.desc()).limit(2))).scalars().all()
    [answer] = await _answers(sessions)
    assert (answer.conversation_id, answer.handoff_id, answer.rating) == (conversation_id, closing.id, "up")
    assert answer.created_at is not None and answer.changed_at is None
    assert [(m.direction, m.text) for m in reversed(stored)] == [("inbound", "/satisfaction_up"), ("outbound", THANKS)]


async def test_a_repeated_tap_adds_no_row_and_a_different_one_changes_the_answer(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router, coordination, _ = _wired(sessions, core)
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "taps-twice")
    await coordination.close(conversation_id, sam)
    asked_so_far = list(core.texts)

    await router.handle(_tap(satisfaction.UP, "taps-twice", "tap-1"))
    again = await router.handle(_tap(satisfaction.UP, "taps-twice", "tap-2"))
    assert [r.text for r in again.replies] == [THANKS]
    redelivered = await router.handle(_tap(satisfaction.UP, "taps-twice", "tap-2"))
    assert redelivered.duplicate
    assert [(a.rating, a.changed_at) for a in await _answers(sessions)] == [("up", None)]

    changed = await router.handle(_tap(satisfaction.DOWN, "taps-twice", "tap-3"))
    assert [r.text for r in changed.replies] == ["Thanks — I've changed your answer."]
    [answer] = await _answers(sessions)
    assert answer.rating == "down" and answer.changed_at is not None
    assert core.texts == asked_so_far


async def test_handing_back_asks_too_and_the_bot_carries_on(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router, coordination, person = _wired(sessions, core)
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "handed-back")

    await coordination.hand_back(conversation_id, sam)
    [(_, last_delivery)] = person.sent[-1:]
    assert [r.text for r in last_delivery] == [texts.bot_is_back().text, satisfaction.question().text]
    rated = await router.handle(_tap(satisfaction.DOWN, "handed-back", "tap-1"))
    assert [r.text for r in rated.replies] == [THANKS] and rated.conversation_id == conversation_id
    assert satisfaction.DOWN not in core.texts
    assert [(a.conversation_id, a.rating) for a in await _answers(sessions)] == [(conversation_id, "down")]

    answered = await router.handle(inbound("are you a bot?", "handed-back"))
    assert "not a person" in answered.replies[0].text and core.texts[-1] == "are you a bot?"


async def test_a_handoff_nobody_took_asks_nothing_and_a_typed_payload_is_not_an_answer(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router, coordination, person = _wired(sessions, core)
    await router.handle(inbound("/human_handoff", "went-back"))
    back = await router.handle(inbound(texts.BACK_TO_BOT, "went-back"))
    assert [r.text for r in back.replies] == [texts.bot_is_back().text]

    queued = await router.handle(inbound("/human_handoff", "closed-from-queue"))
    await coordination.close(queued.conversation_id, await _coordinator(sessions))
    assert person.texts() == [texts.closed().text]

    asked_so_far = list(core.texts)
    for user in ("went-back", "closed-from-queue"):
        typed = await router.handle(inbound(satisfaction.UP, user))
        assert typed.replies == ()
    assert core.texts == asked_so_far
    assert await _answers(sessions) == []


async def test_a_tap_after_starting_a_new_conversation_still_answers_the_closed_one(sessions) -> None:  # type: ignore[no-untyped-def]
    router, coordination, _ = _wired(sessions, like_the_model())
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "came-back")
    await coordination.close(conversation_id, sam)
    later = await router.handle(inbound("hi again", "came-back"))
    assert later.conversation_id != conversation_id

    rated = await router.handle(_tap(satisfaction.UP, "came-back", "tap-1"))
    assert rated.conversation_id == conversation_id and [r.text for r in rated.replies] == [THANKS]
    assert [(a.conversation_id, a.rating) for a in await _answers(sessions)] == [(conversation_id, "up")]
    conversations = await _conversations(sessions)
    assert [(c.id, c.status) for c in conversations] == [(conversation_id, "closed"), (later.conversation_id, "bot")]


async def test_deleting_my_data_deletes_my_answers(sessions) -> None:  # type: ignore[no-untyped-def]
    router, coordination, _ = _wired(sessions, like_the_model())
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "forgets")
    await coordination.close(conversation_id, sam)
    kept_id, other_sam = await _talked_with_sam(router, coordination, sessions, "stays")
    await coordination.close(kept_id, other_sam)
    for user in ("forgets", "stays"):
        await router.handle(_tap(satisfaction.UP, user, f"tap-{user}"))
    assert len(await _answers(sessions)) == 2

    await router.handle(inbound("/forget", "forgets"))
    done = await router.handle(inbound("/forget_confirm", "forgets"))
    assert "deleted everything" in done.replies[0].text
    assert [a.conversation_id for a in await _answers(sessions)] == [kept_id], "only the other person's answer stays"


async def test_retention_deletes_answers_with_their_conversations(sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    router, coordination, _ = _wired(sessions, like_the_model())
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "old-answer")
    await coordination.close(conversation_id, sam)
    await router.handle(_tap(satisfaction.DOWN, "old-answer", "tap-1"))

    purged = await purge_database(database_url, 30, now=utcnow() + timedelta(days=31))
    assert purged.satisfaction_answers == 1 and purged.conversations == 1
    assert "satisfaction answers 1" in purged.summary()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SatisfactionAnswer)) == 0


async def test_the_database_keeps_only_up_or_down(sessions) -> None:  # type: ignore[no-untyped-def]
    router, coordination, _ = _wired(sessions, like_the_model())
    conversation_id, sam = await _talked_with_sam(router, coordination, sessions, "db-check")
    await coordination.close(conversation_id, sam)
    async with sessions() as session:
        step = await session.scalar(select(Handoff.id).where(Handoff.to_status == handoff.S.CLOSED.value))
    async with sessions() as session:
        session.add(SatisfactionAnswer(conversation_id=conversation_id, handoff_id=step, rating="sideways"))
        with pytest.raises(IntegrityError):
            await session.commit()
    async with sessions() as session:
        session.add(SatisfactionAnswer(conversation_id=conversation_id, handoff_id=step, rating="up"))
        await session.commit()
    assert [a.rating for a in await _answers(sessions)] == ["up"]
