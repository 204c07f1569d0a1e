"""Sending replies to a person on their own channel outside a request/response cycle.

Each channel registers one `Sender` at start-up. The router's answers to platforms that must be
acknowledged at once (Telegram, Slack) and, later, coordinators' replies go out through here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Dict, Protocol, Sequence, Set

from bot.messages import Reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Address:
    """Where a conversation's replies go: the channel, the person there, and the thread/chat."""

    channel: str
    platform_user_id: str
    thread_key: str = ""


class Sender(Protocol):
    """One channel's way of delivering replies to an address."""

    async def send(self, address: Address, replies: Sequence[Reply]) -> None: ...


class UnknownChannelError(LookupError):
    """No sender is registered for the channel (for example, its credentials are not set)."""


class Outbox:
    """The registered senders, plus background jobs that answer and then deliver."""

    def __init__(self) -> None:
        self._senders: Dict[str, Sender] = {}
        self._jobs: Set[asyncio.Task[None]] = set()

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
        await sender.send(address, replies)

    def later(self, job: Callable[[], Awaitable[None]], name: str) -> None:
        """Run `job` in the background (kept referenced, errors logged, awaited by `drain`)."""

        async def run() -> None:
            try:
                await job()
            except Exception:  # a failed background delivery must be visible, not silent
                logger.exception("Background job %s failed", name)

        task = asyncio.get_running_loop().create_task(run(), name=name)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for background jobs (at shutdown, and in tests)."""
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=timeout)
