"""Delete my data: the request, the confirmation, and the deletion, through the router on a scripted core
(`tests/scripted_core.py`) and real databases; then with the real model (its tracker, its answer to "delete my
data") and through the REST endpoint."""

from datetime import timedelta
from typing import Any, Dict, List, Optional

import httpx
import pytest
from sqlalchemy import func, select, update

from bot.gateway.live_updates import Event
from bot.handoff import machine as handoff
from bot.messages import Reply
from bot.privacy import forget
from bot.router import Router
from bot.safety import crisis, honesty
from bot.store import audit
from bot.store.models import (
    AuditEvent,
    ChannelIdentity,
    Conversation,
    Coordinator,
    Handoff,
    Message,
    Participant,
    aware,
    utcnow,
)
from tests.replies import after_disclosure
from tests.routing import OPEN, inbound
from tests.scripted_core import FORGET_REQUEST, ScriptedCore, like_the_model
from tests.tracker import copy_tracker_events, save_slots, tracker_event_counts

# The request and the signal, without a model.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/forget", forget.Step.ASK),
        ("  /FORGET ", forget.Step.ASK),
        ("/forget_confirm", forget.Step.CONFIRM),
        ("/forget_cancel", forget.Step.CANCEL),
        ("forget", None),
        ("/forgetful", None),
        ("please /forget me", None),
        ("", None),
    ],
)
def test_the_commands_are_recognised_exactly(text: str, expected: Optional[forget.Step]) -> None:
    assert forget.step(text) is expected


def test_the_models_signal_is_found_in_any_answer() -> None:
    signal = {"recipient_id": "c1", "custom": {"privacy": "forget"}}
    assert forget.requested([signal])
    assert forget.requested([{"recipient_id": "c1", "text": "Sure."}, signal])
    assert not forget.requested([])
    assert not forget.requested([{"text": "delete my data"}])
    assert not forget.requested([{"custom": {"handoff": {"reason": "asked", "priority": "normal"}}}])
    assert not forget.requested([{"custom": {"privacy": "export"}}])
    assert not forget.requested([{"custom": "privacy: forget"}])


def test_the_confirmation_says_what_goes_and_offers_two_buttons() -> None:
    asked = forget.confirmation()
    for words in ("everything you wrote here", "my answers", "cancer type, age and place", "can't be undone"):
        assert words in asked.text
    assert [(b.title, b.payload) for b in asked.buttons] == [
        ("Yes, delete everything", "/forget_confirm"),
        ("No, keep it", "/forget_cancel"),
    ]


# Through the router, on a scripted core.

SEARCH = "I'm 34 with breast cancer in 77030"
LEARNT = {"condition": "breast cancer", "age": 34, "location": "77030"}


