"""Sending messages to a person on their own channel outside a request/response cycle: the outbox.

Each channel registers one `Sender` at start-up. Every message to a person is stored with an outbox
row first (`bot.store.outbox`, in the transaction that stores the message); `Outbox.deliver` then
sends a conversation's due rows one at a time, in order, each claimed in the database before it is
sent, so two processes never send the same row. A failure the platform may get over (its own retries
in `channels/retries.py` gave up) puts the row back with a later time: 30 s, then twice as long each
time up to an hour, `DeliveryPolicy.attempts` tries in all, across restarts (`Outbox.run` looks for
due rows every few seconds). A refusal for good (the bot was blocked, a message the platform will
never take) fails the row with its reason at once. A web chat with no open tab leaves the row
`waiting`: the person sees it in the history when they come back.

`Outbox.send` delivers what is not stored at all (the last words of delete-my-data) at once; in one
process, a conversation's sends and deliveries take turns, so a later reply never overtakes an earlier
one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import AsyncIterator, Awaitable, Callable, Dict, List, Optional, Protocol, Sequence, Set

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Button, Reply
from bot.store import outbox as rows
from bot.store.models import utcnow

logger = logging.getLogger(__name__)

SWEEP_CONCURRENCY = 8
"""Conversations `Outbox.sweep` delivers to at once (a backlog after a restart should not flood the database)."""


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
    """One channel's way of delivering replies to an address.

    A sender may also say how many messages a second its platform takes from the bot in all
    (`per_second`; Telegram: about 30) and whether it takes a conversation's due messages together
    (`batches`); the outbox keeps to both.
    """

    async def send(self, address: Address, replies: Sequence[Reply]) -> None: ...


class Pacer:
    """Spaces a channel's sends so that at most `per_second` go out in any second (first come, first served)."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._gap = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._clock, self._sleep = clock, sleep

    async def wait(self, messages: int = 1) -> None:
        """Wait for the turn of `messages` messages."""
        async with self._lock:
            delay = self._next - self._clock()
            if delay > 0:
                await self._sleep(delay)
            self._next = max(self._next, self._clock()) + self._gap * messages


class UnknownChannelError(LookupError):
    """No sender is registered for the channel (for example, its credentials are not set)."""


class UndeliveredError(RuntimeError):
    """The platform kept failing until the sender gave up; the sender has logged it, naming the conversation.

    The rest of that `send`'s replies were not sent either (they would arrive out of order).
    """


