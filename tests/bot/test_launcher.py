"""`make run` end to end: real model, action server and gateway; Ctrl-C; restart keeps everything."""

import sqlite3

from tests.conftest import free_port
from tests.stack import chat, environment, launch


def _stored(database_file: str, sender: str) -> list:
    with sqlite3.connect(database_file) as db:
        return db.execute(
            "SELECT m.direction, m.author, m.text FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id "
            "JOIN channel_identities i ON i.id = c.identity_id "
            "WHERE i.platform_user_id = ? ORDER BY m.id",
            (sender,),
        ).fetchall()


def test_run_chat_stop_and_start_again(model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    database_file = str(tmp_path / "trialbot.db")
    env = environment(f"sqlite:///{database_file}", free_port(), free_port(), model_path, workers=1)

    first = launch(env)
    try:
        greeting = chat(first.base_url, "e2e", "hi")
        assert "automated assistant (not a person)" in greeting[0]["text"]
        bot = chat(first.base_url, "e2e", "r u a real person")
        assert "not a person" in bot[0]["text"]
    finally:
        code = first.stop()  # Ctrl-C
    assert code == 0
    assert not first.group_alive(), "Ctrl-C must stop the action server, gateway and workers"
    assert any("not retraining" in line for line in first.output)

    before = _stored(database_file, "e2e")
    assert [row[:2] for row in before[:1]] == [("inbound", "participant")]
    assert ("inbound", "participant", "r u a real person") in before
    assert any(d == "outbound" and "not a person" in t for d, _, t in before)

    second = launch(env)
    try:
        assert any("not retraining" in line for line in second.output)
        thanks = chat(second.base_url, "e2e", "thanks!")
        assert "welcome" in thanks[0]["text"]
    finally:
        second.stop()
    after = _stored(database_file, "e2e")
    assert after[: len(before)] == before, "messages survive a restart"
    assert after[len(before)][2] == "thanks!"
    with sqlite3.connect(database_file) as db:
        [(conversations,)] = db.execute("SELECT count(*) FROM conversations").fetchall()
        user_events = db.execute(
            "SELECT count(*) FROM events WHERE type_name = 'user'"
        ).fetchone()[0]
    assert conversations == 1, "the same conversation goes on after the restart"
    assert user_events == 3, "Rasa's tracker kept the conversation in the same database"
