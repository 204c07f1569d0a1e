"""The database briefly unavailable: Telegram and Slack are not told "handled" until a message is stored
(so they deliver it again), the web chat keeps the message and sends it again; each is answered once."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
import pytest_asyncio
import websockets

from tests.channels.slack.test_slack import SIGNING_SECRET, SlackHarness, callback, dm_event, slack_gateway
from tests.channels.telegram.test_telegram import HEADER, SECRET, TOKEN, Gateway, telegram_gateway
from tests.channels.webchat.test_webchat import hello, receive, say, socket_url
from tests.fakes.slack_api import sign
from tests.fakes.telegram_api import FakeTelegramApi, message_update
from tests.faults.outage import database_outage


@pytest.fixture
def outage(request: pytest.FixtureRequest, database_url: str):  # type: ignore[no-untyped-def]
    postgres = request.getfixturevalue("postgres_databases") if database_url.startswith("postgresql") else None
    return lambda: database_outage(database_url, postgres)


@pytest_asyncio.fixture
async def telegram(database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    fake = FakeTelegramApi(TOKEN)
    async with fake.running(), telegram_gateway(fake, database_url, action_server_url, model_path, core_pool) as up:
        yield up


@pytest_asyncio.fixture
async def slack(database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    async with slack_gateway(database_url, action_server_url, model_path, core_pool) as started:
        yield started


async def test_telegram_is_not_acknowledged_until_the_update_is_stored(telegram: Gateway, outage) -> None:  # type: ignore[no-untyped-def]
    update = message_update(7001, 42, "what is a placebo?")
    with outage():
        async with httpx.AsyncClient(timeout=120) as http:  # a locked SQLite answers after its busy timeout
            refused = await http.post(f"{telegram.url}/telegram/webhook", json=update, headers={HEADER: SECRET})
        assert refused.status_code >= 500, "a non-2xx answer makes Telegram deliver the update again"
    assert telegram.rows() == []
    await telegram.say(update)  # Telegram's next delivery of the same update
    await telegram.say(update)  # and one more, to be sure repeats stay quiet
    assert [r[0] for r in telegram.rows()].count("inbound") == 1
    answers = telegram.telegram.sent_to(42)
    assert len(answers) == 1 + 1 and "placebo" in answers[-1]["text"].lower()  # the disclosure, then the answer


async def test_slack_is_not_acknowledged_until_the_event_is_stored(slack: SlackHarness, outage) -> None:  # type: ignore[no-untyped-def]
    event = callback(dm_event("what is a placebo?"))
    body = json.dumps(event).encode()
    with outage():
        async with httpx.AsyncClient(timeout=120) as http:  # (Slack itself gives up after 3 s and retries)
            headers = {"Content-Type": "application/json", **sign(SIGNING_SECRET, body)}
            refused = await http.post(f"{slack.url}/slack/events", content=body, headers=headers)
        assert refused.status_code >= 500, "a non-2xx answer makes Slack deliver the event again"
    assert slack.stored() == []
    retried = await slack.event(event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retried.status_code == 200
    answers = await slack.answers()
    assert len([m for m in slack.stored() if m["direction"] == "inbound"]) == 1
    assert sum("placebo" in a.get("text", "").lower() for a in answers) == 1


async def test_the_web_chat_is_told_to_send_again_and_the_message_is_answered_once(gateway, outage) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url, websockets.connect(socket_url(base_url)) as ws:
        await hello(ws, secrets.token_hex(16))
        with outage():
            await ws.send(json.dumps({"type": "message", "id": "m1", "text": "what is a placebo?"}))
            frame = await receive(ws)
        assert frame["type"] == "retry" and frame["code"] == "not_stored" and frame["id"] == "m1"
        assert frame["retry_after"] >= 1 and "try again" in frame["text"]
        frames = await say(ws, "m1", "what is a placebo?")  # what the widget does after retry_after
        again = await say(ws, "m1", "what is a placebo?")
    answers = [m["text"] for f in frames if f["type"] == "replies" for m in f["messages"]]
    assert any("placebo" in a.lower() for a in answers)
    assert again == [{"type": "ack", "id": "m1", "duplicate": True}]
