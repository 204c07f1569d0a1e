"""`make run` end to end: real model, action server and gateway; Ctrl-C; restart keeps everything. The same
runs check privacy: at LOG_LEVEL=DEBUG nothing people wrote (nor who they are) reaches the stack's output,
/forget deletes Rasa's tracker events from the shared database, and RETENTION_DAYS purges at start-up."""

import asyncio
import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy
import websockets
from sqlalchemy.orm import Session

from bot.store.models import ChannelIdentity, Conversation, Message, Participant, utcnow
from tests.conftest import free_port
from tests.stack import chat, environment, launch

PRIVATE_SENDER = "person-7781234567"
WEBCHAT_SESSION = "person7781234567-webchat"
PRIVATE = [
    "my zebrafish sarcoma question 7th",
    "I'm 34 with breast cancer in 77030",
    "you can reach me at zebra.fish@example.org or 713-555-0199",
    "I'm 61, zebrafish lymphoma, near 02115",
]
NEVER_LOGGED = [*PRIVATE, "zebrafish", "zebra.fish", "555-0199", "7781234567", WEBCHAT_SESSION]
ZIPS = re.compile(r"(?<![\d\[])(77030|02115)(?![\d\]])")
"""The ZIP codes on their own (not inside a longer number, nor a process id like "[77030]")."""


def _stored(database_file: str, sender: str) -> list:
    with sqlite3.connect(database_file) as db:
        return db.execute(
            "SELECT m.direction, m.author, m.text FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id "
            "JOIN channel_identities i ON i.id = c.identity_id "
            "WHERE i.platform_user_id = ? ORDER BY m.id",
            (sender,),
        ).fetchall()


def _conversation_id(database_file: str, sender: str) -> str:
    with sqlite3.connect(database_file) as db:
        [(conversation_id,)] = db.execute(
            "SELECT c.id FROM conversations c JOIN channel_identities i ON i.id = c.identity_id "
            "WHERE i.platform_user_id = ?",
            (sender,),
        ).fetchall()
    return str(conversation_id)


def _tracker_events(database_file: str, conversation_id: str, type_name: str = "%") -> int:
    with sqlite3.connect(database_file) as db:
        query = "SELECT count(*) FROM events WHERE sender_id = ? AND type_name LIKE ?"
        return int(db.execute(query, (conversation_id, type_name)).fetchone()[0])


async def _webchat(base_url: str, text: str) -> None:
    """One message through the web chat's WebSocket, until its answer is complete."""
    async with websockets.connect(base_url.replace("http://", "ws://") + "/webchat/ws") as ws:
        await ws.send(json.dumps({"type": "hello", "session": WEBCHAT_SESSION}))
        await ws.recv()
        await ws.send(json.dumps({"type": "message", "id": "c1", "text": text}))
        while json.loads(await asyncio.wait_for(ws.recv(), 60)) != {"type": "typing", "on": False}:
            pass


def _seed_old_chat(database_file: str, sender: str, days: int) -> None:
    """A person who last wrote `days` ago: one conversation with one message."""
    engine = sqlalchemy.create_engine(f"sqlite:///{database_file}")
    then = utcnow() - timedelta(days=days)
    with Session(engine) as session:
        participant = Participant(created_at=then)
        session.add(participant)
        session.flush()
        identity = ChannelIdentity(
            channel="rest", platform_user_id=sender, participant_id=participant.id, created_at=then
        )
        session.add(identity)
        session.flush()
        conversation = Conversation(
            participant_id=participant.id, identity_id=identity.id, channel="rest", created_at=then, updated_at=then
        )
        session.add(conversation)
        session.flush()
        session.add(
            Message(
                conversation_id=conversation.id,
                channel="rest",
                direction="inbound",
                author="participant",
                text="an old question",
                created_at=then,
            )
        )
        session.commit()
    engine.dispose()


@pytest.mark.model
@pytest.mark.stack
def test_run_chat_stop_and_start_again(model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    database_file = str(tmp_path / "trialbot.db")
    env = environment(f"sqlite:///{database_file}", free_port(), free_port(), model_path, workers=1)
    env["LOG_LEVEL"] = "DEBUG"  # the most a deployment can log: still none of people's words or ids

    first = launch(env, log_path=tmp_path / "first.log")
    try:
        greeting = chat(first.base_url, "e2e", "hi")
        assert "automated assistant (not a person)" in greeting[0]["text"]
        bot = chat(first.base_url, "e2e", "r u a real person")
        assert "not a person" in bot[0]["text"]

        for text in PRIVATE:
            assert chat(first.base_url, PRIVATE_SENDER, text)
        # on its own loop in another thread: asyncio.run here would unset the test session's event loop
        web_words = "zebrafish words on the web chat, I'm 52 in 02115"
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _webchat(first.base_url, web_words)).result()

        # a trial search half-way (cancer type and age given) when the whole stack restarts
        assert "How old" in chat(first.base_url, "e2e-slots", "find a trial for breast cancer")[-1]["text"]
        assert "Where do you live" in chat(first.base_url, "e2e-slots", "45")[-1]["text"]

        chat(first.base_url, "e2e-forget", "what is a placebo")
        forgetting = _conversation_id(database_file, "e2e-forget")
        assert _tracker_events(database_file, forgetting) > 0, "Rasa writes its tracker to our database"
        assert chat(first.base_url, "e2e-forget", "/forget")[0]["buttons"][0]["payload"] == "/forget_confirm"
        assert chat(first.base_url, "e2e-forget", "/forget_confirm")[0]["text"].startswith("Done")
        assert _stored(database_file, "e2e-forget") == []
        assert _tracker_events(database_file, forgetting) == 0, "and /forget deletes it there"
    finally:
        code = first.stop()  # Ctrl-C
    assert code == 0
    assert not first.group_alive(), "Ctrl-C must stop the action server, gateway and workers"
    assert any("not retraining" in line for line in first.output)

    logged = "\n".join(first.output)
    assert " DEBUG " in logged and "Deleted a participant's data on request" in logged, "the log is complete"
    for secret in NEVER_LOGGED:
        assert secret not in logged, f"{secret!r} is in the stack's output"
    assert not ZIPS.findall(logged)

    before = _stored(database_file, "e2e")
    assert [row[:2] for row in before[:1]] == [("inbound", "participant")]
    assert ("inbound", "participant", "r u a real person") in before
    assert any(d == "outbound" and "not a person" in t for d, _, t in before)

    _seed_old_chat(database_file, "wrote-long-ago", days=60)
    second = launch(dict(env, RETENTION_DAYS="30"), log_path=tmp_path / "second.log")
    try:
        assert any("not retraining" in line for line in second.output)
        assert any(line.startswith("Deleted what is older than 30 days: messages 1,") for line in second.output)
        assert _stored(database_file, "wrote-long-ago") == [], "purged at start-up"
        found = " ".join(r["text"] for r in chat(second.base_url, "e2e-slots", "77030"))
        assert "breast cancer" in found and "I found" in found, "the filled slots survived the restart"
        thanks = chat(second.base_url, "e2e", "thanks!")
        assert "welcome" in thanks[0]["text"]
    finally:
        second.stop()
    after = _stored(database_file, "e2e")
    assert after[: len(before)] == before, "messages survive a restart"
    assert after[len(before)][2] == "thanks!"
    e2e = _conversation_id(database_file, "e2e")
    assert _tracker_events(database_file, e2e, "user") == 3, "Rasa's tracker kept the conversation in the same database"
    logged_again = "\n".join(second.output)
    assert not any(secret in logged_again for secret in NEVER_LOGGED) and not ZIPS.findall(logged_again)
