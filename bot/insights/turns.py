"""What the model did with each message, replayed from Rasa's tracker events: turns and trial searches.

Rasa's SQLTrackerStore keeps every event in the table `events` of our database (`sender_id` is
our conversation id, `timestamp` epoch seconds, the event itself as JSON in `data`). The events
of every conversation active in the period are replayed in order:

- a *turn* is one `user` event (a message the model saw) with the actions the bot ran before the
  next message: the first one (`answered_by`) is how the bot answered;
- a turn *fell back* when the bot answered it with its fallback, `action_suggest_topics` (the
  model unsure, `nlu_fallback` from `bot/nlu/classifier.py`, or the dialogue policy unsure);
- a turn had *low confidence* when it did not fall back and was not taken as the answer to a
  form's question, but its intent confidence was under 0.7 or it was answered with a FAQ topic
  whose response-selector confidence was under 0.5 (on FAQ evaluation set A, 13% of the right
  answers and 60% of the confident wrong ones fall under one of the two);
- a *trial search* is a run of `action_search_trials` while both the cancer type (`condition`)
  and the place (`location_name`) are known (slot events replayed; a new session, `reset_slots`
  or `restart` clears them; without both the action only asks for what is missing).

The table is Rasa's and may not exist (no worker has started on this database): then there are
no turns and no searches.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import and_, case, column, null, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights.period import Period
from bot.store import tracker_table

FALLBACK_ACTION = "action_suggest_topics"
FAQ_ACTION = "utter_faq"
SEARCH_ACTION = "action_search_trials"
LOW_INTENT_CONFIDENCE = 0.7
LOW_FAQ_CONFIDENCE = 0.5
IGNORED_ACTIONS = frozenset({"action_listen", "action_session_start"})
CLEARING_EVENTS = frozenset({"session_started", "reset_slots", "restart"})
SLACK = timedelta(hours=1)
"""Events this long after the period are read too, so a message's answer is seen even at midnight."""

EVENTS = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
    column("intent_name"),
    column("action_name"),
    column("data"),
)
"""Rasa's `SQLTrackerStore.SQLEvent` table, just the columns read here."""

_ZIP = re.compile(r"\s+\d{5}(?:-\d{4})?$")


@dataclass(frozen=True)
class Turn:
    """One message the model saw, and what the bot did with it."""

    conversation_id: str
    at: datetime
    text: str
    intent: str
    confidence: float
    faq_topic: Optional[str]
    faq_confidence: Optional[float]
    actions: Tuple[str, ...]

    @property
    def answered_by(self) -> Optional[str]:
        """The first action the bot ran for this message (None: it only listened)."""
        return self.actions[0] if self.actions else None

    @property
    def fell_back(self) -> bool:
        """The bot answered with its "not sure I understood" fallback."""
        return FALLBACK_ACTION in self.actions

    @property
    def answered_faq(self) -> Optional[str]:
        """The FAQ topic the bot answered with, if it answered with one."""
        return self.faq_topic if self.answered_by == FAQ_ACTION else None

    @property
    def low_confidence(self) -> bool:
        """Answered, but the model was unsure (see the module's docstring)."""
        if self.fell_back or (self.answered_by or "").endswith("_form"):
            return False
        if self.confidence < LOW_INTENT_CONFIDENCE:
            return True
        return self.answered_faq is not None and (self.faq_confidence or 0.0) < LOW_FAQ_CONFIDENCE

    @property
    def missed(self) -> bool:
        """Fell back or had low confidence: a question the bot may have missed."""
        return self.fell_back or self.low_confidence


@dataclass(frozen=True)
class Search:
    """One trial search: when, for which cancer type, and where."""

    conversation_id: str
    at: datetime
    cancer_type: str
    region: str


@dataclass(frozen=True)
class Replayed:
    """The period's turns and trial searches, oldest first within each conversation."""

    turns: Tuple[Turn, ...] = ()
    searches: Tuple[Search, ...] = ()


@dataclass
class _Open:
    """A turn still collecting the actions that answered it."""

    turn: Dict[str, Any]
    actions: List[str] = field(default_factory=list)


