"""Bad input on Slack's events endpoint, on SQLite and PostgreSQL: any text a person writes is stored as
accepted and answered in their DM; a request without a valid, fresh signature gets 401 before anything reads
its body; a signed one that cannot be read gets 400; events with wrong types are acknowledged and ignored."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

import httpx
import pytest_asyncio
from hypothesis import example, given

from bot.store import storable
from channels.slack import adapter as slack
from tests import hostile
from tests.channels.slack.test_slack import SIGNING_SECRET, SlackHarness, callback, dm_event, new_ts, slack_gateway
from tests.fakes.slack_api import BOT_USER_ID, sign


@pytest_asyncio.fixture
async def events(database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    """One gateway with Slack for the whole test (every hypothesis example goes through it)."""
    async with slack_gateway(database_url, action_server_url, model_path, core_pool) as started:
        yield started


def as_slack_sends(text: str) -> str:
    """Slack escapes &, < and > in what people type (and links arrive as <https://...>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encoded(payload: Dict[str, Any]) -> bytes:
    """JSON as Slack sends it; ASCII-only here, so a lone surrogate travels as its `\\ud800` escape."""
    return json.dumps(payload).encode()


async def post_raw(events: SlackHarness, body: bytes, headers: Dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=60) as client:
        return await client.post(f"{events.url}/slack/events", content=body, headers=headers)


@hostile.through_a_gateway(max_examples=15)
@given(text=hostile.messages())
@example(text="")
@example(text="\x00")
@example(text="\ud800\udc00")
@example(text="<@U0TRIALBOT> <script>alert(1)</script> &amp; '; DROP TABLE messages; --")
@example(text="z" * 100_000)
async def test_any_text_is_stored_as_accepted_and_answered_in_the_dm(  # type: ignore[no-untyped-def]
    events: SlackHarness, sessions, text: str
) -> None:
    person = hostile.new_id("U")
    dm = "D" + person[1:]
    sent = as_slack_sends(text)
    body = encoded(callback(dm_event(sent, user=person, channel=dm)))
    response = await events.post(body, "application/json")
    answers = [p for p in await events.answers() if p["channel"] == dm]
    if len(body) > slack.MAX_BODY_BYTES:
        assert response.status_code == 413
        assert await hostile.inbound_texts(sessions, "slack", person) == [] and answers == []
        return
    assert response.status_code == 200, response.text
    expected = storable.text(slack.clean_text(hostile.received(sent), BOT_USER_ID))
    assert await hostile.inbound_texts(sessions, "slack", person) == [expected]
    assert hostile.friendly([a["text"] for a in answers]), answers


def click(changes: Dict[str, Any]) -> bytes:
    """A form-encoded block_actions payload (a button click in the person's DM) with some parts replaced."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U0PERSON", "team_id": "T0TRIAL"},
        "team": {"id": "T0TRIAL"},
        "channel": {"id": "D0PERSON", "name": "directmessage"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "D0PERSON"},
        "message": {"type": "message", "ts": "1.1"},
        "trigger_id": "1.trigger",
        "actions": [{"action_id": "trialbot_button_0", "type": "button", "value": "/help", "action_ts": "1.2"}],
        **changes,
    }
    return str(httpx.QueryParams({"payload": json.dumps(payload)})).encode()


def unsigned_requests(body: bytes) -> List[Dict[str, Any]]:
    now = str(int(time.time()))
    return [
        {},
        {"X-Slack-Request-Timestamp": now},
        {"X-Slack-Request-Timestamp": "not a number", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": b"v0=caf\xe9"},  # not ASCII
        {"X-Slack-Request-Timestamp": "1" * 400, "X-Slack-Signature": "v0=00"},
        sign("not-the-signing-secret", body),
        sign(SIGNING_SECRET, body, timestamp=int(time.time()) - 6 * 60),  # stale
        sign(SIGNING_SECRET, body + b" "),  # signed another body
    ]


async def test_without_a_valid_fresh_signature_any_body_gets_401_and_nothing_is_read(events: SlackHarness) -> None:
    bodies = [b"[" * 200_000, b"not json{", b"payload=not-json", b"\xff\xfe\x00", encoded(callback(dm_event("hi")))]
    for body in bodies:
        for headers in unsigned_requests(body):
            for content_type in ("application/json", "application/x-www-form-urlencoded"):
                response = await post_raw(events, body, {"Content-Type": content_type, **headers})
                assert response.status_code == 401, (body[:40], headers, response.text)
    not_utf8 = await events.post(b"\xff\xfe\x00", "application/json")  # signed, but its text cannot be checked
    assert not_utf8.status_code == 401
    assert events.stored() == [] and await events.answers() == []


async def test_signed_bodies_that_cannot_be_read_get_400(events: SlackHarness) -> None:
    cases = [
        (b"[" * 200_000, "application/json"),
        (b"not json{", "application/json"),
        (b"{" + b'"a": {' * 5_000, "application/json"),
        (b"payload=not-json", "application/x-www-form-urlencoded"),
        (b"payload=" + b"%5B" * 20_000, "application/x-www-form-urlencoded"),
        (b"[1, 2]", "application/json"),
        (encoded(callback(dm_event("hi", channel=5))), "application/json"),
        (encoded({**callback(dm_event("hi")), "event": [1]}), "application/json"),
        (encoded({**callback(dm_event("hi")), "event": "hi"}), "application/json"),
        (click({"actions": {"value": "/help"}}), "application/x-www-form-urlencoded"),
        (click({"actions": ["/help"]}), "application/x-www-form-urlencoded"),
        (click({"user": "U0PERSON"}), "application/x-www-form-urlencoded"),
        (click({"channel": ["D0PERSON"]}), "application/x-www-form-urlencoded"),
        (click({"container": "x"}), "application/x-www-form-urlencoded"),
    ]
    for body, content_type in cases:
        response = await events.post(body, content_type)
        assert response.status_code == 400, (body[:40], response.text)
        assert response.text == "Not a Slack request"
    assert events.stored() == [] and await events.answers() == []


async def test_events_with_wrong_types_are_acknowledged_and_ignored(events: SlackHarness) -> None:
    ignored = [
        dm_event("hi", user=["U0LIST"]),
        dm_event("hi", user={"id": "U0DICT"}),
        dm_event("hi", user="U" + "x" * 200),
        dm_event("hi", ts={"a": 1}),
        dm_event("hi", ts=12.5),
        dm_event("hi", channel="D" + "x" * 300),
        dm_event("hi", channel=["D0LIST"]),
        dm_event(5),
        dm_event(["hi"]),
        dm_event("hi", thread_ts=["1"]),
        dm_event("hi", team={"id": "T"}),
    ]
    for event in ignored:
        response = await events.event(callback(event))
        assert response.status_code == 200, (event, response.text)
    clicks = [
        click({"actions": [{"action_id": "trialbot_button_0", "value": 5, "action_ts": "1.2"}]}),
        click({"actions": [{"action_id": "trialbot_button_0", "value": "/help", "action_ts": ["1"]}]}),
        click({"user": {"id": ["U0PERSON"]}}),
    ]
    for body in clicks:
        response = await events.post(body, "application/x-www-form-urlencoded")
        assert response.status_code == 200, (body[:80], response.text)
    assert events.stored() == [] and await events.answers() == []
    ok = await events.event(callback(dm_event("are you a bot?", ts=new_ts())))
    assert ok.status_code == 200
    assert "not a person" in (await events.answers())[0]["text"], "the gateway still answers"
