"""Rasa's tracker events for tests: the session's worker writes them to its own SQLite file, while in
production they live in our database (table `events`, SQLite or PostgreSQL); these helpers copy and read them."""

from __future__ import annotations

import json
from typing import Dict

from sqlalchemy import create_engine, func, inspect, select

from bot.store.db import sync_url


def _events():  # type: ignore[no-untyped-def]
    from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore.SQLEvent.__table__


def copy_tracker_events(tracker_url: str, database_url: str, conversation_id: str) -> None:
    """Rasa's own `events` table and one conversation's rows, from the worker's tracker file into our database."""
    events = _events()
    source, target = create_engine(sync_url(tracker_url)), create_engine(sync_url(database_url))
    try:
        with source.connect() as connection:
            rows = (
                connection.execute(select(events).where(events.c.sender_id == conversation_id).order_by(events.c.id))
                .mappings()
                .all()
            )
        events.create(target, checkfirst=True)
        with target.begin() as connection:
            if rows:
                connection.execute(events.insert(), [{k: v for k, v in row.items() if k != "id"} for row in rows])
    finally:
        source.dispose()
        target.dispose()


async def save_slots(database_url: str, conversation_id: str, slots: Dict[str, object]) -> None:
    """Rasa's own tracker store writes one slot event per slot into our database (creating its `events`
    table), as a worker does after a message: tracker events without a model."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(host=sync_url(database_url))
    try:
        events = [SlotSet(name, value) for name, value in slots.items()]
        await store.save(DialogueStateTracker.from_events(conversation_id, events))
    finally:
        store.engine.dispose()


def tracker_slot(database_url: str, conversation_id: str, name: str) -> object:
    """The last value Rasa set for a slot, read straight from the copied events."""
    events = _events()
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            rows = (
                connection.execute(
                    select(events.c.data)
                    .where(events.c.sender_id == conversation_id, events.c.type_name == "slot")
                    .order_by(events.c.id)
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    values = [json.loads(data)["value"] for data in rows if json.loads(data).get("name") == name]
    return values[-1] if values else None


def tracker_event_counts(database_url: str) -> Dict[str, int]:
    """How many tracker events each conversation (sender id) has in our database ({} without Rasa's table)."""
    events = _events()
    engine = create_engine(sync_url(database_url))
    try:
        if not inspect(engine).has_table("events"):
            return {}
        with engine.connect() as connection:
            result = connection.execute(select(events.c.sender_id, func.count()).group_by(events.c.sender_id))
            return {sender: count for sender, count in result.all()}
    finally:
        engine.dispose()
