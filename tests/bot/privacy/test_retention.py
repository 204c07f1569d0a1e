"""Retention: old transcripts (and Rasa's old tracker events) go, recent ones and the queue stay — by the purge
function and by `trialbot retention purge` on a real SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Set, Tuple

import pytest
from sqlalchemy import select

from bot.privacy.retention import Purged, purge_database
from bot.store import audit
from bot.store.db import PROJECT_ROOT, sync_url
from bot.store.models import (
    AuditEvent,
    Author,
    ChannelIdentity,
    Conversation,
    ConversationStatus,
    Direction,
    Handoff,
    Message,
    Participant,
    utcnow,
)
from tests.tracker import tracker_event_counts

NOW = utcnow()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class Seeded:
    """The conversation ids of the seeded people, by name."""

    ids: Dict[str, str]


async def _person(
    session,
    name: str,
    days: float,
    status: ConversationStatus = ConversationStatus.BOT,  # type: ignore[no-untyped-def]
) -> Conversation:
    participant = Participant(display_name=None, created_at=ago(days))
    session.add(participant)
    await session.flush()
    identity = ChannelIdentity(
        channel="rest", platform_user_id=name, participant_id=participant.id, created_at=ago(days)
    )
    session.add(identity)
    await session.flush()
    conversation = Conversation(
        participant_id=participant.id,
        identity_id=identity.id,
        channel="rest",
        status=status.value,
        created_at=ago(days),
        updated_at=ago(days),
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def _message(
    session,
    conversation: Conversation,
    text: str,
    days: float,
    reply_to: Optional[Message] = None,  # type: ignore[no-untyped-def]
) -> Message:
    inbound = reply_to is None
    message = Message(
        conversation_id=conversation.id,
        channel="rest",
        direction=(Direction.INBOUND if inbound else Direction.OUTBOUND).value,
        author=(Author.PARTICIPANT if inbound else Author.BOT).value,
        text=text,
        in_reply_to_id=reply_to.id if reply_to else None,
        created_at=ago(days),
    )
    session.add(message)
    await session.flush()
    return message


async def _tracker(database_url: str, sender_id: str, days: List[float]) -> None:
    """Rasa's own tracker store writes one event per age in `days` (creating its `events` table)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(host=sync_url(database_url))
    events = [SlotSet("age", 34, timestamp=ago(d).timestamp()) for d in days]
    await store.save(DialogueStateTracker.from_events(sender_id, events))
    store.engine.dispose()


async def seed(sessions, database_url: str) -> Seeded:  # type: ignore[no-untyped-def]
    """Old and recent people: what a 30-day purge must delete, and what it must keep."""
    async with sessions() as session:
        old = await _person(session, "old-bot", 60)
        asked = await _message(session, old, "old question about my biopsy", 60)
        await _message(session, old, "old answer", 60, reply_to=asked)
        session.add_all(
            [
                Handoff(
                    conversation_id=old.id,
                    from_status="bot",
                    to_status="waiting",
                    actor="participant",
                    created_at=ago(60),
                ),
                Handoff(
                    conversation_id=old.id,
                    from_status="waiting",
                    to_status="bot",
                    actor="participant",
                    created_at=ago(60),
                ),
            ]
        )
        await audit.record(session, audit.VIEWED, conversation_id=old.id)
        closed = await _person(session, "old-closed", 45, ConversationStatus.CLOSED)
        await _message(session, closed, "old goodbye", 45)
        waiting = await _person(session, "old-waiting", 40, ConversationStatus.WAITING)
        waiting.waiting_since = ago(40)
        w_asked = await _message(session, waiting, "old request for a person", 40)
        await _message(session, waiting, "old queue notice", 40, reply_to=w_asked)
        mixed = await _person(session, "mixed", 50)
        m_asked = await _message(session, mixed, "old half of a chat", 50)
        await _message(session, mixed, "newer reply to it", 10, reply_to=m_asked)
        await _message(session, mixed, "recent message", 1)
        new = await _person(session, "new", 2)
        n_asked = await _message(session, new, "recent question", 2)
        await _message(session, new, "recent answer", 2, reply_to=n_asked)
        await session.commit()
        ids = {"old-bot": old.id, "old-closed": closed.id, "old-waiting": waiting.id, "mixed": mixed.id, "new": new.id}
    await _tracker(database_url, ids["old-bot"], [60, 60, 59])
    await _tracker(database_url, ids["mixed"], [50, 1])
    await _tracker(database_url, ids["new"], [2, 2])
    await _tracker(database_url, "someone-rasa-knew", [90])
    return Seeded(ids)


EXPECTED = {
    "messages": 6,  # old-bot 2, old-closed 1, old-waiting 2, mixed 1
    "tracker_events": 5,  # old-bot 3, mixed 1, someone-rasa-knew 1
    "conversations": 2,  # old-bot, old-closed (old-waiting stays in the queue)
    "handoffs": 2,
    "identities": 2,
    "participants": 2,
    "audit_entries_unlinked": 1,
}


