"""The one place that decides what happens to a message.

Make the message storable (`bot.store.storable`: no NUL, no unpaired surrogates), de-duplicate by the
platform's message id, store the inbound message before anything else, send it to the core when the
bot owns the conversation (a person owns it otherwise), then store the replies with their outbox rows
(`bot.store.outbox`; the channel delivers them) and mark the message answered, in one transaction. A
request to delete one's data (`bot.privacy.forget`) is answered in any state; once confirmed, the final
reply is returned but not stored, since nothing about the person remains.
An answer to the "did it help?" question (`bot.handoff.satisfaction`) is filed under the conversation that
asked it, thanked, and never shown to the model. Trial alerts' own steps (yes / no to an offer, "stop
alerts", "what do you know about me") are answered here in any state (`bot.alerts.chat`). Messages,
replies and the time to answer are counted for `/metrics` (`bot.gateway.metrics`).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts import chat as alerts_chat
from bot.alerts import texts as alert_texts
from bot.core.pool import CoreError
from bot.gateway.live_updates import LiveUpdates
from bot.gateway.metrics import Metrics
from bot.handoff import machine as handoff
from bot.handoff import satisfaction, texts
from bot.messages import InboundKind, InboundMessage, Reply, RouterResult
from bot.privacy import forget
from bot.safety import crisis, emergency, honesty, medical_advice
from bot.safety.screen import Finding, SafetyScreen, default_screen
from bot.store import outbox, storable
from bot.store.models import Conversation, ConversationStatus, Message, Priority, aware, utcnow
from bot.store.repository import ConversationRepository

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
INTRODUCED_CAPACITY = 50_000
"""Conversations the router remembers the bot has already written in (the rest ask the database)."""

TROUBLE_REPLY = Reply(
    text=("Sorry, I'm having trouble answering right now. Your message is saved. " "Please try again in a minute.")
)
EMPTY_REPLY = Reply(text="I didn't catch any words there. What would you like to know about clinical trials?")
MEDIA_REPLY = Reply(text="Sorry, I can only read text for now. Could you type your question in words?")


class Core(Protocol):
    """What the router needs from the core: Rasa's replies to one message of a conversation."""

    async def handle(
        self,
        conversation_id: str,
        text: str,
        channel: str = "rest",
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> List[Dict[str, Any]]: ...


@dataclass(frozen=True)
class Accepted:
    """An inbound message after it was stored (or recognised as a repeated delivery).

    `received_at` is when the router got it (`time.monotonic()`), for the time-to-reply metric.
    """

    inbound: InboundMessage
    conversation_id: str
    message_id: Optional[int]
    bot_owns: bool
    duplicate: bool = False
    earlier_replies: Tuple[Reply, ...] = ()
    received_at: float = field(default_factory=time.monotonic)


class Router:
    """Routes inbound messages to the bot (or, in a handoff, to people) and stores everything."""

    def __init__(
        self,
        sessions: Callable[[], AsyncSession],
        core: Core,
        policy: Optional[handoff.QueuePolicy] = None,
        events: Optional[LiveUpdates] = None,
        metrics: Optional[Metrics] = None,
        safety: Optional[SafetyScreen] = None,
    ) -> None:
        self._sessions = sessions
        self.safety = safety or default_screen()
        """The safety screen every message passes first (built once per process unless one is given)."""
        self._core = core
        self._policy = policy or handoff.QueuePolicy()
        self._events = events or LiveUpdates()
        self._metrics = metrics or Metrics()
        self._introduced_ids: OrderedDict[str, None] = OrderedDict()

    @property
    def events(self) -> LiveUpdates:
        """Where the router announces new messages and queue changes."""
        return self._events

    async def handle(self, inbound: InboundMessage) -> RouterResult:
        """Process one inbound message exactly once and return the replies to send."""
        return await self.answer(await self.receive(inbound))

    async def receive(self, inbound: InboundMessage) -> Accepted:
        """Store the message first; a repeated platform id is recognised, not stored again.

        Channels that must acknowledge a platform quickly (Slack, Telegram) call this before
        acknowledging, then `answer` afterwards. What is stored, and answered, is `storable.inbound(inbound)`.
        """
        received_at = time.monotonic()
        inbound = storable.inbound(inbound)
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            # A repeated platform id is caught by the unique constraint below (rare; no lookup first).
            conversation = await self._conversation_for(repo, inbound)
            try:
                message_id = await repo.add_inbound(conversation, inbound)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                if not inbound.platform_message_id:
                    raise
                earlier = await repo.find_inbound(inbound.channel, inbound.platform_message_id)
                if earlier is None:
                    raise
                return await self._duplicate(repo, inbound, earlier)
            accepted = Accepted(
                inbound, conversation.id, message_id, handoff.bot_owns(conversation), received_at=received_at
            )
        self._metrics.received(inbound.channel)
        self._events.publish("message", accepted.conversation_id)
        return accepted

    async def _conversation_for(self, repo: ConversationRepository, inbound: InboundMessage) -> Conversation:
        """The sender's open conversation; for an answer to the satisfaction question, the one that asked it
        (usually closed by now: the answer belongs with the conversation it is about, and starts nothing new)."""
        if satisfaction.rating(inbound.text) is not None:
            asked = await satisfaction.asking_conversation(repo.session, inbound)
            if asked is not None:
                return asked
        return await repo.open_conversation(inbound)

    async def answer(self, accepted: Accepted) -> RouterResult:
        """The replies to an accepted message: none for a person-owned conversation, the earlier
        ones for a repeated delivery, otherwise the core's answer (stored before it is returned).

        A crisis message (suicide, self-harm) comes first, whoever owns the conversation: the crisis
        lines replace the model's answer (the model does not see that message) and the conversation
        is queued as urgent. A medical emergency comes next: 911 and the care team instead of the
        model's answer, nobody queued. A message that is not text (a photo, a sticker...) is screened
        like any other, then gets the "text only" answer (nothing while a person owns the
        conversation). Then an answer to the satisfaction question, and "delete my
        data" (`/forget`, confirmed), in any state. The bot's first replies in a conversation say it
        is automated."""
        result = await self._answer(accepted)
        if not result.duplicate and result.replies:
            seconds = time.monotonic() - accepted.received_at
            self._metrics.replied(accepted.inbound.channel, len(result.replies), seconds)
        return result

    async def _answer(self, accepted: Accepted) -> RouterResult:
        if accepted.duplicate or accepted.message_id is None:
            return RouterResult(accepted.conversation_id, accepted.earlier_replies, duplicate=True)
        safety_first = True
        finding = self.safety.screen(accepted.inbound.text)
        if finding is not None and finding.is_crisis:
            replies = await self._crisis(accepted.conversation_id, finding)
        elif finding is Finding.EMERGENCY:
            logger.warning("possible medical emergency in conversation %s", accepted.conversation_id)
            replies = [emergency.advice()]
        elif accepted.inbound.kind is InboundKind.MEDIA:
            # Stored for the transcript, never shown to the model; while a person owns the
            # conversation they see it and the bot stays quiet.
            safety_first = False
            replies = [MEDIA_REPLY] if accepted.bot_owns else []
        elif (rating := satisfaction.rating(accepted.inbound.text)) is not None:
            safety_first = False
            replies = await self._rated(accepted.conversation_id, rating)
        elif (step := forget.step(accepted.inbound.text)) is not None:
            safety_first = False
            if step is forget.Step.CONFIRM and (forgotten := await self._forget(accepted)) is not None:
                return forgotten
            replies = [forget.cancelled() if step is forget.Step.CANCEL else forget.confirmation()]
        elif (told := await self._alerts(accepted)) is not None:
            safety_first = False
            replies = told
        elif not accepted.bot_owns:
            safety_first = False
            replies = await self._while_people_own(accepted)
        else:
            safety_first = False
            answers = await self._ask_core(accepted.conversation_id, accepted.inbound, finding)
            replies = [Reply.from_rasa(a) for a in answers if a.get("text") or a.get("buttons")]
            if forget.requested(answers):
                replies.append(forget.confirmation())
            request = handoff_request(answers)
            if request is not None:
                replies.extend(await self._queue(accepted.conversation_id, *request))
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            if replies and not await self._introduced(repo, accepted.conversation_id):
                replies = honesty.introduce(replies, safety_first)
            channel = accepted.inbound.channel
            await repo.add_replies(accepted.conversation_id, channel, accepted.message_id, replies)
            await outbox.enqueue_replies(session, channel, accepted.message_id)
            await repo.mark_answered(accepted.message_id)
            await session.commit()
        if replies:
            self._remember_introduced(accepted.conversation_id)
            self._events.publish("message", accepted.conversation_id)
        queued = bool(replies) and outbox.delivered_later(accepted.inbound.channel)
        return RouterResult(conversation_id=accepted.conversation_id, replies=tuple(replies), queued=queued)

    async def _introduced(self, repo: ConversationRepository, conversation_id: str) -> bool:
        """Whether the bot already wrote in this conversation (remembered, so asked of the database once)."""
        if conversation_id in self._introduced_ids:
            return True
        return await repo.last_bot_message_at(conversation_id) is not None

    def _remember_introduced(self, conversation_id: str) -> None:
        self._introduced_ids[conversation_id] = None
        self._introduced_ids.move_to_end(conversation_id)
        while len(self._introduced_ids) > INTRODUCED_CAPACITY:
            self._introduced_ids.popitem(last=False)

    async def _queue(self, conversation_id: str, reason: str, priority: Priority) -> List[Reply]:
        """Put the conversation in the coordinators' queue and say what happens next."""
        async with self._sessions() as session:
            conversation = await ConversationRepository(session).get_conversation(conversation_id)
            if not handoff.bot_owns(conversation) and conversation.status != ConversationStatus.WAITING.value:
                return []  # a coordinator is already here
            queued = await handoff.request_person(
                session, conversation, reason=reason, priority=priority, wait=self._policy.wait
            )
            position = await handoff.queue_position(session, conversation)
            await session.commit()
        self._events.publish("queue", conversation_id)
        if not queued:
            return [texts.already_waiting(position)]
        notice = texts.queued(position, self._policy.office_hours, utcnow())
        return [texts.urgent_queued(), notice] if priority is Priority.URGENT else [notice]

    async def _alerts(self, accepted: Accepted) -> Optional[List[Reply]]:
        """Trial alerts' own steps (yes / no to an offer, stop, what is kept…), or None (`bot.alerts.chat`)."""
        async with self._sessions() as session:
            replies = await alerts_chat.answer(session, accepted.conversation_id, accepted.inbound.text)
            if replies is not None:
                await session.commit()
        return replies

    async def _rated(self, conversation_id: str, rating: str) -> List[Reply]:
        """Store the answer to the satisfaction question and thank the person (nothing if it was never asked)."""
        async with self._sessions() as session:
            recorded = await satisfaction.record(session, conversation_id, rating)
            await session.commit()
        return [] if recorded is None else [satisfaction.thanks(recorded)]

    async def _forget(self, accepted: Accepted) -> Optional[RouterResult]:
        """Delete everything about the sender if they confirmed an open request (None: ask them first)."""
        async with self._sessions() as session:
            if not await forget.pending(session, accepted.conversation_id):
                return None
            conversation = await ConversationRepository(session).get_conversation(accepted.conversation_id)
            forgotten = await forget.forget_participant(session, conversation.participant_id)
            await session.commit()
        logger.info("Deleted a participant's data on request: %s", forgotten.summary())
        for conversation_id in forgotten.conversation_ids:
            self._events.publish("queue", conversation_id)
        done = forget.done(left_the_queue=forgotten.queued > 0)
        return RouterResult(conversation_id=accepted.conversation_id, replies=(done,))

    async def _crisis(self, conversation_id: str, finding: Finding) -> List[Reply]:
        """The crisis lines at once (for the writer, or how to help someone else), and an urgent place in
        the queue (unless a coordinator is already here)."""
        someone_else = finding is Finding.CRISIS_OTHER
        reason = "crisis (someone else)" if someone_else else "crisis"
        logger.warning("%s detected in conversation %s", reason, conversation_id)
        lines = crisis.for_someone_else() if someone_else else crisis.resources()
        try:
            return [lines, *await self._queue(conversation_id, reason, Priority.URGENT)]
        except handoff.HandoffError:  # closed by a coordinator meanwhile: the crisis lines still go out
            return [lines]

    async def _while_people_own(self, accepted: Accepted) -> List[Reply]:
        """A person owns the conversation: the bot stays silent, except for the queue's own choices
        (keep waiting / back to the bot) and an occasional "we've got your message" while waiting."""
        command = accepted.inbound.text.strip()
        async with self._sessions() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get_conversation(accepted.conversation_id)
            if conversation.status != ConversationStatus.WAITING.value:
                return []
            if command == texts.BACK_TO_BOT:
                await handoff.hand_back(session, conversation, handoff.PARTICIPANT, "chose to go back to the bot")
                await session.commit()
                self._events.publish("queue", conversation.id)
                return [texts.bot_is_back()]
            position = await handoff.queue_position(session, conversation)
            if command == texts.KEEP_WAITING:
                await handoff.keep_waiting(session, conversation, self._policy.wait)
                await session.commit()
                return [texts.kept_waiting(position)]
            last = await repo.last_bot_message_at(conversation.id)
            if last is not None and aware(last) > utcnow() - self._policy.remind_every:
                return []
            return [texts.still_waiting(position)]

    @staticmethod
    async def _duplicate(repo: ConversationRepository, inbound: InboundMessage, earlier: Message) -> Accepted:
        logger.info("Ignoring a repeated delivery of a message in conversation %s", earlier.conversation_id)
        replies = await repo.replies_to(earlier)
        return Accepted(
            inbound=inbound,
            conversation_id=earlier.conversation_id,
            message_id=None,
            bot_owns=False,
            duplicate=True,
            earlier_replies=tuple(replies),
        )

    async def _ask_core(
        self, conversation_id: str, inbound: InboundMessage, finding: Optional[Finding] = None
    ) -> List[Dict[str, Any]]:
        text = inbound.text.strip()
        if not text:
            return [{"text": EMPTY_REPLY.text}]
        if finding is Finding.MEDICAL_ADVICE and not medical_advice.yields_to_search(text):
            text = medical_advice.INTENT  # the model answers as for its own medical-advice intent
        elif alerts_chat.asks_for_alerts(text):
            text = alert_texts.OFFER  # the action server knows the person's search and makes the offer
        try:
            return await self._core.handle(
                conversation_id, text[:MAX_TEXT_CHARS], inbound.channel, dict(inbound.metadata)
            )
        except CoreError as error:
            logger.error("The core could not answer conversation %s: %s", conversation_id, error)
            return [{"text": TROUBLE_REPLY.text}]


def handoff_request(answers: List[Dict[str, Any]]) -> Optional[Tuple[str, Priority]]:
    """The person-needed signal in Rasa's answers (a custom `{"handoff": {"reason", "priority"}}`), if any."""
    for answer in answers:
        custom = answer.get("custom")
        request = custom.get("handoff") if isinstance(custom, dict) else None
        if isinstance(request, dict):
            try:
                priority = Priority(str(request.get("priority", Priority.NORMAL.value)))
            except ValueError:
                priority = Priority.NORMAL
            return str(request.get("reason") or "the bot asked for a person"), priority
    return None
