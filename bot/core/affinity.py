"""Which Rasa worker owns which conversation.

A conversation belongs to one worker: all its messages go there, in order, and never to two
workers at once. A new conversation goes to the ready worker with the least work in flight, so
the first worker to finish loading the model serves everyone while the others are still loading,
and a busy worker is not given more. A conversation stays with its worker for as long as it has
messages in flight or was used recently (the most recent `capacity` conversations); after that,
or when its worker stops, it may move, which is safe because every worker keeps the
conversation's state in the shared tracker database (and checks it before trusting its memory).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Collection, Dict, Iterable, Optional

DEFAULT_CAPACITY = 100_000


class Affinity:
    """Conversation → worker index, with the messages each conversation has in flight."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._owner: OrderedDict[str, int] = OrderedDict()
        self._in_flight: Dict[str, int] = {}
        self._busy: Dict[int, int] = {}

    def owner(self, conversation_id: str) -> Optional[int]:
        """The worker that owns a conversation, if any does."""
        return self._owner.get(conversation_id)

    def in_flight(self, index: int) -> int:
        """How many messages a worker has in flight."""
        return self._busy.get(index, 0)

    def acquire(self, conversation_id: str, ready: Collection[int]) -> Optional[int]:
        """The worker for the conversation's next message, counted as in flight until `release`.

        `ready` are the workers that can take messages now. A conversation with a message in
        flight keeps its worker even when that worker is not ready (restarting: the message then
        waits for it, so the order holds); an idle one whose worker is not ready moves to the
        ready worker with the fewest messages in flight, as a new conversation does. Returns None
        when the conversation must move and no worker is ready.
        """
        index = self._owner.get(conversation_id)
        busy = self._in_flight.get(conversation_id, 0) > 0
        if index is None or (index not in ready and not busy):
            if not ready:
                return None
            index = min(ready, key=lambda i: (self.in_flight(i), i))
        self._owner[conversation_id] = index
        self._owner.move_to_end(conversation_id)
        self._in_flight[conversation_id] = self._in_flight.get(conversation_id, 0) + 1
        self._busy[index] = self.in_flight(index) + 1
        self._trim()
        return index

    def release(self, conversation_id: str) -> None:
        """One message of the conversation is finished (answered or failed)."""
        left = self._in_flight.get(conversation_id, 0) - 1
        if left < 0:
            return
        index = self._owner[conversation_id]
        self._busy[index] = max(0, self.in_flight(index) - 1)
        if left > 0:
            self._in_flight[conversation_id] = left
        else:
            del self._in_flight[conversation_id]

    def drop_worker(self, index: int) -> None:
        """A worker stopped: its conversations with nothing in flight may go elsewhere."""
        for conversation_id in self._conversations_of(index):
            if conversation_id not in self._in_flight:
                del self._owner[conversation_id]

    def _conversations_of(self, index: int) -> Iterable[str]:
        return [c for c, i in self._owner.items() if i == index]

    def _trim(self) -> None:
        """Forget the least recently used conversations that have nothing in flight."""
        excess = len(self._owner) - self.capacity
        if excess <= 0:
            return
        victims: list[str] = []
        for conversation_id in self._owner:  # least recently used first
            if len(victims) >= excess:
                break
            if conversation_id not in self._in_flight:
                victims.append(conversation_id)
        for conversation_id in victims:
            del self._owner[conversation_id]

    def __len__(self) -> int:
        return len(self._owner)
