import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bot.core.pool import CorePool, CoreSettings
from bot.handoff import machine as handoff
from bot.messages import InboundMessage
from bot.router import TROUBLE_REPLY, Router
from bot.safety import honesty
from bot.store.models import ChannelIdentity, Conversation, ConversationStatus, Message, Participant
from tests.replies import after_disclosure


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


async def test_stores_inbound_and_replies_in_order(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool)
    first = await router.handle(_inbound("hello"))
    second = await router.handle(_inbound("are you a bot?"))
    assert first.conversation_id == second.conversation_id
    assert "automated assistant" in first.replies[0].text
    stored = await _messages(sessions, first.conversation_id)
    assert [(m.direction, m.author) for m in stored] == [
        ("inbound", "participant"),
        *[("outbound", "bot")] * len(first.replies),
        ("inbound", "participant"),
        *[("outbound", "bot")] * len(second.replies),
    ]
    assert stored[0].text == "hello"
    assert all(m.in_reply_to_id == stored[0].id for m in stored[1 : 1 + len(first.replies)])


async def test_same_person_keeps_one_identity_and_threads_get_their_own_conversation(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool)
    a = await router.handle(_inbound("hi", user="p2"))
    b = await router.handle(_inbound("hi", user="p2", thread="thread-9"))
    c = await router.handle(_inbound("thanks", user="p2"))
    assert a.conversation_id == c.conversation_id != b.conversation_id
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 1
        assert await session.scalar(select(func.count()).select_from(ChannelIdentity)) == 1


async def test_a_repeated_platform_id_is_answered_once(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool)
    first = await router.handle(_inbound("hello", message_id="m-1"))
    again = await router.handle(_inbound("hello", message_id="m-1"))
    assert again.duplicate and not first.duplicate
    assert again.replies == first.replies
    stored = await _messages(sessions, first.conversation_id)
    assert sum(m.direction == "inbound" for m in stored) == 1
    assert sum(m.direction == "outbound" for m in stored) == len(first.replies)


async def test_concurrent_retries_produce_exactly_one_answer(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool)
    await router.handle(_inbound("hi", user="p3", message_id="warm-up"))
    results = await asyncio.gather(*(router.handle(_inbound("thanks", user="p3", message_id="m-2")) for _ in range(5)))
    assert sum(not r.duplicate for r in results) == 1
    stored = await _messages(sessions, results[0].conversation_id)
    assert [m.text for m in stored if m.direction == "inbound"] == ["hi", "thanks"]
    answered = [m for m in stored if m.direction == "outbound" and "welcome" in m.text]
    assert len(answered) == 1


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


async def test_bot_stays_silent_while_a_person_owns_the_conversation(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, core_pool)
    first = await router.handle(_inbound("hi", user="p4"))
    async with sessions() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        await handoff.transition(session, conversation, ConversationStatus.WAITING, actor="participant")
        await session.commit()
    result = await router.handle(_inbound("is anyone there?", user="p4"))
    assert result.conversation_id == first.conversation_id
    assert result.replies == ()
    stored = await _messages(sessions, first.conversation_id)
    assert stored[-1].text == "is anyone there?" and stored[-1].direction == "inbound"


async def test_empty_message_gets_a_friendly_answer_and_is_kept(sessions, core_pool) -> None:  # type: ignore[no-untyped-def]
    result = await Router(sessions, core_pool).handle(_inbound("   ", user="p5"))
    assert "didn't catch" in after_disclosure(result.replies)[0].text
    stored = await _messages(sessions, result.conversation_id)
    assert stored[0].direction == "inbound"
