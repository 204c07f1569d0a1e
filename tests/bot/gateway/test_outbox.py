"""The durable outbox (`bot.gateway.delivery.Outbox`, `bot.store.outbox`): stored before sending, claimed
before sending, sent in order and once, retried across restarts, failed for good with a reason, and the
start-up answer to messages a crash left unanswered (`bot.gateway.recovery`).

The router and the database are real (SQLite and PostgreSQL); the core is scripted, and the "platform"
is a recording sender with failures on demand (the channels' own tests use the fake platform APIs).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select, update

from bot.gateway import recovery
from bot.gateway.delivery import Address, DeliveryPolicy, NobodyThereError, Outbox, Pacer, UndeliveredError
from bot.messages import InboundKind, InboundMessage, Reply
from bot.router import MEDIA_REPLY, Router
from bot.store import outbox as rows
from bot.store.models import DeliveryState, Message, OutboxEntry, utcnow
from tests.replies import after_disclosure
from tests.scripted_core import ScriptedCore

NO_WAIT = DeliveryPolicy(first_retry=timedelta(0), max_retry=timedelta(0), attempts=3)


class Platform:
    """Records what it was given per chat; `fail(...)` makes the next sends fail with an exception."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: Dict[str, List[Reply]] = {}
        self.ids: List[Optional[int]] = []
        self._failures: List[BaseException] = []
        self._delay = delay

    def fail(self, error: BaseException, times: int = 1) -> None:
        self._failures.extend([error] * times)

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        await asyncio.sleep(self._delay)
        if self._failures:
            raise self._failures.pop(0)
        for reply in replies:
            self.sent.setdefault(address.platform_user_id, []).append(reply)
            self.ids.append(reply.stored_id)


def _said(platform: Platform, chat: str) -> List[str]:
    """What one chat got after the bot's disclosure (which must be there once)."""
    return [reply.text for reply in after_disclosure(platform.sent[chat])]


def _core() -> ScriptedCore:
    return ScriptedCore(otherwise=[lambda asked, earlier: [f"answer to {asked.text}"]])


def _telegram(text: str, chat: str, message_id: str) -> InboundMessage:
    return InboundMessage(
        channel="telegram", platform_user_id=chat, text=text, platform_message_id=message_id, thread_key=chat
    )


async def _entries(sessions: Any) -> List[Tuple[str, str, int]]:
    """Every outbox row: (message text, state, attempts), in order."""
    async with sessions() as session:
        result = await session.execute(
            select(Message.text, OutboxEntry.state, OutboxEntry.attempts)
            .join(Message, Message.id == OutboxEntry.message_id)
            .order_by(OutboxEntry.id)
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]


