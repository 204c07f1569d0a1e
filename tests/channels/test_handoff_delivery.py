"""A coordinator's words reach the person on their own channel (Telegram, Slack, web chat), the bot steps aside
meanwhile, and when the coordinator is done the person is asked the optional "did it help?" question there.

Real HTTP both ways: the person's messages go into the gateway's webhooks (or its WebSocket), the coordinator
acts through the same service the console uses, and what the person sees is read from the fake platform APIs
on 127.0.0.1 (or the socket).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any, List, Tuple

import websockets
from sqlalchemy import select

from bot.console import accounts
from bot.handoff import satisfaction
from bot.store.models import Coordinator, Role, SatisfactionAnswer
from tests.channels.slack.test_slack import DM, GENERAL, buttons, dm_event, mention_event, new_ts, slack_gateway
from tests.channels.slack.test_slack import callback as slack_callback
from tests.channels.telegram.test_telegram import keyboard, telegram_gateway
from tests.channels.webchat.test_webchat import gateway_app, hello, receive, say, socket_url
from tests.fakes.telegram_api import FakeTelegramApi, callback_update, message_update

ALWAYS_OPEN = {"HANDOFF_OFFICE_HOURS": "always", "HANDOFF_TIMEZONE": "UTC"}


async def _coordinator(sessions: Any) -> Coordinator:
    async with sessions() as session:
        coordinator = await accounts.create(session, "sam@example.org", "Sam", "a long test password", Role.COORDINATOR)
        await session.commit()
        return coordinator


async def _only_conversation(sessions: Any) -> str:
    from sqlalchemy import select

    from bot.store.models import Conversation

    async with sessions() as session:
        [conversation] = (await session.execute(select(Conversation))).scalars().all()
        return conversation.id


def _texts(messages: list) -> list:
    return [m["text"] for m in messages]


THANKS = "Thank you for telling us."
QUESTION_BUTTONS = [("👍 Yes, it helped", "/satisfaction_up"), ("👎 Not really", "/satisfaction_down")]


async def _answers(sessions: Any) -> List[Tuple[str, str]]:
    """Every stored satisfaction answer: (conversation id, rating)."""
    async with sessions() as session:
        rows = (await session.execute(select(SatisfactionAnswer).order_by(SatisfactionAnswer.id))).scalars()
        return [(a.conversation_id, a.rating) for a in rows]


async def test_telegram_person_gets_the_coordinator_and_then_the_bot_again(
    database_url, action_server_url, model_path, core_pool, sessions
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeTelegramApi("123456:fake-token-for-tests")
    async with (
        fake.running(),
        telegram_gateway(fake, database_url, action_server_url, model_path, core_pool, **ALWAYS_OPEN) as gateway,
    ):
        chat = 5101
        await gateway.say(message_update(8001, chat, "can I talk to someone real"))
        assert "1st in line" in _texts(fake.sent_to(chat))[-1]
        coordinator = await _coordinator(sessions)
        conversation_id = await _only_conversation(sessions)
        coordination = gateway.app.state.coordination

        await coordination.take(conversation_id, coordinator)
        hello = "Hi, I'm Sam from the trials team. How can I help?"
        outcome = await coordination.reply(conversation_id, coordinator, hello)
        assert outcome.delivered, outcome.problem
        assert _texts(fake.sent_to(chat))[-2:] == [
            "Sam from the trials team has joined the chat. (This is a person, not the bot.)",
            "Hi, I'm Sam from the trials team. How can I help?",
        ]
        before = len(fake.sent_to(chat))
        await gateway.say(message_update(8002, chat, "are you a bot?"))
        assert len(fake.sent_to(chat)) == before, "the bot stays silent while a coordinator is here"
        await coordination.note(conversation_id, coordinator, "private: call back tomorrow")
        assert all("private" not in t for t in _texts(fake.sent_to(chat)))

        await coordination.hand_back(conversation_id, coordinator)
        back, asked = fake.sent_to(chat)[-2:]
        assert "I'm back" in back["text"] and asked["text"] == satisfaction.question().text
        await gateway.say(message_update(8003, chat, "are you a bot?"))
        assert "not a person" in _texts(fake.sent_to(chat))[-1]


async def test_slack_person_gets_the_coordinator_in_their_dm(
    database_url, action_server_url, model_path, core_pool, sessions
) -> None:  # type: ignore[no-untyped-def]
    async with slack_gateway(database_url, action_server_url, model_path, core_pool, **ALWAYS_OPEN) as harness:
        await harness.event(slack_callback(dm_event("can i speak with a coordinator")))
        assert "1st in line" in _texts(await harness.answers())[-1]
        coordinator = await _coordinator(sessions)
        conversation_id = await _only_conversation(sessions)
        coordination = harness.app.state.coordination

        outcome = await coordination.reply(conversation_id, coordinator, "Hello from Sam <the coordinator> & team")
        assert outcome.delivered, outcome.problem
        joined, reply = await harness.answers()
        assert joined["channel"] == reply["channel"] == DM
        assert "Sam from the trials team has joined" in joined["text"]
        assert reply["text"] == "Hello from Sam &lt;the coordinator&gt; &amp; team"

        await harness.event(slack_callback(dm_event("thanks, are you a bot?")))
        assert await harness.answers() == [], "the bot stays silent while a coordinator is here"
        await coordination.close(conversation_id, coordinator)
        goodbye, asked = await harness.answers()
        assert "closed" in goodbye["text"] and {goodbye["channel"], asked["channel"]} == {DM}
        assert asked["text"] == satisfaction.question().text
        offered = buttons(asked)
        assert [(b["text"]["text"], b["value"]) for b in offered] == QUESTION_BUTTONS

        up = {k: offered[0][k] for k in ("action_id", "text", "value", "type")}
        message_ts = new_ts()
        assert (await harness.click(up, DM, message_ts, new_ts())).status_code == 200
        [thanks] = await harness.answers()
        assert (thanks["channel"], thanks["text"]) == (DM, THANKS)
        assert (await harness.click(up, DM, message_ts, new_ts())).status_code == 200  # clicked again
        await harness.answers()
        assert await _answers(sessions) == [(conversation_id, "up")]
        assert [r["conversation"] for r in harness.inbound()[-2:]] == [conversation_id] * 2, "filed where asked"


async def test_a_slack_mention_in_a_channel_gets_the_coordinator_in_the_dm(
    database_url, action_server_url, model_path, core_pool, sessions
) -> None:  # type: ignore[no-untyped-def]
    """The conversation moved to the DM, so its address (what coordinators reply to) is the DM, never the channel."""
    async with slack_gateway(database_url, action_server_url, model_path, core_pool, **ALWAYS_OPEN) as harness:
        await harness.event(slack_callback(mention_event("can i speak with a coordinator")))
        notice, *queued = await harness.answers()
        assert notice["channel"] == GENERAL and "direct message" in notice["text"]
        assert {m["channel"] for m in queued} == {DM} and "1st in line" in _texts(queued)[-1]
        coordinator = await _coordinator(sessions)
        conversation_id = await _only_conversation(sessions)
        coordination = harness.app.state.coordination

        outcome = await coordination.reply(conversation_id, coordinator, "Hi, I'm Sam. Happy to talk here.")
        assert outcome.delivered, outcome.problem
        joined, reply = await harness.answers()
        assert joined["channel"] == reply["channel"] == DM and "thread_ts" not in reply
        assert reply["text"] == "Hi, I'm Sam. Happy to talk here."
        await coordination.close(conversation_id, coordinator)
        assert {m["channel"] for m in await harness.answers()} == {DM}
        assert harness.api.posted_in(GENERAL) == [notice]


async def test_a_person_nobody_takes_is_offered_the_bot_back(
    database_url, action_server_url, model_path, core_pool, sessions
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeTelegramApi("123456:fake-token-for-tests")
    async with (
        fake.running(),
        telegram_gateway(
            fake, database_url, action_server_url, model_path, core_pool, HANDOFF_WAIT_MINUTES="0.001", **ALWAYS_OPEN
        ) as gateway,
    ):
        chat = 5102
        await gateway.say(message_update(8101, chat, "human please"))
        coordination = gateway.app.state.coordination

        def offers() -> list:
            return [m for m in fake.sent_to(chat) if "keep waiting" in m["text"]]

        async def offered() -> bool:  # the gateway also runs this every few seconds
            await coordination.send_due_offers()
            return bool(offers())

        deadline = time.monotonic() + 30
        while not await offered():
            assert time.monotonic() < deadline, "no offer after the wait"
            await asyncio.sleep(0.05)
        await coordination.send_due_offers()
        [offer] = offers()  # offered once
        buttons = [row[0]["callback_data"] for row in offer["reply_markup"]["inline_keyboard"]]
        assert buttons == ["/keep_waiting", "/back_to_bot"]
        await gateway.say(callback_update(8102, chat, "/back_to_bot", "cb-8102", offer))
        assert "I'm back" in fake.sent_to(chat)[-1]["text"]


async def test_telegram_person_is_asked_after_the_close_and_a_tap_is_stored_once(
    database_url, action_server_url, model_path, core_pool, sessions
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeTelegramApi("123456:fake-token-for-tests")
    async with (
        fake.running(),
        telegram_gateway(fake, database_url, action_server_url, model_path, core_pool, **ALWAYS_OPEN) as gateway,
    ):
        chat = 5103
        await gateway.say(message_update(8201, chat, "can I talk to someone real"))
        coordinator = await _coordinator(sessions)
        conversation_id = await _only_conversation(sessions)
        coordination = gateway.app.state.coordination
        assert (await coordination.reply(conversation_id, coordinator, "Hi, I'm Sam.")).delivered

        await coordination.close(conversation_id, coordinator)
        goodbye, asked = fake.sent_to(chat)[-2:]
        assert "closed" in goodbye["text"] and "reply_markup" not in goodbye
        assert asked["text"] == satisfaction.question().text and keyboard(asked) == QUESTION_BUTTONS

        await gateway.say(callback_update(8202, chat, "/satisfaction_down", "cb-8202", asked))
        assert fake.sent_to(chat)[-1]["text"] == THANKS
        await gateway.say(callback_update(8203, chat, "/satisfaction_down", "cb-8203", asked))  # tapped again
        assert await _answers(sessions) == [(conversation_id, "down")]
        answered = [call["callback_query_id"] for call in fake.successful("answerCallbackQuery")]
        assert answered == ["cb-8202", "cb-8203"], "each tap's spinner is stopped"
        assert await _only_conversation(sessions) == conversation_id, "a tap starts no new conversation"


async def test_web_chat_person_is_asked_after_the_close_and_a_click_is_thanked(
    database_url, action_server_url, model_path, core_pool, sessions
) -> None:  # type: ignore[no-untyped-def]
    session = secrets.token_hex(16)
    started = gateway_app(database_url, action_server_url, model_path, core_pool, **ALWAYS_OPEN)
    async with started as (app, url), websockets.connect(socket_url(url)) as ws:
        await hello(ws, session)
        await say(ws, "w1", "can I talk to someone real")
        coordinator = await _coordinator(sessions)
        conversation_id = await _only_conversation(sessions)
        coordination = app.state.coordination
        assert (await coordination.reply(conversation_id, coordinator, "Hi, I'm Sam.")).delivered
        assert [m["text"] for m in (await receive(ws))["messages"]][-1] == "Hi, I'm Sam."

        assert (await coordination.close(conversation_id, coordinator)).delivered
        pushed = await receive(ws)
        goodbye, asked = pushed["messages"]
        assert "closed" in goodbye["text"] and goodbye["buttons"] == []
        assert asked["text"] == satisfaction.question().text
        assert [(b["title"], b["payload"]) for b in asked["buttons"]] == QUESTION_BUTTONS

        click = {"type": "message", "id": "w2", "text": "/satisfaction_up", "title": "👍 Yes, it helped"}
        await ws.send(json.dumps(click))
        assert await receive(ws) == {"type": "ack", "id": "w2", "duplicate": False}
        thanked = await receive(ws)  # no typing indicator: the model is not asked
        assert thanked["type"] == "replies" and thanked["in_reply_to"] == "w2"
        assert [m["text"] for m in thanked["messages"]] == [THANKS]
    assert await _answers(sessions) == [(conversation_id, "up")]
