"""A per-sender rate limit for the web chat and the REST endpoint (token buckets from `token_bucket`).

Each sender (a REST `sender`, a web chat session) gets a bucket of `burst` messages that refills
at `per_minute` messages a minute: people typing short messages quickly are never slowed down,
a script flooding the bot is. A refused message is not stored; the caller is told how many
seconds to wait (REST: 429 with `Retry-After`; web chat: the widget keeps the message and sends it
again then). Buckets live in the gateway's memory, bounded to `max_senders` (the oldest bucket is
forgotten first, which only ever gives that sender a fresh bucket). Limits per IP address belong in
the reverse proxy in front of trialbot.
"""

from __future__ import annotations

import math
from typing import Optional

import token_bucket


class _BoundedMemoryStorage(token_bucket.MemoryStorage):
    """`token_bucket`'s in-memory storage, forgetting the oldest buckets beyond `max_keys`."""

    def __init__(self, max_keys: int) -> None:
        super().__init__()
        self._max_keys = max_keys

    def replenish(self, key: str | bytes, rate: float, capacity: int) -> None:
        new = key not in self._buckets
        super().replenish(key, rate, capacity)
        if new and len(self._buckets) > self._max_keys:
            del self._buckets[next(iter(self._buckets))]

    def __len__(self) -> int:
        return len(self._buckets)


class SenderLimiter:
    """`wait(channel, sender)` is None when the message may go ahead, else the seconds to wait."""

    def __init__(self, per_minute: float, burst: int, max_senders: int = 100_000) -> None:
        self.enabled = per_minute > 0
        self._rate = per_minute / 60.0
        self._storage = _BoundedMemoryStorage(max_senders)
        self._limiter = token_bucket.Limiter(self._rate if self.enabled else 1.0, max(1, burst), self._storage)

    def wait(self, channel: str, sender: str) -> Optional[int]:
        """Take one message from the sender's bucket; when it is empty, the whole seconds until one is back."""
        if not self.enabled:
            return None
        key = f"{channel}\x00{sender}"
        if self._limiter.consume(key):
            return None
        missing = 1.0 - self._storage.get_token_count(key)
        return max(1, math.ceil(missing / self._rate))

    @property
    def senders(self) -> int:
        """How many senders have a bucket right now (bounded by `max_senders`)."""
        return len(self._storage)
