"""Rasa's tracker events for tests: the session's worker writes them to its own SQLite file, while in
production they live in our database (table `events`); these helpers copy and read them."""

from __future__ import annotations

import json
import sqlite3
from typing import Dict


def _path(url: str) -> str:
    return url.split("sqlite:///", 1)[1]


def copy_tracker_events(tracker_url: str, database_url: str, conversation_id: str) -> None:
    """Rasa's own `events` table and one conversation's rows, from the worker's tracker file into our database."""
    with sqlite3.connect(_path(database_url)) as ours:
        ours.execute("ATTACH DATABASE ? AS tracker", (_path(tracker_url),))
        (schema,) = ours.execute("SELECT sql FROM tracker.sqlite_master WHERE name = 'events'").fetchone()
        if ours.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'events'").fetchone() is None:
            ours.execute(schema)
        ours.execute("INSERT INTO main.events SELECT * FROM tracker.events WHERE sender_id = ?", (conversation_id,))
        ours.commit()
        ours.execute("DETACH DATABASE tracker")


def tracker_slot(database_url: str, conversation_id: str, name: str) -> object:
    """The last value Rasa set for a slot, read straight from the copied events."""
    with sqlite3.connect(_path(database_url)) as ours:
        rows = ours.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id", (conversation_id,)
        ).fetchall()
    values = [json.loads(data)["value"] for (data,) in rows if json.loads(data).get("name") == name]
    return values[-1] if values else None


def tracker_event_counts(database_url: str) -> Dict[str, int]:
    """How many tracker events each conversation (sender id) has in our database ({} without Rasa's table)."""
    with sqlite3.connect(_path(database_url)) as ours:
        if ours.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone() is None:
            return {}
        return dict(ours.execute("SELECT sender_id, count(*) FROM events GROUP BY sender_id").fetchall())