class NobodyThereError(RuntimeError):
    """No open place to show the message now (a web chat with no tab open): it waits for the person."""


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the outbox retries across restarts, and how long a claim holds."""

    attempts: int = 8
    """Outbox tries in all (each is up to `channels.retries.RetryPolicy.attempts` calls to the platform)."""
    first_retry: timedelta = timedelta(seconds=30)
    max_retry: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    """How long a claim holds; longer than a sender's own retries can take."""
    poll_seconds: float = 5.0
    """How often `run` looks for rows due again (a retry's time has come, a dead process's claim ran out)."""

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after `attempts` failed tries."""
        return min(self.first_retry * (2 ** max(0, attempts - 1)), self.max_retry)


class Outbox:
    """The registered senders, the durable delivery of stored messages, and background jobs."""

    def __init__(
        self, sessions: Optional[Callable[[], AsyncSession]] = None, policy: Optional[DeliveryPolicy] = None
    ) -> None:
        self._sessions = sessions
        self.policy = policy or DeliveryPolicy()
        self._senders: Dict[str, Sender] = {}
        self._jobs: Set[asyncio.Task[None]] = set()
        self._turns: Dict[str, asyncio.Lock] = {}  # one per conversation with a send running or waiting
        self._queued: Counter[str] = Counter()  # how many sends hold or wait for each lock
        self._refused: List[Callable[[str, str], Awaitable[None]]] = []
        self._sweeping = asyncio.Semaphore(SWEEP_CONCURRENCY)
        self._pacers: Dict[str, Pacer] = {}

    def register(self, channel: str, sender: Sender) -> None:
        """Make `channel`'s replies deliverable (called once per channel at start-up)."""
        self._senders[channel] = sender
        per_second = getattr(sender, "per_second", None)
        if per_second:
            self._pacers[channel] = Pacer(float(per_second))

    def channels(self) -> Sequence[str]:
        """The channels that can be delivered to."""
        return sorted(self._senders)

    def on_refused(self, hook: Callable[[str, str], Awaitable[None]]) -> None:
        """Call `hook(conversation_id, reason)` when a platform refuses a conversation's message for good."""
        self._refused.append(hook)

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        """Deliver replies that are not stored, now; raises `UnknownChannelError` when the channel has no sender."""
        if not replies:
            return
        sender = self._senders.get(address.channel)
        if sender is None:
            raise UnknownChannelError(f"no sender for channel {address.channel!r}")
        async with self._turn(address.conversation_id or repr(address)):
            try:
                await sender.send(address, replies)
            except NobodyThereError:
                logger.info(
                    "No open chat for conversation %s; unstored replies were not shown", address.conversation_id
                )

    async def deliver(self, conversation_id: str) -> bool:
        """Send the conversation's due outbox rows, in order; False when one failed (for now or for good).

        A sender with `batches = True` (the web chat: one push reaches every tab or none) gets the due
        rows together; others get one row per call, so a failure never re-sends what went out before it.
        """
        if self._sessions is None:
            raise RuntimeError("this outbox has no database")
        delivered = True
        async with self._turn(conversation_id):
            while True:
                async with self._sessions() as session:
                    claimed = await rows.claim_head(session, conversation_id, utcnow(), self.policy.lease)
                    if claimed is None:
                        return delivered
                    batch = [claimed]
                    while getattr(self._senders.get(claimed.channel), "batches", False):
                        following = await rows.claim_head(
                            session, conversation_id, utcnow(), self.policy.lease, after=batch[-1].entry_id
                        )
                        if following is None:
                            break
                        batch.append(following)
                # A row put back for a retry is not due yet: the next claim finds nothing and the loop ends.
                delivered = await self._send_claimed(batch) and delivered

    async def _send_claimed(self, batch: Sequence[rows.Claimed]) -> bool:
        """Send claimed rows and record how it went; True when the platform took them (or they wait in a web chat)."""
        assert self._sessions is not None
        first = batch[0]
        address = Address(first.channel, first.platform_user_id, first.thread_key, first.conversation_id)
        replies = [
            Reply(
                text=claimed.text,
                buttons=tuple(Button(title=b["title"], payload=b["payload"]) for b in claimed.buttons),
                author="coordinator" if claimed.author == "coordinator" else "bot",
                stored_id=claimed.message_id,
                answers=claimed.answers,
            )
            for claimed in batch
        ]
        sender = self._senders.get(first.channel)
        outcome = "sent"
        reason = ""
        try:
            if sender is None:
                raise UnknownChannelError(f"{first.channel} is not started")
            pacer = self._pacers.get(first.channel)
            if pacer is not None:
                await pacer.wait(len(replies))
            await sender.send(address, replies)
        except NobodyThereError:
            outcome = "waiting"
        except (UndeliveredError, UnknownChannelError) as error:
            outcome, reason = "retry", str(error) or type(error).__name__
        except Exception as error:  # the platform refused (Telegram's Forbidden: blocked; BadRequest…): asking again
            # gets the same answer. Its text can name the chat or the person: the reason is its type only.
            logger.debug("Delivery refused", exc_info=True)
            outcome, reason = "failed", type(error).__name__
        attempts = max(claimed.attempts for claimed in batch)
        if outcome == "retry" and attempts >= self.policy.attempts:
            outcome, reason = "failed", f"gave up after {attempts} tries ({reason})"
        async with self._sessions() as session:
            for claimed in batch:
                await self._record(session, claimed, outcome, reason)
        if outcome == "retry":
            logger.warning(
                "Delivery to conversation %s failed (try %d); will try again", first.conversation_id, attempts
            )
        elif outcome == "failed":
            logger.error("Gave up on a message to conversation %s: %s", first.conversation_id, reason)
            for hook in self._refused:
                try:
                    await hook(first.conversation_id, reason)
                except Exception:
                    logger.exception("A hook on a refused delivery failed")
        return outcome in ("sent", "waiting")

    async def _record(self, session: AsyncSession, claimed: rows.Claimed, outcome: str, reason: str) -> None:
        if outcome == "sent":
            await rows.mark_sent(session, claimed.entry_id)
        elif outcome == "waiting":
            await rows.mark_waiting(session, claimed.entry_id)
        elif outcome == "retry":
            at = utcnow() + self.policy.retry_delay(claimed.attempts)
            await rows.retry_later(session, claimed.entry_id, at, reason)
        else:
            await rows.mark_failed(session, claimed.entry_id, reason)

    async def run(self) -> None:
        """Deliver what is due again, every `policy.poll_seconds`, until cancelled (first look at once: start-up)."""
        while True:
            try:
                await self.sweep()
            except Exception:  # the database is down, say: look again next time
                logger.exception("Could not look for messages to deliver")
            await asyncio.sleep(self.policy.poll_seconds)

    async def sweep(self) -> int:
        """Start delivering every conversation with a due row; returns how many."""
        assert self._sessions is not None
        async with self._sessions() as session:
            due = await rows.due_conversations(session, utcnow())
        for conversation_id in due:
            if conversation_id in self._turns:
                continue  # being delivered in this process now; that job goes on to its later rows
            self.later(functools.partial(self._deliver_few_at_once, conversation_id), name=f"outbox-{conversation_id}")
        return len(due)

    async def _deliver_few_at_once(self, conversation_id: str) -> None:
        async with self._sweeping:
            await self.deliver(conversation_id)

    @contextlib.asynccontextmanager
    async def _turn(self, key: str) -> AsyncIterator[None]:
        """Wait for the conversation's earlier sends (asyncio's lock wakes waiters first come, first served)."""
        lock = self._turns.setdefault(key, asyncio.Lock())
        self._queued[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:  # nobody else waits: forget the conversation
                del self._queued[key], self._turns[key]

    def later(self, job: Callable[[], Awaitable[object]], name: str) -> None:
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
