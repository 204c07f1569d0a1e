"""Bad input on the REST endpoint, on SQLite and PostgreSQL: any text gets an answer (or a clear 413) and is
stored as accepted; malformed bodies, wrong types and unprintable ids get a 400 with a reason and store nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator, Dict

import httpx
import pytest_asyncio
from hypothesis import example, given
from sqlalchemy import func, select

from bot.store import storable
from bot.store.models import Message
from channels import rest
from tests import hostile

JSON = {"Content-Type": "application/json"}


@pytest_asyncio.fixture
async def http(gateway, core_pool) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """One running gateway for the whole test (every hypothesis example goes through it)."""
    while not core_pool.ready:  # the session's Rasa worker loads its model in the background
        await asyncio.sleep(0.2)
    async with gateway() as base_url, httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        yield client


async def post(http: httpx.AsyncClient, body: bytes, headers: Dict[str, str] = JSON) -> httpx.Response:
    return await http.post("/webhooks/rest/webhook", content=body, headers=headers)


def encoded(payload: Any) -> bytes:
    """JSON as a client sends it; ASCII-only, so a lone surrogate travels as its `\\ud800` escape."""
    return json.dumps(payload).encode()


async def count_messages(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)))


@hostile.through_a_gateway(max_examples=25)
@given(text=hostile.messages())
@example(text="")
@example(text="\x00")
@example(text="\ud800\udc00")  # a surrogate pair: one character once it has travelled as JSON
@example(text="'; DROP TABLE messages; --")
@example(text="<script>alert(1)</script>")
@example(text="x" * 100_000)
async def test_any_text_is_answered_or_refused_as_too_large_and_stored_as_accepted(  # type: ignore[no-untyped-def]
    http, sessions, text: str
) -> None:
    sender = hostile.new_id("rest-")
    body = encoded({"sender": sender, "message": text})
    response = await post(http, body)
    if len(body) > rest.MAX_BODY_BYTES:
        assert response.status_code == 413
        assert "larger than" in response.json()["error"]
        assert await hostile.inbound_texts(sessions, "rest", sender) == []
        return
    assert response.status_code == 200, response.text
    replies = response.json()
    assert hostile.friendly([r["text"] for r in replies]), replies
    assert {r["recipient_id"] for r in replies} == {sender}
    assert await hostile.inbound_texts(sessions, "rest", sender) == [storable.text(hostile.received(text))]


MALFORMED = [
    (b"[" * 60_000, "JSON"),
    (b'{"sender": "deep", "message": "hi", "metadata": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", "JSON"),
    (b'{"sender": "deep", "message": "hi", "metadata": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001, "JSON"),
    (b"\xff\xfe\x00garbage", "JSON"),
    (b"", "JSON"),
    (b"null", "object"),
    (b'"just a string"', "object"),
    (encoded({"sender": ["a"], "message": "hi"}), "sender"),
    (encoded({"sender": 42, "message": "hi"}), "sender"),
    (encoded({"sender": "   ", "message": "hi"}), "sender"),
    (encoded({"sender": "a\x00b", "message": "hi"}), "control characters"),
    (encoded({"sender": "a\nb", "message": "hi"}), "control characters"),
    (encoded({"sender": "a\ud800", "message": "hi"}), "control characters"),
    (encoded({"sender": "x" * 256, "message": "hi"}), "255"),
    (encoded({"sender": "ok"}), "message"),
    (encoded({"sender": "ok", "message": None}), "message"),
    (encoded({"sender": "ok", "message": ["hi"]}), "message"),
    (encoded({"sender": "ok", "message": {"text": "hi"}}), "message"),
    (encoded({"sender": "ok", "message": "hi", "message_id": "m" * 256}), "message_id"),
    (encoded({"sender": "ok", "message": "hi", "message_id": [1, 2]}), "message_id"),
    (encoded({"sender": "ok", "message": "hi", "message_id": {"a": 1}}), "message_id"),
    (encoded({"sender": "ok", "message": "hi", "message_id": True}), "message_id"),
    (encoded({"sender": "ok", "message": "hi", "message_id": 1.5}), "message_id"),
    (b'{"sender": "ok", "message": "hi", "message_id": NaN}', "message_id"),
    (encoded({"sender": "ok", "message": "hi", "message_id": "a\x00"}), "message_id"),
]


async def test_malformed_bodies_and_wrong_types_get_400_with_a_reason_and_store_nothing(http, sessions) -> None:  # type: ignore[no-untyped-def]
    for body, says in MALFORMED:
        response = await post(http, body)
        assert response.status_code == 400, (body[:60], response.text)
        assert says in response.json()["error"], (body[:60], response.text)
    assert await count_messages(sessions) == 0


async def test_whole_number_message_ids_are_accepted_and_recognised_when_repeated(http, sessions) -> None:  # type: ignore[no-untyped-def]
    first = await post(http, encoded({"sender": "numbered", "message": "are you a bot?", "message_id": 12345}))
    again = await post(http, encoded({"sender": "numbered", "message": "are you a bot?", "message_id": "12345"}))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and "not a person" in first.text
    assert await hostile.inbound_texts(sessions, "rest", "numbered") == ["are you a bot?"]


async def test_the_body_is_read_as_json_whatever_the_content_type_as_rasa_does(http, sessions) -> None:  # type: ignore[no-untyped-def]
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None, "application/json; charset=utf-8"):
        sender = hostile.new_id("ctype-")
        headers = {"Content-Type": content_type} if content_type else {}
        response = await post(http, encoded({"sender": sender, "message": "hello"}), headers)
        assert response.status_code == 200 and response.json()[0]["recipient_id"] == sender, content_type
        assert await hostile.inbound_texts(sessions, "rest", sender) == ["hello"], content_type
    form = await http.post("/webhooks/rest/webhook", data={"sender": "form", "message": "hi"})
    assert form.status_code == 400 and "JSON" in form.json()["error"], "a real form is not JSON"
    assert (await http.get("/webhooks/rest/webhook")).status_code == 405
    assert await hostile.inbound_texts(sessions, "rest", "form") == []
