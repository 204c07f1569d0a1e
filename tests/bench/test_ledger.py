"""The lost / answered-twice audit against a real migrated SQLite database."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.ledger import audit, duplicate_probes
from bench.load import ANSWERED, EMPTY, ERROR, Sample
from bot.store.db import sync_url
from bot.store.models import ChannelIdentity, Conversation, Direction, Message, Participant


def _sample(message_id: str, replies: int, outcome: str = ANSWERED, kind: str = "faq") -> Sample:
    return Sample("s", message_id, kind, 0.0, 0.1, outcome, 200, replies)


def _store(database_url: str, inbound: dict) -> None:
    """inbound: platform message id -> number of bot replies stored for it."""
    engine = create_engine(sync_url(database_url), future=True)
    with Session(engine, future=True) as session:
        participant = Participant()
        session.add(participant)
        session.flush()
        identity = ChannelIdentity(channel="rest", platform_user_id="s", participant_id=participant.id)
        session.add(identity)
        session.flush()
        conversation = Conversation(participant_id=participant.id, identity_id=identity.id, channel="rest")
        session.add(conversation)
        session.flush()
        for platform_id, replies in inbound.items():
            message = Message(
                conversation_id=conversation.id,
                channel="rest",
                direction=Direction.INBOUND.value,
                author="participant",
                text="q",
                platform_message_id=platform_id,
            )
            session.add(message)
            session.flush()
            for _ in range(replies):
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        channel="rest",
                        author="bot",
                        text="a",
                        direction=Direction.OUTBOUND.value,
                        in_reply_to_id=message.id,
                    )
                )
        session.commit()
    engine.dispose()


def test_counts_sent_stored_answered_lost_and_twice(database_url: str) -> None:
    _store(database_url, {"ok": 2, "twice": 4, "unanswered": 0, "timed-out": 1})
    samples = [
        _sample("ok", 2),
        _sample("twice", 2),
        _sample("unanswered", 0, EMPTY),
        _sample("never-stored", 0, ERROR),
        _sample("timed-out", 0, ERROR),  # the client gave up; the bot still answered once
    ]
    figures = audit(database_url, samples)
    assert (figures["sent"], figures["stored"], figures["answered"]) == (5, 4, 3)
    assert figures["lost"] == 2 and figures["duplicated"] == 1
    assert figures["client_unanswered"] == 3
    assert figures["examples"]["answered_twice"] == ["twice"]
    assert figures["examples"]["not_stored"] == ["never-stored"]
    assert figures["examples"]["not_answered"] == ["unanswered"]


def test_repeated_deliveries_count_once(database_url: str) -> None:
    _store(database_url, {"dup": 1})
    deliveries = [
        _sample("dup", 1, kind="duplicate"),
        _sample("dup", 0, EMPTY, "duplicate"),
        _sample("dup", 1, kind="duplicate"),
    ]
    figures = audit(database_url, deliveries)
    assert (figures["sent"], figures["deliveries"], figures["answered"], figures["duplicated"]) == (1, 3, 1, 0)
    assert duplicate_probes(deliveries) == {"ids": 1, "deliveries": 3, "consistent": 1}
    answered_by_both_at_once = [_sample("x", 1, kind="duplicate"), _sample("x", 2, kind="duplicate")]
    assert duplicate_probes(answered_by_both_at_once)["consistent"] == 0