def cancer_type_of(value: Any) -> str:
    """The cancer type slot as a label: spaces tidied, lower case ("Hodgkin  Lymphoma" → "hodgkin lymphoma")."""
    return " ".join(str(value).split()).lower()[:80]


def region_of(place: Any) -> str:
    """The state, region or country of a place the bot located: "Columbus, OH 43210" → "OH",
    "Toronto, Ontario" → "Ontario"; a name without a comma is its own region."""
    name = _ZIP.sub("", " ".join(str(place).split()))
    return (name.rsplit(",", 1)[-1] if "," in name else name).strip()[:80]


def _json(raw: Any) -> Dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _user_turn(conversation_id: str, timestamp: float, data: Dict[str, Any]) -> Dict[str, Any]:
    parse = _dict(data.get("parse_data"))
    intent = _dict(parse.get("intent"))
    response = _dict(_dict(_dict(parse.get("response_selector")).get("faq")).get("response"))
    key = str(response.get("intent_response_key") or "")
    return {
        "conversation_id": conversation_id,
        "at": datetime.fromtimestamp(timestamp, timezone.utc),
        "text": str(data.get("text") or ""),
        "intent": str(intent.get("name") or ""),
        "confidence": _float(intent.get("confidence")),
        "faq_topic": key.split("/", 1)[1] if "/" in key else None,
        "faq_confidence": _float(response["confidence"]) if response.get("confidence") is not None else None,
    }


def replay(rows: Iterable[Sequence[Any]], period: Period) -> Replayed:
    """Turns and searches of the period from event rows (sender_id, type_name, timestamp, action_name, data),
    ordered by conversation, then as stored."""
    start, end = period.start.timestamp(), period.end.timestamp()
    turns: List[Turn] = []
    searches: List[Search] = []
    sender: Optional[str] = None
    slots: Dict[str, Any] = {}
    current: Optional[_Open] = None

    def close() -> None:
        if current is not None and start <= current.turn["at"].timestamp() < end:
            turns.append(Turn(actions=tuple(current.actions), **current.turn))

    for sender_id, type_name, timestamp, action_name, raw in rows:
        if sender_id != sender:
            close()
            sender, slots, current = sender_id, {}, None
        moment = _float(timestamp)
        if type_name in CLEARING_EVENTS:
            slots.clear()
        elif type_name == "slot":
            data = _json(raw)
            if isinstance(data.get("name"), str):
                slots[data["name"]] = data.get("value")
        elif type_name == "user":
            close()
            current = _Open(_user_turn(sender_id, moment, _json(raw)))
        elif type_name == "action" and action_name and action_name not in IGNORED_ACTIONS:
            if current is not None:
                current.actions.append(action_name)
            condition, place = slots.get("condition"), slots.get("location_name")
            if action_name == SEARCH_ACTION and condition and place and start <= moment < end:
                at = datetime.fromtimestamp(moment, timezone.utc)
                searches.append(Search(sender_id, at, cancer_type_of(condition), region_of(place)))
    close()
    return Replayed(tuple(turns), tuple(searches))


async def read(session: AsyncSession, period: Period, conversation_id: Optional[str] = None) -> Replayed:
    """Replay the tracker events of every conversation with events in the period, or of just one
    (nothing without Rasa's table)."""
    if not await tracker_table.exist(session):
        return Replayed()
    start, end = period.start.timestamp(), period.end.timestamp()
    if conversation_id is not None:
        senders = EVENTS.c.sender_id == conversation_id
    else:
        active = select(EVENTS.c.sender_id).where(EVENTS.c.timestamp >= start, EVENTS.c.timestamp < end)
        senders = EVENTS.c.sender_id.in_(active.distinct().scalar_subquery())
    wanted = ("user", "action", "slot", *CLEARING_EVENTS)
    payload = case((EVENTS.c.type_name.in_(("user", "slot")), EVENTS.c.data), else_=null())
    query = (
        select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.action_name, payload)
        .where(and_(senders, EVENTS.c.type_name.in_(wanted), EVENTS.c.timestamp < (period.end + SLACK).timestamp()))
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    rows = (await session.execute(query)).all()
    return replay([tuple(row) for row in rows], period)