async def _held_about(sessions, user: str) -> Dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything stored about one REST sender: their participant, conversations and message count."""
    async with sessions() as session:
        identity = (
            (await session.execute(select(ChannelIdentity).where(ChannelIdentity.platform_user_id == user)))
            .scalars()
            .first()
        )
        if identity is None:
            return {"participant": None, "conversations": [], "messages": 0}
        conversations = list(
            (
                await session.execute(
                    select(Conversation.id).where(Conversation.participant_id == identity.participant_id)
                )
            ).scalars()
        )
        messages = await session.scalar(
            select(func.count()).select_from(Message).where(Message.conversation_id.in_(conversations))
        )
        return {"participant": identity.participant_id, "conversations": conversations, "messages": messages}


async def _count(sessions, model: Any, *where: Any) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_forget_asks_first_then_deletes_everything_about_the_person(  # type: ignore[no-untyped-def]
    sessions, database_url
) -> None:
    core = like_the_model().on(SEARCH, "Looking for breast cancer trials near 77030.")
    router = Router(sessions, core, OPEN)
    other = await router.handle(inbound("what is a clinical trial", "someone-else"))
    await router.handle(inbound("what is a placebo", "forgetful"))
    searched = await router.handle(inbound(SEARCH, "forgetful"))
    before = await _held_about(sessions, "forgetful")
    assert before["messages"] == 5, "two questions, the disclosure and two answers"
    for conversation_id in (other.conversation_id, searched.conversation_id):
        await save_slots(database_url, conversation_id, LEARNT)  # what a Rasa worker would have kept
    assert tracker_event_counts(database_url)[searched.conversation_id] == len(LEARNT)

    asked = await router.handle(inbound("/forget", "forgetful"))
    assert list(asked.replies) == [forget.confirmation()]
    assert (await _held_about(sessions, "forgetful"))["messages"] == before["messages"] + 2, "asked and stored"

    deleted_at = utcnow()
    async with router.events.subscribe() as heard:
        done = await router.handle(inbound("/forget_confirm", "forgetful"))
        published = [heard.get_nowait() for _ in range(heard.qsize())]
    assert list(done.replies) == [forget.done(left_the_queue=False)]
    assert done.replies[0].text.startswith("Done — I've deleted everything you wrote here")
    assert Event("queue", searched.conversation_id) in published

    assert await _held_about(sessions, "forgetful") == {"participant": None, "conversations": [], "messages": 0}
    assert await _count(sessions, Participant, Participant.id == before["participant"]) == 0
    assert await _count(sessions, Conversation, Conversation.id == searched.conversation_id) == 0
    assert await _count(sessions, Message, Message.text == done.replies[0].text) == 0, "the last reply is not stored"
    events = tracker_event_counts(database_url)
    assert searched.conversation_id not in events, "Rasa's tracker events are gone"
    assert events[other.conversation_id] == len(LEARNT), "someone else's are kept"
    kept = await _held_about(sessions, "someone-else")
    assert kept["participant"] is not None and kept["conversations"] == [other.conversation_id]
    assert kept["messages"] == 3
    async with sessions() as session:
        entries = list((await session.execute(select(AuditEvent))).scalars())
    assert [(e.action, e.conversation_id, e.coordinator_id) for e in entries] == [(audit.FORGOTTEN, None, None)]
    deleted = before["messages"] + 3  # and /forget, the question, /forget_confirm
    assert entries[0].detail == (
        f"participants 1, channel identities 1, conversations 1, messages {deleted}, handoffs 0, "
        f"satisfaction answers 0, tracker events {len(LEARNT)}, audit entries unlinked 0"
    )
    assert core.texts == ["what is a clinical trial", "what is a placebo", SEARCH], "the model never saw the commands"

    fresh = await router.handle(inbound("find trials near me", "forgetful"))
    assert fresh.conversation_id != searched.conversation_id
    assert core.asked[-1].conversation_id == fresh.conversation_id, "the model is asked in a new conversation"
    now_held = await _held_about(sessions, "forgetful")
    assert now_held["conversations"] == [fresh.conversation_id] and now_held["messages"] == 1 + len(fresh.replies)
    async with sessions() as session:  # a new row (SQLite may give it the freed id)
        participant = await session.get(Participant, now_held["participant"])
        assert participant is not None and aware(participant.created_at) >= deleted_at


async def test_no_keeps_everything_and_a_later_yes_asks_again(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    await router.handle(inbound("what is a placebo", "keeper"))
    await router.handle(inbound("/forget", "keeper"))
    kept = await router.handle(inbound("/forget_cancel", "keeper"))
    assert list(kept.replies) == [Reply(text="Okay, nothing was deleted.")]
    late_yes = await router.handle(inbound("/forget_confirm", "keeper"))
    assert list(late_yes.replies) == [forget.confirmation()], "a tap on the old Yes after No asks again"
    held = await _held_about(sessions, "keeper")
    assert held["participant"] is not None and held["messages"] == 9, "three from the placebo question, two per step"
    assert core.texts == ["what is a placebo"]


async def test_yes_without_a_recent_question_asks_first(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore()  # answers nothing: the router answers every step itself
    router = Router(sessions, core, OPEN)
    straight = await router.handle(inbound("/forget_confirm", "hasty"))
    assert after_disclosure(straight.replies) == [forget.confirmation()]
    async with sessions() as session:  # that question was asked 31 minutes ago
        await session.execute(
            update(Message)
            .where(Message.conversation_id == straight.conversation_id)
            .values(created_at=utcnow() - forget.CONFIRM_WITHIN - timedelta(minutes=1))
        )
        await session.commit()
    stale = await router.handle(inbound("/forget_confirm", "hasty"))
    assert list(stale.replies) == [forget.confirmation()]
    assert (await _held_about(sessions, "hasty"))["messages"] == 5, "nothing was deleted"
    done = await router.handle(inbound("/forget_confirm", "hasty"))
    assert list(done.replies) == [forget.done(left_the_queue=False)]
    assert (await _held_about(sessions, "hasty"))["participant"] is None
    assert core.texts == []


async def test_while_waiting_for_a_coordinator_deleting_leaves_the_queue(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    first = await router.handle(inbound("/human_handoff", "waits-and-stays"))
    queued = await router.handle(inbound("/human_handoff", "waits-then-forgets"))
    async with sessions() as session:
        assert [c.id for c in await handoff.queue(session)] == [first.conversation_id, queued.conversation_id]
    asked = await router.handle(inbound("/forget", "waits-then-forgets"))
    assert list(asked.replies) == [forget.confirmation()], "answered although a person owns the conversation"
    done = await router.handle(inbound("/forget_confirm", "waits-then-forgets"))
    assert list(done.replies) == [forget.done(left_the_queue=True)]
    assert "ends your request to talk with a coordinator" in done.replies[0].text
    assert core.texts == ["/human_handoff", "/human_handoff"]
    async with sessions() as session:
        assert [c.id for c in await handoff.queue(session)] == [first.conversation_id]
        assert await handoff.queue_position(session, await session.get(Conversation, first.conversation_id)) == 1
    assert await _count(sessions, Handoff, Handoff.conversation_id == queued.conversation_id) == 0
    assert await _count(sessions, Handoff, Handoff.conversation_id == first.conversation_id) == 1


async def test_with_a_coordinator_the_audit_log_keeps_what_they_did_without_the_link(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, like_the_model(), OPEN)
    queued = await router.handle(inbound("/human_handoff", "with-sam"))
    async with sessions() as session:
        sam = Coordinator(email="sam@example.org", name="Sam", password_hash="x", role="coordinator")
        session.add(sam)
        await session.flush()
        conversation = await session.get(Conversation, queued.conversation_id)
        await handoff.take(session, conversation, sam.id)
        await audit.record(session, audit.TOOK, coordinator_id=sam.id, conversation_id=conversation.id)
        await session.commit()
    assert list((await router.handle(inbound("/forget", "with-sam"))).replies) == [forget.confirmation()]
    done = await router.handle(inbound("/forget_confirm", "with-sam"))
    assert list(done.replies) == [forget.done(left_the_queue=True)]
    async with sessions() as session:
        entries = list((await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())
    assert [(e.action, e.coordinator_id, e.conversation_id) for e in entries] == [
        (audit.TOOK, sam.id, None),
        (audit.FORGOTTEN, None, None),
    ]
    assert entries[1].detail.endswith("audit entries unlinked 1")


async def test_a_crisis_comes_before_a_pending_deletion(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore()
    router = Router(sessions, core, OPEN)
    await router.handle(inbound("/forget", "in-crisis-forgetting"))
    result = await router.handle(inbound("i want to end my life", "in-crisis-forgetting"))
    assert result.replies[0] == crisis.resources()
    assert (await _held_about(sessions, "in-crisis-forgetting"))["participant"] is not None
    assert core.texts == []


async def test_the_models_signal_is_replaced_by_the_confirmation(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("please delete my data", FORGET_REQUEST)
    router = Router(sessions, core, OPEN)
    asked = await router.handle(inbound("please delete my data", "asks-in-words"))
    assert after_disclosure(asked.replies) == [forget.confirmation()]
    async with sessions() as session:
        stored = (
            (
                await session.execute(
                    select(Message.text).where(Message.conversation_id == asked.conversation_id).order_by(Message.id)
                )
            )
            .scalars()
            .all()
        )
    assert stored == ["please delete my data", honesty.DISCLOSURE.text, forget.confirmation().text]
    done = await router.handle(inbound("/forget_confirm", "asks-in-words"))
    assert list(done.replies) == [forget.done(left_the_queue=False)]
    assert core.texts == ["please delete my data"]


async def test_the_signal_after_an_answer_follows_it(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("erase me", "Sure, I can do that.", FORGET_REQUEST)
    asked = await Router(sessions, core, OPEN).handle(inbound("erase me", "asks-twice"))
    assert after_disclosure(asked.replies) == [Reply(text="Sure, I can do that."), forget.confirmation()]


# With the real model: its tracker, and its answer to "delete my data".


@pytest.mark.model
async def test_the_model_forgets_what_it_learnt(sessions, core_pool, database_url) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool, OPEN)
    other = await router.handle(inbound("what is a clinical trial", "someone-else"))
    searched = await router.handle(inbound(SEARCH, "forgetful"))
    assert "breast cancer" in " ".join(r.text for r in searched.replies), "the bot learnt the cancer type"
    for conversation_id in (other.conversation_id, searched.conversation_id):
        copy_tracker_events(core_pool.settings.tracker_store_url, database_url, conversation_id)
    assert tracker_event_counts(database_url)[searched.conversation_id] > 5

    assert list((await router.handle(inbound("/forget", "forgetful"))).replies) == [forget.confirmation()]
    done = await router.handle(inbound("/forget_confirm", "forgetful"))
    assert list(done.replies) == [forget.done(left_the_queue=False)]
    events = tracker_event_counts(database_url)
    assert searched.conversation_id not in events, "Rasa's tracker events are gone"
    assert events[other.conversation_id] > 0, "someone else's are kept"

    fresh = await router.handle(inbound("find trials near me", "forgetful"))
    assert "What kind of cancer" in " ".join(r.text for r in fresh.replies), "no remembered slots"
    assert fresh.conversation_id != searched.conversation_id


@pytest.mark.model
async def test_the_model_answers_delete_my_data_with_the_signal(core_pool) -> None:  # type: ignore[no-untyped-def]
    answers = await core_pool.handle("asks-the-model-to-forget", "delete my data")
    assert forget.requested(answers), answers


# Through the REST endpoint of an in-process gateway.


async def test_the_rest_endpoint_deletes_after_yes_and_the_next_message_starts_fresh(  # type: ignore[no-untyped-def]
    gateway, sessions
) -> None:
    async with gateway() as url, httpx.AsyncClient(timeout=60) as client:

        async def say(sender: str, text: str) -> List[Dict[str, Any]]:
            response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
            response.raise_for_status()
            return response.json()  # type: ignore[no-any-return]

        await say("rest-stays", "what is a placebo")
        await say("rest-forgets", "what is a clinical trial")
        await say("rest-forgets", "I'm 34 with breast cancer in 77030")
        asked = await say("rest-forgets", "/forget")
        assert asked == [
            {
                "recipient_id": "rest-forgets",
                "text": forget.confirmation().text,
                "buttons": [
                    {"title": "Yes, delete everything", "payload": "/forget_confirm"},
                    {"title": "No, keep it", "payload": "/forget_cancel"},
                ],
            }
        ]
        done = await say("rest-forgets", "/forget_confirm")
        assert done == [{"recipient_id": "rest-forgets", "text": forget.done(left_the_queue=False).text}]
        assert await _held_about(sessions, "rest-forgets") == {"participant": None, "conversations": [], "messages": 0}
        assert (await _held_about(sessions, "rest-stays"))["messages"] >= 2
        assert await _count(sessions, Participant) == 1 and await _count(sessions, ChannelIdentity) == 1

        greeting = await say("rest-forgets", "hi")
        assert "automated assistant (not a person)" in greeting[0]["text"]
        fresh = await say("rest-forgets", "find trials near me")
        assert "What kind of cancer" in " ".join(r["text"] for r in fresh)