async def test_replies_are_stored_in_the_outbox_with_the_answer_and_sent_in_order(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    platform = Platform()
    outbox = Outbox(sessions)
    outbox.register("telegram", platform)
    result = await router.handle(_telegram("hello", "7", "u1"))
    assert result.queued
    assert [(state, attempts) for _, state, attempts in await _entries(sessions)] == [("pending", 0)] * len(
        result.replies
    ), "stored as pending in the transaction that stored the replies, before anything was sent"
    assert await outbox.deliver(result.conversation_id)
    assert _said(platform, "7") == ["answer to hello"]
    assert [(state, attempts) for _, state, attempts in await _entries(sessions)] == [("sent", 1)] * len(result.replies)
    assert None not in platform.ids, "each delivery names its stored message"


async def test_the_rest_channel_answers_in_its_response_and_has_no_outbox_rows(sessions) -> None:  # type: ignore[no-untyped-def]
    result = await Router(sessions, _core()).handle(InboundMessage(channel="rest", platform_user_id="r", text="hi"))
    assert not result.queued and result.replies
    assert await _entries(sessions) == []


async def test_two_processes_delivering_at_once_send_every_message_once_in_order(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    platform = Platform(delay=0.01)
    first, second = Outbox(sessions), Outbox(sessions)  # two gateways on one database
    first.register("telegram", platform)
    second.register("telegram", platform)
    conversation = ""
    for n in range(6):
        conversation = (await router.handle(_telegram(f"q{n}", "8", f"m{n}"))).conversation_id
    await asyncio.gather(*(o.deliver(conversation) for o in (first, second, first, second)))
    assert _said(platform, "8") == [f"answer to q{n}" for n in range(6)]
    assert {state for _, state, _ in await _entries(sessions)} == {"sent"}


async def test_a_failure_for_now_holds_the_conversation_and_is_retried_later_in_order(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    platform = Platform()
    outbox = Outbox(sessions, DeliveryPolicy(first_retry=timedelta(minutes=1)))
    outbox.register("telegram", platform)
    platform.fail(UndeliveredError("Telegram did not take the message after 5 attempts (TimedOut)"))
    first = await router.handle(_telegram("first", "9", "f1"))
    assert not await outbox.deliver(first.conversation_id)
    await router.handle(_telegram("second", "9", "f2"))
    assert await outbox.deliver(first.conversation_id)
    assert "9" not in platform.sent, "the later reply waits behind the one that failed"
    async with sessions() as session:
        head = (await session.execute(select(OutboxEntry).order_by(OutboxEntry.id))).scalars().first()
        assert head.state == "pending" and head.attempts == 1 and "TimedOut" in head.reason
        assert head.next_attempt_at is not None
        # a minute later (after a restart, say): the sweep finds it due and sends everything, in order
        await session.execute(update(OutboxEntry).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    restarted = Outbox(sessions)
    restarted.register("telegram", platform)
    assert await restarted.sweep() == 1
    await restarted.drain()
    assert _said(platform, "9") == ["answer to first", "answer to second"]
    assert {state for _, state, _ in await _entries(sessions)} == {"sent"}


async def test_a_refusal_fails_the_row_for_good_with_its_reason_and_the_next_goes_on(sessions) -> None:  # type: ignore[no-untyped-def]
    class Forbidden(Exception):  # noqa: N818 (Telegram's name)
        """Like Telegram's: the bot was blocked."""

    refused: List[Tuple[str, str]] = []

    async def note_refusal(conversation_id: str, reason: str) -> None:
        refused.append((conversation_id, reason))

    router = Router(sessions, _core())
    platform = Platform()
    outbox = Outbox(sessions, NO_WAIT)
    outbox.register("telegram", platform)
    outbox.on_refused(note_refusal)
    result = await router.handle(_telegram("hello", "10", "r1"))
    platform.fail(Forbidden("Forbidden: bot was blocked by the user"))
    assert not await outbox.deliver(result.conversation_id)
    entries = await _entries(sessions)
    assert entries[0][1:] == ("failed", 1)
    assert [state for _, state, _ in entries[1:]] == ["sent"] * (len(entries) - 1), "later rows are not held up"
    async with sessions() as session:
        reasons = (await session.execute(select(OutboxEntry.reason).order_by(OutboxEntry.id))).scalars().all()
    assert reasons[0] == "Forbidden", "the reason is the error's type: its text may name the person"
    assert refused == [(result.conversation_id, "Forbidden")]


async def test_after_its_last_try_a_row_fails_for_good(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    platform = Platform()
    outbox = Outbox(sessions, NO_WAIT)
    outbox.register("telegram", platform)
    platform.fail(UndeliveredError("Telegram did not take the message (HTTP 502)"), times=3)
    result = await router.handle(_telegram("hello", "11", "g1"))
    for _ in range(3):
        await outbox.deliver(result.conversation_id)
    async with sessions() as session:
        head = (await session.execute(select(OutboxEntry).order_by(OutboxEntry.id))).scalars().first()
    assert (head.state, head.attempts) == ("failed", 3)
    assert head.reason.startswith("gave up after 3 tries") and "502" in head.reason


async def test_a_claim_whose_process_died_runs_out_and_the_row_is_sent_by_the_next(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    result = await router.handle(_telegram("hello", "12", "d1"))
    async with sessions() as session:  # a process claimed the head, then died before sending it
        claimed = await rows.claim_head(session, result.conversation_id, utcnow(), timedelta(seconds=30))
    assert claimed is not None
    platform = Platform()
    restarted = Outbox(sessions)
    restarted.register("telegram", platform)
    assert await restarted.sweep() == 0, "the claim still holds: nobody else sends it"
    async with sessions() as session:
        await session.execute(update(OutboxEntry).values(claimed_until=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert await restarted.sweep() == 1
    await restarted.drain()
    assert _said(platform, "12") == ["answer to hello"]
    assert {state for _, state, _ in await _entries(sessions)} == {"sent"}


async def test_a_web_chat_with_no_open_tab_keeps_the_message_waiting_until_the_person_returns(sessions) -> None:  # type: ignore[no-untyped-def]
    class ClosedTab:
        async def send(self, address: Address, replies: Sequence[Reply]) -> None:
            raise NobodyThereError("no open web chat tab")

    router = Router(sessions, _core())
    outbox = Outbox(sessions)
    outbox.register("webchat", ClosedTab())
    inbound = InboundMessage(channel="webchat", platform_user_id="s" * 20, text="hi", platform_message_id="x:1")
    result = await router.handle(inbound)
    assert await outbox.deliver(result.conversation_id), "waiting is not a failure"
    assert {state for _, state, _ in await _entries(sessions)} == {DeliveryState.WAITING.value}
    assert await outbox.sweep() == 0, "nothing to retry: it waits for the person"
    async with sessions() as session:
        assert await rows.shown_on_return(session, [result.conversation_id]) == len(result.replies)
        await session.commit()
    assert {state for _, state, _ in await _entries(sessions)} == {"sent"}


async def test_messages_a_crash_left_unanswered_are_answered_once_at_start_up(sessions) -> None:  # type: ignore[no-untyped-def]
    core = _core()
    router = Router(sessions, core)
    platform = Platform()
    outbox = Outbox(sessions)
    outbox.register("telegram", platform)
    answered = await router.handle(_telegram("answered before the crash", "13", "c1"))
    await outbox.deliver(answered.conversation_id)
    stored_only = await router.receive(_telegram("stored, then the crash", "13", "c2"))
    other = await router.receive(_telegram("another person's", "14", "c3"))
    started = utcnow()
    later = await router.receive(_telegram("after the restart", "14", "c4"))  # the new process answers this one
    count = await recovery.answer_unanswered(sessions, router, outbox, timedelta(minutes=30), started)
    assert count == 2
    assert _said(platform, "13") == ["answer to answered before the crash", "answer to stored, then the crash"]
    assert _said(platform, "14") == ["answer to another person's"]
    assert core.texts.count("answered before the crash") == 1
    assert later.message_id is not None and answered.replies and stored_only.message_id and other.message_id
    assert await recovery.answer_unanswered(sessions, router, outbox, timedelta(minutes=30), started) == 0, "once"
    async with sessions() as session:
        unanswered = (
            (
                await session.execute(
                    select(Message.text).where(Message.direction == "inbound", Message.answered_at.is_(None))
                )
            )
            .scalars()
            .all()
        )
    assert unanswered == ["after the restart"]


async def test_unanswered_messages_older_than_the_window_are_left_alone(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    stale = await router.receive(_telegram("from last week", "15", "o1"))
    async with sessions() as session:
        await session.execute(
            update(Message).where(Message.id == stale.message_id).values(created_at=utcnow() - timedelta(days=7))
        )
        await session.commit()
    outbox = Outbox(sessions)
    assert await recovery.answer_unanswered(sessions, router, outbox, timedelta(minutes=30), utcnow()) == 0


async def test_the_pacer_keeps_a_channel_under_its_rate() -> None:
    now = [100.0]
    waited: List[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    pacer = Pacer(25.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(50):
        await pacer.wait()
    assert now[0] - 100.0 >= 49 / 25 - 1e-9, "50 messages at 25 a second take at least 1.96 s"
    assert len(waited) == 49 and all(abs(w - 0.04) < 1e-9 for w in waited)
    now[0] += 10  # a quiet spell: the next one goes at once
    await pacer.wait()
    assert len(waited) == 49


async def test_a_photo_a_crash_left_unanswered_gets_the_text_only_answer_not_the_model(sessions) -> None:  # type: ignore[no-untyped-def]
    core = _core()
    router = Router(sessions, core)
    photo = InboundMessage(
        channel="telegram",
        platform_user_id="16",
        text="[photo] look at this",
        platform_message_id="p1",
        thread_key="16",
        kind=InboundKind.MEDIA,
    )
    await router.receive(photo)
    platform = Platform()
    outbox = Outbox(sessions)
    outbox.register("telegram", platform)
    assert await recovery.answer_unanswered(sessions, router, outbox, timedelta(minutes=30), utcnow()) == 1
    assert _said(platform, "16") == [MEDIA_REPLY.text]
    assert core.texts == [], "the model never reads a photo's label"
