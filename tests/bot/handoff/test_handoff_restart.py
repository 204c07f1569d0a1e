"""A waiting conversation survives a gateway restart: still queued, the bot still silent (the gateway routes to a
scripted core, `tests/scripted_core.py`: what matters is that the core is not asked)."""

import httpx
from sqlalchemy import select

from bot.store.models import Conversation
from tests.replies import after_disclosure
from tests.scripted_core import like_the_model

HOURS = {"HANDOFF_OFFICE_HOURS": "always", "HANDOFF_TIMEZONE": "UTC"}


async def _say(url: str, text: str) -> list:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": "restarts", "message": text})
    response.raise_for_status()
    return response.json()


async def test_a_waiting_conversation_is_still_waiting_after_the_gateway_restarts(scripted_gateway, sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    async with scripted_gateway(core, **HOURS) as url:
        queued = await _say(url, "can I talk to someone real")
    assert "1st in line" in after_disclosure(queued)[0]["text"]
    async with scripted_gateway(core, **HOURS) as url:
        after = await _say(url, "still there?")
    assert after == []  # "you can keep typing" was just said
    assert core.texts == ["can I talk to someone real"], "the model is not asked after the restart"
    async with sessions() as session:
        [conversation] = (await session.execute(select(Conversation))).scalars().all()
    assert conversation.status == "waiting" and conversation.waiting_since is not None
