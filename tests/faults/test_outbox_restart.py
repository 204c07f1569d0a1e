"""The gateway killed (SIGKILL) in the middle of a burst of conversations, then started again: every message is
answered exactly once — in the database and at the fake Telegram API.

The whole `trialbot run` stack (gateway, one Rasa worker with the trained model, the action server) polls the fake
Telegram Bot API on 127.0.0.1 for a burst of messages from several people. After the first few replies the fake
holds every later sendMessage unanswered and untaken (requests still on their way when the process dies); the
stack's process group is killed with SIGKILL. At that moment messages are stored but unanswered, answers are
stored but unsent, and updates are unconfirmed. Started again, the stack must answer what was unanswered
(`bot.gateway.recovery`), send what was unsent (the outbox's claims run out and are taken over), ignore the
updates Telegram delivers again (de-duplication), and send nothing twice. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import signal
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import pytest

from tests.channels.telegram.test_telegram import TOKEN
from tests.conftest import free_port
from tests.fakes.telegram_api import FakeTelegramApi, message_update
from tests.stack import Launched, environment, launch, query

pytestmark = [pytest.mark.model, pytest.mark.stack]

PEOPLE = 8
QUESTIONS = ("hi", "what is a placebo?", "do trials cost anything?")
TAKEN_BEFORE_THE_KILL = 5


def _state(database_url: str) -> Dict[str, int]:
    """Counts that say how far the stack got: unanswered messages, outbox rows by state."""
    counts = {
        "inbound": query(database_url, "SELECT count(*) FROM messages WHERE direction = 'inbound'")[0][0],
        "unanswered": query(
            database_url, "SELECT count(*) FROM messages WHERE direction = 'inbound' AND answered_at IS NULL"
        )[0][0],
    }
    for state, count in query(database_url, "SELECT state, count(*) FROM outbox GROUP BY state"):
        counts[state] = count
    return counts


def _stored_replies(database_url: str) -> Dict[str, List[str]]:
    """The bot's stored messages to each Telegram chat, in order."""
    rows = query(
        database_url,
        "SELECT i.platform_user_id, m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "JOIN channel_identities i ON i.id = c.identity_id "
        "WHERE m.direction = 'outbound' AND m.kind = 'text' ORDER BY m.id",
    )
    replies: Dict[str, List[str]] = defaultdict(list)
    for chat, words in rows:
        replies[str(chat)].append(str(words))
    return dict(replies)


async def _queue(fake: FakeTelegramApi, chat: int, question: str) -> None:
    update = message_update(0, chat, question)
    del update["update_id"]  # the fake numbers them
    await fake.queue(update)


async def _start(env: Dict[str, str], log: Path) -> Launched:
    return await asyncio.to_thread(launch, env, 420, log)


async def test_a_gateway_killed_mid_burst_answers_every_message_exactly_once_after_a_restart(
    database_url: str, model_path: Path, tmp_path: Path
) -> None:
    fake = FakeTelegramApi(TOKEN)
    async with fake.running():
        env = environment(database_url, free_port(), free_port(), model_path, workers=1)
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_MODE="polling",
            TELEGRAM_API_BASE_URL=fake.base_url,
            OUTBOX_LEASE_SECONDS="3",
            OUTBOX_POLL_SECONDS="0.5",
        )
        first = await _start(env, tmp_path / "first.log")
        chats = [7000 + n for n in range(PEOPLE)]
        try:
            fake.hold_after("sendMessage", TAKEN_BEFORE_THE_KILL)
            for question in QUESTIONS[:-1]:  # a burst: everyone's first question, then everyone's second…
                for chat in chats:
                    await _queue(fake, chat, question)
            await fake.wait_for(
                lambda: len(fake.attempted("sendMessage")) > TAKEN_BEFORE_THE_KILL, what="a held sendMessage"
            )
            await asyncio.sleep(1.0)  # the replies the fake took are recorded as sent; later ones are held
            for chat in chats:  # the burst's last wave: killed as soon as it is stored, before it is answered
                await _queue(fake, chat, QUESTIONS[-1])
            total = PEOPLE * len(QUESTIONS)
            await fake.wait_for(lambda: _state(database_url)["inbound"] == total, what="the last wave stored")
        finally:
            first.stop(signal.SIGKILL, timeout=30)
        at_the_kill = _state(database_url)
        print("at the kill:", at_the_kill, "updates not confirmed:", len(fake.pending()))
        assert at_the_kill.get("sending", 0) >= 1, "a reply was on its way when the process died"
        assert at_the_kill["unanswered"] >= 1, "messages were stored but not answered"
        taken = len(fake.messages)
        assert taken == TAKEN_BEFORE_THE_KILL

        await fake.release()
        second = await _start(env, tmp_path / "second.log")
        try:

            def done() -> bool:
                state = _state(database_url)
                return (
                    state["inbound"] == total
                    and state["unanswered"] == 0
                    and not state.get("pending")
                    and not state.get("sending")
                    and len(fake.messages) == sum(len(r) for r in _stored_replies(database_url).values())
                )

            await fake.wait_for(done, timeout=240, what="every message answered and delivered")
            await asyncio.sleep(2.0)  # nothing more arrives afterwards (a second answer, a repeated send)
        finally:
            second.stop()

    stored = _stored_replies(database_url)
    assert set(stored) == {str(chat) for chat in chats}
    for chat in chats:
        sent = [m["text"] for m in fake.sent_to(chat)]
        assert sent == stored[str(chat)], f"chat {chat}: what Telegram got is what was stored, once, in order"
    inbound = query(
        database_url,
        "SELECT i.platform_user_id, m.text, m.answered_at IS NOT NULL, "
        "(SELECT count(*) FROM messages r WHERE r.in_reply_to_id = m.id) "
        "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "JOIN channel_identities i ON i.id = c.identity_id WHERE m.direction = 'inbound' ORDER BY m.id",
    )
    by_chat: Dict[str, List[str]] = defaultdict(list)
    for chat, words, answered, replies in inbound:
        assert answered and replies >= 1, f"{words!r} from chat {chat} was answered"
        by_chat[str(chat)].append(str(words))
    assert all(sorted(texts) == sorted(QUESTIONS) for texts in by_chat.values()), "each message stored once"
    assert _state(database_url).get("sent") == len(fake.messages), "every outbox row was sent"
