"""What the bot knows about a person (cancer type, age, place, trials it showed), read from Rasa's tracker events.

Rasa's SQL tracker store keeps every event of a conversation in the table `events`
(`sender_id` is our conversation id); slot events have `type_name` "slot" and JSON `data`
with the slot's `name` and `value`. This module only reads that table, and copes with a
database where it does not exist (Rasa keeps its trackers elsewhere, or has not written yet).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.trials.models import Trial

EVENTS_TABLE = "events"
SLOTS = ("condition", "age", "location_name", "result_ids")
_NCT_ID = re.compile(r"^NCT\d{8}$")
_SLOT_EVENTS = text(
    "SELECT type_name, data FROM events "
    "WHERE sender_id = :sender AND type_name IN ('slot', 'reset_slots', 'restart') ORDER BY id"
)


@dataclass(frozen=True)
class TrialShown:
    """A trial the bot showed the person, with its title when the trial is in our database."""

    nct_id: str
    title: str = ""

    @property
    def url(self) -> str:
        """The trial's page on ClinicalTrials.gov."""
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


@dataclass(frozen=True)
class Knowledge:
    """The slots of one conversation that matter to a coordinator."""

    condition: Optional[str] = None
    age: Optional[int] = None
    location: Optional[str] = None
    trials: Tuple[TrialShown, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether the bot has learnt nothing yet."""
        return self.condition is None and self.age is None and self.location is None and not self.trials


def latest_slots(rows: Sequence[Tuple[str, Any]], names: Sequence[str] = SLOTS) -> Dict[str, Any]:
    """The current value of each named slot after replaying slot, reset and restart events in order."""
    values: Dict[str, Any] = {}
    for type_name, raw in rows:
        if type_name in ("reset_slots", "restart"):
            values.clear()
            continue
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("name") in names:
            values[data["name"]] = data.get("value")
    return {name: value for name, value in values.items() if value not in (None, "", [])}


def _has_events_table(session: AsyncSession) -> Any:
    return session.run_sync(lambda sync: inspect(sync.connection()).has_table(EVENTS_TABLE))


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    return str(value).strip()[:200] or None


def _age(value: Any) -> Optional[int]:
    try:
        age = int(float(value))
    except (TypeError, ValueError):
        return None
    return age if 0 <= age <= 120 else None


async def _titles(session: AsyncSession, nct_ids: List[str]) -> Dict[str, str]:
    if not nct_ids or not await session.run_sync(lambda sync: inspect(sync.connection()).has_table("trials")):
        return {}
    result = await session.execute(select(Trial.nct_id, Trial.brief_title).where(Trial.nct_id.in_(nct_ids)))
    return {nct_id: title for nct_id, title in result.all()}


async def what_the_bot_knows(session: AsyncSession, conversation_id: str) -> Knowledge:
    """The person's cancer type, age, place and the trials the bot showed them (empty if unknown)."""
    if not await _has_events_table(session):
        return Knowledge()
    rows = (await session.execute(_SLOT_EVENTS, {"sender": conversation_id})).all()
    slots = latest_slots([(row[0], row[1]) for row in rows])
    raw_ids = slots.get("result_ids")
    nct_ids = [i for i in raw_ids if isinstance(i, str) and _NCT_ID.match(i)] if isinstance(raw_ids, list) else []
    titles = await _titles(session, nct_ids)
    return Knowledge(
        condition=_text(slots.get("condition")),
        age=_age(slots.get("age")),
        location=_text(slots.get("location_name")),
        trials=tuple(TrialShown(i, titles.get(i, "")) for i in dict.fromkeys(nct_ids)),
    )
