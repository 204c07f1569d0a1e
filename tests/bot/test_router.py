"""The router's own logic with a scripted core (`tests/scripted_core.py`): storing, threads, repeated deliveries,
a failing core, silence while a person owns the conversation. The real model's side is at the end."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.pool import CoreError, CorePool, CoreSettings
from bot.handoff import machine as handoff
from bot.messages import Button, InboundMessage, Reply
from bot.router import MAX_TEXT_CHARS, TROUBLE_REPLY, Router
from bot.safety import honesty
from bot.store.models import ChannelIdentity, Conversation, ConversationStatus, Message, Participant
from tests.replies import after_disclosure
from tests.scripted_core import GREETING, ScriptedCore, like_the_model


def _inbound(text: str, user: str = "person-1", message_id=None, thread: str = "") -> InboundMessage:  # type: ignore[no-untyped-def]
    return InboundMessage(
        channel="rest", platform_user_id=user, text=text, platform_message_id=message_id, thread_key=thread
    )


async def _messages(sessions, conversation_id: str):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = await session.execute(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
        return list(rows.scalars())


async def test_stores_inbound_and_replies_in_order(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("hello", GREETING, "You can ask me about trials.").on("are you a bot?", "I'm a bot.")
    router = Router(sessions, core)
    first = await router.handle(_inbound("hello"))
    second = await router.handle(_inbound("are you a bot?"))
    assert first.conversation_id == second.conversation_id
    assert [r.text for r in first.replies] == [GREETING, "You can ask me about trials."], "no second disclosure"
    assert [r.text for r in second.replies] == ["I'm a bot."]
    assert core.asked_in(first.conversation_id) == ["hello", "are you a bot?"]
    stored = await _messages(sessions, first.conversation_id)
    assert [(m.direction, m.author, m.text) for m in stored] == [
        ("inbound", "participant", "hello"),
        ("outbound", "bot", GREETING),
        ("outbound", "bot", "You can ask me about trials."),
        ("inbound", "participant", "are you a bot?"),
        ("outbound", "bot", "I'm a bot."),
    ]
    assert [m.in_reply_to_id for m in stored] == [None, stored[0].id, stored[0].id, None, stored[3].id]


async def test_the_first_replies_of_a_conversation_get_the_disclosure_once(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, ScriptedCore().on("what is a placebo", "A placebo has no active ingredient."))
    first = await router.handle(_inbound("what is a placebo", user="p1"))
    again = await router.handle(_inbound("what is a placebo", user="p1"))
    assert list(first.replies) == [honesty.DISCLOSURE, Reply(text="A placebo has no active ingredient.")]
    assert list(again.replies) == [Reply(text="A placebo has no active ingredient.")]


async def test_the_cores_buttons_and_metadata_pass_through(sessions) -> None:  # type: ignore[no-untyped-def]
    buttons = [{"title": "Find a trial", "payload": "/search_trials"}]
    core = ScriptedCore().on("help", {"text": "Here's what I can do.", "buttons": buttons})
    inbound = InboundMessage(channel="webchat", platform_user_id="p6", text="  help  ", metadata={"page": "faq"})
    result = await Router(sessions, core).handle(inbound)
    assert after_disclosure(result.replies) == [
        Reply("Here's what I can do.", (Button("Find a trial", "/search_trials"),))
    ]
    [asked] = core.asked
    assert (asked.conversation_id, asked.text, asked.channel, asked.metadata) == (
        result.conversation_id,
        "help",
        "webchat",
        {"page": "faq"},
    ), "the core is asked the stripped text, on the message's channel, with its metadata"


async def test_a_message_longer_than_the_limit_is_cut_for_the_core_but_stored_whole(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore(otherwise=["That's a long one."])
    long = "x" * (MAX_TEXT_CHARS + 10)
    result = await Router(sessions, core).handle(_inbound(long, user="p7"))
    assert core.texts == ["x" * MAX_TEXT_CHARS]
    assert (await _messages(sessions, result.conversation_id))[0].text == long


async def test_same_person_keeps_one_identity_and_threads_get_their_own_conversation(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, like_the_model())
    a = await router.handle(_inbound("hi", user="p2"))
    b = await router.handle(_inbound("hi", user="p2", thread="thread-9"))
    c = await router.handle(_inbound("thanks", user="p2"))
    assert a.conversation_id == c.conversation_id != b.conversation_id
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 1
        assert await session.scalar(select(func.count()).select_from(ChannelIdentity)) == 1


async def test_a_repeated_platform_id_is_answered_once(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core)
    first = await router.handle(_inbound("hello", message_id="m-1"))
    again = await router.handle(_inbound("hello", message_id="m-1"))
    assert again.duplicate and not first.duplicate
    assert again.replies == first.replies
    assert core.texts == ["hello"], "the core is asked once"
    stored = await _messages(sessions, first.conversation_id)
    assert sum(m.direction == "inbound" for m in stored) == 1
    assert sum(m.direction == "outbound" for m in stored) == len(first.replies)


async def test_concurrent_retries_produce_exactly_one_answer(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core)
    await router.handle(_inbound("hi", user="p3", message_id="warm-up"))
    results = await asyncio.gather(*(router.handle(_inbound("thanks", user="p3", message_id="m-2")) for _ in range(5)))
    assert sum(not r.duplicate for r in results) == 1
    assert core.texts == ["hi", "thanks"]
    stored = await _messages(sessions, results[0].conversation_id)
    assert [m.text for m in stored if m.direction == "inbound"] == ["hi", "thanks"]
    answered = [m for m in stored if m.direction == "outbound" and "welcome" in m.text]
    assert len(answered) == 1


async def test_a_failing_core_gets_the_trouble_reply_and_the_message_is_kept(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("will I get a placebo?", CoreError("the model took too long to answer"))
    result = await Router(sessions, core).handle(_inbound("will I get a placebo?", user="p8"))
    assert after_disclosure(result.replies) == [TROUBLE_REPLY]
    stored = await _messages(sessions, result.conversation_id)
    assert [(m.direction, m.text) for m in stored] == [
        ("inbound", "will I get a placebo?"),
        ("outbound", honesty.DISCLOSURE.text),
        ("outbound", TROUBLE_REPLY.text),
    ]


async def test_an_answer_without_text_or_buttons_is_not_a_reply(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("hi", {"image": "https://example.org/x.png"}, {"text": ""}, "Hello!")
    result = await Router(sessions, core).handle(_inbound("hi", user="p9"))
    assert [r.text for r in after_disclosure(result.replies)] == ["Hello!"]


async def test_inbound_is_kept_when_the_core_cannot_answer(sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = CorePool(
        CoreSettings(
            model_path=tmp_path / "missing.tar.gz",
            action_server_url="http://127.0.0.1:9/webhook",
            tracker_store_url="sqlite://",
        )
    )
    result = await Router(sessions, broken).handle(_inbound("will I get a placebo?", message_id="m-3"))
    assert after_disclosure(result.replies) == [TROUBLE_REPLY]
    stored = await _messages(sessions, result.conversation_id)
    assert [(m.direction, m.text) for m in stored] == [
        ("inbound", "will I get a placebo?"),
        ("outbound", honesty.DISCLOSURE.text),
        ("outbound", TROUBLE_REPLY.text),
    ]


async def test_bot_stays_silent_while_a_person_owns_the_conversation(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core)
    first = await router.handle(_inbound("hi", user="p4"))
    async with sessions() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        await handoff.transition(session, conversation, ConversationStatus.WAITING, actor="participant")
        await session.commit()
    result = await router.handle(_inbound("is anyone there?", user="p4"))
    assert result.conversation_id == first.conversation_id
    assert result.replies == ()
    assert core.texts == ["hi"], "the model never saw it"
    stored = await _messages(sessions, first.conversation_id)
    assert stored[-1].text == "is anyone there?" and stored[-1].direction == "inbound"


async def test_empty_message_gets_a_friendly_answer_and_is_kept(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore()
    result = await Router(sessions, core).handle(_inbound("   ", user="p5"))
    assert "didn't catch" in after_disclosure(result.replies)[0].text
    assert core.texts == [], "answered without the model"
    stored = await _messages(sessions, result.conversation_id)
    assert stored[0].direction == "inbound"


# With the real model.


@pytest.mark.model
async def test_the_real_model_greets_and_says_it_is_a_bot(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool)
    first = await router.handle(_inbound("hello", user="real"))
    second = await router.handle(_inbound("are you a bot?", user="real"))
    thanked = await router.handle(_inbound("thanks", user="real"))
    assert "automated assistant" in first.replies[0].text
    assert "not a person" in " ".join(r.text for r in second.replies)
    assert "welcome" in " ".join(r.text for r in thanked.replies)
    stored = await _messages(sessions, first.conversation_id)
    assert len(stored) == 3 + len(first.replies) + len(second.replies) + len(thanked.replies)
