"""Seeding insights data at chosen times: conversations, messages and handoffs in our tables, and Rasa's
tracker events written by Rasa's own SQLTrackerStore (as the workers write them)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence

from bot.store.db import PROJECT_ROOT, sync_url
from bot.store.models import (
    Author,
    ChannelIdentity,
    Conversation,
    Coordinator,
    Direction,
    Handoff,
    Message,
    MessageKind,
    Participant,
    SatisfactionAnswer,
)


def utc(text: str) -> datetime:
    """An aware UTC time from "2025-03-10 14:00" (seconds optional)."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@lru_cache(maxsize=1)
def domain():  # type: ignore[no-untyped-def]
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _user(
    text: str, at: datetime, intent: str, confidence: float, topic: Optional[str] = None, topic_confidence: float = 0.0
) -> Any:
    from rasa.shared.core.events import UserUttered

    parse: Dict[str, Any] = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    if topic is not None:
        parse["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "intent_response_key": f"faq/{topic}",
                    "confidence": topic_confidence,
                    "utter_action": f"utter_faq/{topic}",
                    "responses": [{"text": "…"}],
                },
                "ranking": [{"intent_response_key": f"faq/{topic}", "confidence": topic_confidence}],
            },
        }
    return UserUttered(text, parse["intent"], parse_data=parse, timestamp=at.timestamp())


def _actions(at: datetime, *names: str, slots: Sequence[tuple] = ()) -> List[Any]:
    """The bot's actions after a message (a second apart), slot events after the first, then listening."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

    events: List[Any] = []
    moment = at
    for index, name in enumerate(names):
        moment += timedelta(milliseconds=200)
        events.append(ActionExecuted(name, timestamp=moment.timestamp()))
        if index == 0:
            events += [SlotSet(slot, value, timestamp=moment.timestamp()) for slot, value in slots]
        if name.startswith("utter_") or name.startswith("action_suggest"):
            events.append(BotUttered("…", timestamp=moment.timestamp()))
    events.append(ActionExecuted("action_listen", timestamp=(moment + timedelta(milliseconds=100)).timestamp()))
    return events


def faq(text: str, at: datetime, topic: str, confidence: float = 0.95) -> List[Any]:
    """A question the bot answered with a curated FAQ answer."""
    return [_user(text, at, "faq", 1.0, topic, confidence), *_actions(at, "utter_faq")]


def fallback(text: str, at: datetime, guess: str = "what_is_a_trial") -> List[Any]:
    """A message the model could not place: the bot answered with its fallback."""
    return [_user(text, at, "nlu_fallback", 0.6, guess, 0.2), *_actions(at, "action_suggest_topics")]


def intent(
    text: str, at: datetime, name: str, confidence: float, *actions: str, slots: Sequence[tuple] = ()
) -> List[Any]:
    """Any other message: an intent and the actions that answered it."""
    return [_user(text, at, name, confidence), *_actions(at, *actions, slots=slots)]


def new_session(at: datetime) -> List[Any]:
    """A new Rasa session (slots cleared)."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    return [ActionExecuted("action_session_start", timestamp=at.timestamp()), SessionStarted(timestamp=at.timestamp())]


class Seeder:
    """Writes rows at given times into a test database (our tables through the async sessions)."""

    def __init__(self, sessions: Any, database_url: str) -> None:
        self.sessions = sessions
        self.database_url = database_url
        self._people = 0

    async def conversation(self, channel: str, at: datetime) -> str:
        self._people += 1
        async with self.sessions() as session:
            person = Participant(created_at=at)
            session.add(person)
            await session.flush()
            identity = ChannelIdentity(
                channel=channel, platform_user_id=f"user-{self._people}", participant_id=person.id, created_at=at
            )
            session.add(identity)
            await session.flush()
            conversation = Conversation(
                participant_id=person.id, identity_id=identity.id, channel=channel, created_at=at, updated_at=at
            )
            session.add(conversation)
            await session.commit()
            return str(conversation.id)

    async def coordinator(self, email: str = "seed@example.org") -> int:
        async with self.sessions() as session:
            account = Coordinator(email=email, name="Seed", password_hash="-", role="coordinator")
            session.add(account)
            await session.commit()
            return int(account.id)

    async def message(
        self,
        conversation_id: str,
        text: str,
        at: datetime,
        author: Author = Author.PARTICIPANT,
        kind: MessageKind = MessageKind.TEXT,
        coordinator_id: Optional[int] = None,
    ) -> int:
        inbound = author is Author.PARTICIPANT
        async with self.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            message = Message(
                conversation_id=conversation_id,
                channel=conversation.channel,
                direction=(Direction.INBOUND if inbound else Direction.OUTBOUND).value,
                author=author.value,
                coordinator_id=coordinator_id,
                kind=kind.value,
                text=text,
                created_at=at,
            )
            session.add(message)
            await session.commit()
            return int(message.id)

    async def handoff(
        self, conversation_id: str, from_status: str, to_status: str, at: datetime, actor: str = "participant"
    ) -> None:
        async with self.sessions() as session:
            session.add(
                Handoff(
                    conversation_id=conversation_id,
                    from_status=from_status,
                    to_status=to_status,
                    actor=actor,
                    created_at=at,
                )
            )
            await session.commit()

    async def said(self, conversation_id: str, events: List[Any], stored: bool = True) -> None:
        """A person's message the model saw: stored in our messages half a second before its tracker events
        (unless `stored` is False, as after retention or "delete my data"), then the events."""
        user = events[0]
        if stored and getattr(user, "type_name", "") == "user":
            at = datetime.fromtimestamp(user.timestamp, timezone.utc) - timedelta(milliseconds=500)
            await self.message(conversation_id, user.text, at)
        await self.tracker_events(conversation_id, events)

    async def tracker_events(self, conversation_id: str, events: List[Any]) -> None:
        """Append events to the conversation's tracker with Rasa's SQLTrackerStore."""
        await asyncio.to_thread(_save_events, self.database_url, conversation_id, events)

    async def satisfaction(self, conversation_id: str, rating: str, at: datetime) -> None:
        """A thumbs up or down, answering the question asked when a coordinator handed back just before."""
        async with self.sessions() as session:
            asked = Handoff(
                conversation_id=conversation_id,
                from_status="with_coordinator",
                to_status="bot",
                actor="coordinator:0",
                reason="handed back",
                created_at=at - timedelta(seconds=1),
            )
            session.add(asked)
            await session.flush()
            session.add(
                SatisfactionAnswer(conversation_id=conversation_id, handoff_id=asked.id, rating=rating, created_at=at)
            )
            await session.commit()


def _save_events(database_url: str, conversation_id: str, events: List[Any]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(domain(), host=sync_url(database_url))
    try:

        async def save() -> None:
            tracker = await store.retrieve(conversation_id) or store.init_tracker(conversation_id)
            for event in events:
                tracker.update(event)
            await store.save(tracker)

        asyncio.run(save())
    finally:
        store.engine.dispose()
