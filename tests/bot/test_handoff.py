import pytest
from sqlalchemy import select

from bot import handoff
from bot.messages import InboundMessage
from bot.models import ConversationStatus, Handoff
from bot.repository import ConversationRepository

S = ConversationStatus


async def _conversation(session):  # type: ignore[no-untyped-def]
    repo = ConversationRepository(session)
    return await repo.open_conversation(InboundMessage(channel="rest", platform_user_id="u1", text="hi"))


async def test_full_cycle_is_recorded_with_actor_and_reason(sessions) -> None:
    async with sessions() as session:
        conversation = await _conversation(session)
        assert handoff.bot_owns(conversation)
        await handoff.transition(session, conversation, S.WAITING, actor="participant", reason="asked for a human")
        assert not handoff.bot_owns(conversation)
        await handoff.transition(session, conversation, S.WITH_COORDINATOR, actor="coordinator:1")
        await handoff.transition(session, conversation, S.BOT, actor="coordinator:1", reason="handed back")
        await session.commit()
        steps = (await session.execute(select(Handoff).order_by(Handoff.id))).scalars().all()
    assert [(s.from_status, s.to_status) for s in steps] == [
        ("bot", "waiting"),
        ("waiting", "with_coordinator"),
        ("with_coordinator", "bot"),
    ]
    assert steps[0].reason == "asked for a human"
    assert steps[1].actor == "coordinator:1"
    assert all(s.created_at is not None for s in steps)


@pytest.mark.parametrize(
    "path",
    [
        [S.CLOSED, S.BOT],
        [S.WAITING, S.WITH_COORDINATOR, S.WAITING],
        [S.BOT],
    ],
)
async def test_disallowed_steps_are_refused(sessions, path) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        conversation = await _conversation(session)
        *allowed, refused = path
        for status in allowed:
            await handoff.transition(session, conversation, status, actor="system")
        with pytest.raises(handoff.HandoffError):
            await handoff.transition(session, conversation, refused, actor="system")
        assert conversation.status == (allowed[-1].value if allowed else "bot")
