"""`make run` on PostgreSQL: the whole stack (gateway on asyncpg, a Rasa worker and the action server on psycopg2)
started on an empty PostgreSQL database answers FAQ questions and trial searches, and keeps people's messages and
Rasa's tracker in that database. One stack for the module (loading the model is the slow part); every other stack
test runs on SQLite (`running_stack`, tests/bot/test_launcher.py)."""

from __future__ import annotations

import re
from typing import Iterator, List, Tuple

import pytest
from sqlalchemy import create_engine, text

from bot.faq.catalog import load_catalog
from bot.faq.training_data import response_text
from tests.conftest import free_port
from tests.replies import after_disclosure
from tests.stack import Launched, chat, environment, launch
from tests.tracker import tracker_event_counts

pytestmark = [pytest.mark.model, pytest.mark.stack, pytest.mark.postgres]  # `make run` on PostgreSQL


class PostgresStack:
    def __init__(self, launched: Launched, database_url: str) -> None:
        self.launched, self.database_url = launched, database_url
        self.base_url = launched.base_url

    def query(self, sql: str, **parameters: object) -> List[Tuple]:
        engine = create_engine(self.database_url, future=True)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql), parameters)]
        finally:
            engine.dispose()

    def stored(self, sender: str) -> List[Tuple]:
        """(direction, author, text) of everything a REST sender wrote and was told, in order."""
        return self.query(
            "SELECT m.direction, m.author, m.text FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id "
            "JOIN channel_identities i ON i.id = c.identity_id "
            "WHERE i.platform_user_id = :sender ORDER BY m.id",
            sender=sender,
        )

    def conversation_id(self, sender: str) -> str:
        [(conversation_id,)] = self.query(
            "SELECT c.id FROM conversations c JOIN channel_identities i ON i.id = c.identity_id "
            "WHERE i.platform_user_id = :sender",
            sender=sender,
        )
        return str(conversation_id)


@pytest.fixture(scope="module")
def postgres_stack(model_path, postgres_databases, tmp_path_factory) -> Iterator[PostgresStack]:  # type: ignore[no-untyped-def]
    """`make run` with DATABASE_URL=postgresql://… on an empty database (one Rasa worker)."""
    url = postgres_databases.new(migrated=False)
    env = environment(url, free_port(), free_port(), model_path, workers=1)
    launched = launch(env, log_path=tmp_path_factory.mktemp("postgres-stack") / "stack.log")
    try:
        yield PostgresStack(launched, url)
    finally:
        launched.stop()
        postgres_databases.drop(url)


def _texts(replies: list) -> str:
    return "\n".join(r["text"] for r in replies)


def test_first_run_migrates_and_loads_the_trials(postgres_stack: PostgresStack) -> None:
    assert any("Loaded 489 trials" in line for line in postgres_stack.launched.output)
    assert postgres_stack.query("SELECT count(*) FROM trials") == [(489,)]


def test_answers_a_faq_question(postgres_stack: PostgresStack) -> None:
    placebo = load_catalog().get("placebo")
    [answer] = after_disclosure(chat(postgres_stack.base_url, "pg-faq", placebo.canonical_question))
    assert answer["text"] == response_text(placebo)


def test_searches_trials(postgres_stack: PostgresStack) -> None:
    text = _texts(chat(postgres_stack.base_url, "pg-search", "I'm 34 with breast cancer in 77030"))
    assert "searching open trials for breast cancer within 100 miles of Houston, TX 77030, for age 34" in text
    lines = [line for line in text.splitlines() if re.match(r"^\d+\. ", line)]
    assert len(lines) == 3 and all(re.search(r"NCT\d{8}", line) and "Houston, Texas" in line for line in lines)
    more = _texts(chat(postgres_stack.base_url, "pg-search", "show more"))
    assert more.startswith("More (4–6 of ")


def test_messages_and_rasa_events_are_kept_in_postgres(postgres_stack: PostgresStack) -> None:
    sender = "pg-kept"
    chat(postgres_stack.base_url, sender, "hi")
    chat(postgres_stack.base_url, sender, "what is a placebo")
    stored = postgres_stack.stored(sender)
    assert [row for row in stored if row[0] == "inbound"] == [
        ("inbound", "participant", "hi"),
        ("inbound", "participant", "what is a placebo"),
    ]
    assert any(direction == "outbound" and "placebo" in body.lower() for direction, _, body in stored)

    conversation = postgres_stack.conversation_id(sender)
    assert tracker_event_counts(postgres_stack.database_url)[conversation] > 2, "Rasa's tracker is in PostgreSQL"
    user_events = postgres_stack.query(
        "SELECT count(*) FROM events WHERE sender_id = :sender AND type_name = 'user'", sender=conversation
    )
    assert user_events == [(2,)]


def test_forget_deletes_the_messages_and_the_tracker(postgres_stack: PostgresStack) -> None:
    sender = "pg-forget"
    chat(postgres_stack.base_url, sender, "what is a placebo")
    conversation = postgres_stack.conversation_id(sender)
    assert tracker_event_counts(postgres_stack.database_url).get(conversation)
    assert chat(postgres_stack.base_url, sender, "/forget")[0]["buttons"][0]["payload"] == "/forget_confirm"
    assert chat(postgres_stack.base_url, sender, "/forget_confirm")[0]["text"].startswith("Done")
    assert postgres_stack.stored(sender) == []
    assert conversation not in tracker_event_counts(postgres_stack.database_url)
