"""`bot.store.storable`: what it keeps, removes and replaces, for any text; and the router storing with it on both
databases (PostgreSQL refuses NUL in text, neither database stores an unpaired surrogate), on a scripted core."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.messages import InboundMessage
from bot.router import Router
from bot.store import storable
from bot.store.models import ChannelIdentity, Message, Participant
from tests import hostile
from tests.scripted_core import like_the_model


@settings(max_examples=300)
@given(text=hostile.messages())
def test_storable_text_is_valid_utf8_without_nul_and_keeps_everything_else(text: str) -> None:
    cleaned = storable.text(text)
    cleaned.encode("utf-8")  # raises for an unpaired surrogate
    assert "\x00" not in cleaned
    kept = [c for c in text if c != "\x00"]
    assert len(cleaned) == len(kept)
    for before, after in zip(kept, cleaned, strict=True):
        assert after == (storable.REPLACEMENT if unicodedata.category(before) == "Cs" else before)
    assert storable.text(cleaned) == cleaned


@given(text=st.text())
def test_text_without_nul_or_surrogates_is_kept_exactly(text: str) -> None:
    text = text.replace("\x00", "")
    assert storable.text(text) == text


async def test_the_router_stores_nul_and_unpaired_surrogates_storably_on_every_database(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core)
    sent = "are you\x00 a bot? \ud800 '; DROP TABLE messages; --"
    inbound = InboundMessage(
        channel="rest",
        platform_user_id="odd\x00person\udfff",
        text=sent,
        platform_message_id="id\x00\ud800",
        thread_key="thread\x00",
        display_name="Sam\x00 " + "x" * 300,
    )
    result = await router.handle(inbound)
    assert core.texts == ["are you a bot? \ufffd '; DROP TABLE messages; --"], "the model is asked the cleaned words"
    assert "not a person" in " ".join(r.text for r in result.replies)
    again = await router.handle(inbound)
    assert again.duplicate, "the cleaned platform id still recognises a repeated delivery"
    async with sessions() as session:
        [message] = (await session.execute(select(Message).where(Message.direction == "inbound"))).scalars().all()
        identity = (await session.execute(select(ChannelIdentity))).scalars().one()
        participant = (await session.execute(select(Participant))).scalars().one()
    assert message.text == "are you a bot? \ufffd '; DROP TABLE messages; --"
    assert message.platform_message_id == "id\ufffd"
    assert identity.platform_user_id == "oddperson\ufffd"
    assert participant.display_name == ("Sam " + "x" * 300)[:200], "a platform's name is cut to the column's size"
