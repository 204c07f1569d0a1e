"""Live updates inside one gateway process: the console subscribes, the router and console publish.

Live updates carry ids only (never message text); a page that hears about a change fetches what it
needs. Several gateway replicas would put Redis pub/sub behind this same interface.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Optional, Set


@dataclass(frozen=True)
class Event:
    """Something changed: `kind` is "message" (a conversation got a message) or "queue" (an owner changed)."""

    kind: str
    conversation_id: Optional[str] = None


class LiveUpdates:
    """Fan-out of events to every current subscriber; a slow subscriber loses events, never blocks publishers."""

    def __init__(self, buffer: int = 100) -> None:
        self._subscribers: Set[asyncio.Queue[Event]] = set()
        self._buffer = buffer

    def publish(self, kind: str, conversation_id: Optional[str] = None) -> None:
        """Tell every subscriber about a change."""
        event = Event(kind, conversation_id)
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives events until the context ends."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._buffer)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
