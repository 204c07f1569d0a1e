"""Sending replies to a person on their own channel outside a request/response cycle.

Each channel registers one `Sender` at start-up. The router's answers to platforms that must be
acknowledged at once (Telegram, Slack) and, later, coordinators' replies go out through here.

One conversation's deliveries go out one at a time, in the order `send` was called: a sender that is
waiting to retry (`channels/retries.py`) holds its conversation's turn, so a later reply never
overtakes an earlier one. Other conversations are not held up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import AsyncIterator, Awaitable, Callable, Dict, Protocol, Sequence, Set

from bot.messages import Reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Address:
    """Where a conversation's replies go: the channel, the person there, and the thread/chat.

    `conversation_id` names the conversation in logs (ids only, never words); it is not part of the
    place, so two addresses of one place are equal with or without it.
    """

    channel: str
    platform_user_id: str
    thread_key: str = ""
    conversation_id: str = field(default="", compare=False)


class Sender(Protocol):
    """One channel's way of delivering replies to an address."""

    async def send(self, address: Address, replies: Sequence[Reply]) -> None: ...


class UnknownChannelError(LookupError):
    """No sender is registered for the channel (for example, its credentials are not set)."""


class UndeliveredError(RuntimeError):
    """The platform kept failing until the sender gave up; the sender has logged it, naming the conversation.

    The rest of that `send`'s replies were not sent either (they would arrive out of order).
    """


class Outbox:
    """The registered senders, plus background jobs that answer and then deliver."""

    def __init__(self) -> None:
        self._senders: Dict[str, Sender] = {}
        self._jobs: Set[asyncio.Task[None]] = set()
        self._turns: Dict[Address, asyncio.Lock] = {}  # one per address with a send running or waiting
        self._queued: Counter[Address] = Counter()  # how many sends hold or wait for each lock

    def register(self, channel: str, sender: Sender) -> None:
        """Make `channel`'s replies deliverable (called once per channel at start-up)."""
        self._senders[channel] = sender

    def channels(self) -> Sequence[str]:
        """The channels that can be delivered to."""
        return sorted(self._senders)

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        """Deliver replies now; raises `UnknownChannelError` when the channel has no sender."""
        if not replies:
            return
        sender = self._senders.get(address.channel)
        if sender is None:
            raise UnknownChannelError(f"no sender for channel {address.channel!r}")
        async with self._turn(address):
            await sender.send(address, replies)

    @contextlib.asynccontextmanager
    async def _turn(self, address: Address) -> AsyncIterator[None]:
        """Wait for the address's earlier sends (asyncio's lock wakes waiters first come, first served)."""
        lock = self._turns.setdefault(address, asyncio.Lock())
        self._queued[address] += 1
        try:
            async with lock:
                yield
        finally:
            self._queued[address] -= 1
            if not self._queued[address]:  # nobody else waits: forget the address
                del self._queued[address], self._turns[address]

    def later(self, job: Callable[[], Awaitable[None]], name: str) -> None:
        """Run `job` in the background (kept referenced, errors logged, awaited by `drain`)."""

        async def run() -> None:
            try:
                await job()
            except UndeliveredError:
                pass  # the sender logged it already, naming the conversation
            except Exception:  # a failed background delivery must be visible, not silent
                logger.exception("Background job %s failed", name)

        task = asyncio.get_running_loop().create_task(run(), name=name)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for background jobs (at shutdown, and in tests)."""
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=timeout)
