"""Rasa's SQL tracker store with the worker's recent conversations kept in memory.

For every message Rasa's `SQLTrackerStore` opens new SQLite connections, reads all events of the
conversation's session back from the database, decodes them and replays them into a tracker,
then counts the stored events again before writing the new ones: about a third of a worker's
time per message. A worker owns its conversations (`bot.core.pool` sends every message of a
conversation to one worker, one at a time), so the tracker it saved last is still the right one
for the next message.

`CachedSQLTrackerStore` keeps the last saved tracker of up to `capacity` conversations, writes
every new event to the database as before (the database stays the record: the console, the
audit and delete-my-data read it), and checks before using a cached tracker that nobody else
wrote to or deleted from that conversation (the id of its newest stored event must still be the
one this worker wrote). Anything unexpected falls back to Rasa's own code path. SQLite
connections stay open between messages.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 100
"""Conversations kept per worker. A cached tracker of a short conversation (~35 events, each message's whole parse)
holds ~130 KB; 100 of them ~13 MB. The pool gives each worker its own conversations, so 100 per worker covers the
busiest load measured (50 conversations at once over two workers) many times over; an older conversation that comes
back is read from the database, as without the cache. (With 2,000, a worker kept ~25 MB of finished bench
conversations.)"""
SQLITE_ROWS_PER_INSERT = 500
"""Rows per INSERT statement on SQLite (6 values each, well under its limit on bound values)."""


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    stored: int
    """How many of the tracker's events are in the database."""
    last_id: Optional[int]
    """Row id of the conversation's newest stored event when this worker saved it."""


class CachedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that reuses the tracker it saved last for a conversation (write-through)."""

    engine: sa.engine.Engine
    """Set by `SQLTrackerStore.__init__`; replaced below for an SQLite file."""

    def __init__(self, *args: Any, capacity: int = DEFAULT_CAPACITY, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            # Rasa's SQLite engine opens a new connection for every read and write; keep one open.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self.capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._handed_out: dict[str, _Entry] = {}
        self.hits = 0
        self.misses = 0

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's current session: from memory when still current, else from the database."""
        entry = self._entries.pop(sender_id, None)
        if entry is not None and entry.last_id is not None and entry.last_id == self._newest_id(sender_id):
            self.hits += 1
            self._handed_out[sender_id] = entry  # the caller changes it; `save` puts it back
            return entry.tracker
        self.misses += 1
        self._handed_out.pop(sender_id, None)
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the tracker's new events, then keep the tracker for the conversation's next message."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        handed = self._handed_out.pop(sender_id, None)
        with self.session_scope() as session:
            if handed is not None and handed.tracker is tracker:
                new_events = list(itertools.islice(tracker.events, handed.stored, None))
            else:
                new_events = list(self._additional_events(session, tracker))
            if new_events:
                last_id = self._insert(session, sender_id, new_events)
            else:
                last_id = handed.last_id if handed is not None else None
            session.commit()
        self._remember(tracker, last_id)

    def forget(self, sender_id: str) -> None:
        """Drop a conversation from memory (its rows in the database are untouched)."""
        self._entries.pop(sender_id, None)
        self._handed_out.pop(sender_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _remember(self, tracker: DialogueStateTracker, last_id: Optional[int]) -> None:
        sessions = sum(isinstance(event, SessionStarted) for event in tracker.events)
        if last_id is None or sessions > 1:
            # A new session began inside this tracker: Rasa reads back only the newest session,
            # so the next message starts from the database, exactly as without the cache.
            self.forget(tracker.sender_id)
            return
        self._entries[tracker.sender_id] = _Entry(tracker, len(tracker.events), last_id)
        self._entries.move_to_end(tracker.sender_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def _newest_id(self, sender_id: str) -> Optional[int]:
        with self.session_scope() as session:
            return self._newest_id_in(session, sender_id)

    def _insert(self, session: Any, sender_id: str, events: List[Any]) -> Optional[int]:
        """Write events in multi-row INSERTs (the ORM would send one per event); the newest row's id."""
        rows = [self._row(sender_id, event) for event in events]
        table = self.SQLEvent.__table__
        if self.engine.dialect.name != "sqlite":
            session.execute(sa.insert(table), rows)
            return self._newest_id_in(session, sender_id)
        last_id = None
        for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
            # One statement per chunk: SQLite reports the id of the last row it inserted.
            last_id = session.execute(sa.insert(table).values(rows[start : start + SQLITE_ROWS_PER_INSERT])).lastrowid
        return last_id

    def _newest_id_in(self, session: Any, sender_id: str) -> Optional[int]:
        return session.scalar(sa.select(sa.func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id))

    @staticmethod
    def _row(sender_id: str, event: Any) -> Dict[str, Any]:
        """The events-table row of one event, as Rasa's `SQLTrackerStore.save` writes it."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