def _counts(purged: Purged) -> Dict[str, int]:
    return {name: getattr(purged, name) for name in EXPECTED}


async def _left(sessions) -> Tuple[Set[str], Dict[str, List[Tuple[str, Optional[int]]]], Set[str]]:  # type: ignore[no-untyped-def]
    """Which people, which messages (text, reply link) per conversation, and which conversations remain."""
    async with sessions() as session:
        people = set((await session.execute(select(ChannelIdentity.platform_user_id))).scalars())
        conversations = set((await session.execute(select(Conversation.id))).scalars())
        rows = (await session.execute(select(Message).order_by(Message.id))).scalars().all()
    messages: Dict[str, List[Tuple[str, Optional[int]]]] = {}
    for row in rows:
        messages.setdefault(row.conversation_id, []).append((row.text, row.in_reply_to_id))
    return people, messages, conversations


async def test_a_purge_deletes_exactly_the_old_rows_and_keeps_the_queue(sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed(sessions, database_url)
    purged = await purge_database(database_url, 30, now=NOW)
    assert _counts(purged) == EXPECTED
    people, messages, conversations = await _left(sessions)
    ids = seeded.ids
    assert people == {"old-waiting", "mixed", "new"}
    assert conversations == {ids["old-waiting"], ids["mixed"], ids["new"]}
    assert ids["old-waiting"] not in messages, "its old messages went; the conversation stays in the queue"
    assert messages[ids["mixed"]] == [("newer reply to it", None), ("recent message", None)]
    assert [text for text, _ in messages[ids["new"]]] == ["recent question", "recent answer"]
    assert tracker_event_counts(database_url) == {ids["mixed"]: 1, ids["new"]: 2}
    async with sessions() as session:
        assert (await session.get(Conversation, ids["old-waiting"])).status == "waiting"
        assert list((await session.execute(select(Handoff))).scalars()) == []
        entries = [(e.action, e.conversation_id) for e in (await session.execute(select(AuditEvent))).scalars()]
    assert entries == [(audit.VIEWED, None), (audit.PURGED, None)]

    again = await purge_database(database_url, 30, now=NOW)
    assert not again.anything, "a second purge finds nothing more"


async def test_a_dry_run_counts_the_same_and_deletes_nothing(sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions, database_url)
    before = await _left(sessions), tracker_event_counts(database_url)
    dry = await purge_database(database_url, 30, dry_run=True, now=NOW)
    assert _counts(dry) == EXPECTED
    assert (await _left(sessions), tracker_event_counts(database_url)) == before
    async with sessions() as session:
        assert [e.action for e in (await session.execute(select(AuditEvent))).scalars()] == [audit.VIEWED]


async def test_a_database_without_rasas_table_is_purged_too(sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        old = await _person(session, "old-bot", 60)
        await _message(session, old, "old words", 60)
        await session.commit()
    purged = await purge_database(database_url, 30)
    assert (purged.messages, purged.tracker_events, purged.conversations, purged.participants) == (1, 0, 1, 1)


# The command.


def _trialbot(database_url: str, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "RETENTION_DAYS"}
    env.update(DATABASE_URL=database_url, **environ)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "retention", "purge", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=120,
    )


@pytest.mark.slow  # runs the command line in new Python processes
async def test_the_command_purges_prints_counts_and_can_dry_run(sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed(sessions, database_url)
    dry = _trialbot(database_url, "--days", "30", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would delete what is older than 30 days" in dry.stdout and "Nothing was deleted (--dry-run)." in dry.stdout
    assert "messages 6, tracker events 5, conversations 2, handoffs 2" in dry.stdout
    assert len((await _left(sessions))[0]) == 5, "the dry run deleted nothing"

    done = _trialbot(database_url, "--days", "30")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Deleted what is older than 30 days")
    counts = "messages 6, tracker events 5, conversations 2, handoffs 2, channel identities 2, participants 2"
    assert f"): {counts}, audit entries unlinked 1, satisfaction answers 0." in done.stdout
    people, _, conversations = await _left(sessions)
    assert people == {"old-waiting", "mixed", "new"} and seeded.ids["old-waiting"] in conversations
    for text in ("old question about my biopsy", "old-bot"):
        assert text not in done.stdout + done.stderr, "counts only"


@pytest.mark.slow  # runs the command line in new Python processes
async def test_the_command_uses_retention_days_and_refuses_without_a_period(sessions, database_url) -> None:  # type: ignore[no-untyped-def]
    await seed(sessions, database_url)
    refused = _trialbot(database_url)
    assert refused.returncode == 2
    assert "pass --days N or set RETENTION_DAYS" in refused.stderr and "Nothing was deleted" in refused.stderr
    assert len((await _left(sessions))[0]) == 5

    bad = _trialbot(database_url, "--days", "0")
    assert bad.returncode == 2 and "at least 1" in bad.stderr

    by_setting = _trialbot(database_url, RETENTION_DAYS="30")
    assert by_setting.returncode == 0, by_setting.stderr
    assert "older than 30 days" in by_setting.stdout and "messages 6," in by_setting.stdout
