"""A waiting conversation survives a gateway restart: still queued, the bot still silent."""

import httpx
from sqlalchemy import select

from bot.store.models import Conversation
from tests.replies import after_disclosure

HOURS = {"HANDOFF_OFFICE_HOURS": "always", "HANDOFF_TIMEZONE": "UTC"}


async def _say(url: str, text: str) -> list:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": "restarts", "message": text})
    response.raise_for_status()
    return response.json()


async def test_a_waiting_conversation_is_still_waiting_after_the_gateway_restarts(gateway, sessions) -> None:  # type: ignore[no-untyped-def]
    async with gateway(**HOURS) as url:
        queued = await _say(url, "can I talk to someone real")
    assert "1st in line" in after_disclosure(queued)[0]["text"]
    async with gateway(**HOURS) as url:
        after = await _say(url, "still there?")
    assert after == []  # "you can keep typing" was just said; the model is not asked
    async with sessions() as session:
        [conversation] = (await session.execute(select(Conversation))).scalars().all()
    assert conversation.status == "waiting" and conversation.waiting_since is not None
