"""Offering trial alerts: the action server knows the person's search (its slots), so it makes the offer.

The offer records the profile of the search as an *offered* subscription (`bot.alerts.subscriptions`)
and says what would be kept and how to stop; the person's yes, the tumor-profile words they may add
and "stop alerts" are the router's (`bot.alerts.chat`). Without a search yet, the person is asked for
the kind of cancer and the place, and the offer follows the results (`alerts_wanted`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.alerts import subscriptions, texts, timing
from bot.config import load_settings
from bot.store.outbox import delivered_later
from bot.trials.service import SearchRequest

WANTED_SLOT = "alerts_wanted"


def _cannot_write_later(conversation_id: str) -> Optional[str]:
    """Why alerts cannot reach this conversation (the name of the text that says so), or None."""
    from actions.trials import service  # the process's trial service holds the database engine

    with Session(service().engine) as session:
        where = subscriptions.conversation_place(session, conversation_id)
    if where is None or not delivered_later(where[0]):
        return "not_here"
    if where[0] == "telegram" and where[1].startswith("-"):
        return "not_in_groups"
    return None


def has_a_search(tracker: Tracker) -> bool:
    """Whether the conversation has what alerts need: a kind of cancer and a place found on the map."""
    return bool(tracker.get_slot("condition")) and tracker.get_slot("latitude") is not None


def offer(
    dispatcher: CollectingDispatcher, tracker: Tracker, searched: Optional[SearchRequest] = None
) -> List[Dict[str, Any]]:
    """Record the offer and make it (or say why alerts are not possible here); `searched`: the search just
    run (its kind of cancer may be the broader one it fell back to), else the conversation's slots."""
    from actions.trials import service  # the process's trial service holds the database engine

    latitude = searched.latitude if searched else float(tracker.get_slot("latitude"))
    longitude = searched.longitude if searched else float(tracker.get_slot("longitude"))
    age: Optional[float] = searched.age if searched else tracker.get_slot("age")
    radius = searched.radius_miles if searched else float(tracker.get_slot("search_radius") or 100.0)
    condition = searched.condition if searched else str(tracker.get_slot("condition"))
    place = str(tracker.get_slot("location_name") or tracker.get_slot("location") or "your place")
    profile: Dict[str, Any] = {
        "condition": searched.condition if searched else str(tracker.get_slot("condition")),
        "age": age,
        "sex": searched.sex if searched else tracker.get_slot("sex"),
        "place_name": str(tracker.get_slot("location_name") or tracker.get_slot("location") or "your place"),
        "latitude": latitude,
        "longitude": longitude,
        "radius_miles": radius,
        "time_zone": timing.time_zone_at(latitude, longitude),
        "terms": [],
    }
    refusal = _cannot_write_later(tracker.sender_id)
    if refusal is not None:
        dispatcher.utter_message(text=texts.say(refusal))
        return [SlotSet(WANTED_SLOT, None)]
    with Session(service().engine) as session:
        subscriptions.offer(session, tracker.sender_id, profile)
        session.commit()
    cap = load_settings().alerts_weekly_cap
    reply = texts.offer(condition, place, radius, cap, age)
    dispatcher.utter_message(text=reply.text, buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons])
    return [SlotSet(WANTED_SLOT, None)]


class ActionAlertsOffer(Action):
    """ "Tell me when new trials open" (or the button after results): the offer, or the search first."""

    def name(self) -> str:
        return "action_alerts_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        refusal = await asyncio.to_thread(_cannot_write_later, tracker.sender_id)
        if refusal is not None:  # said before asking for a search that could not lead to alerts
            dispatcher.utter_message(text=texts.say(refusal))
            return [SlotSet(WANTED_SLOT, None)]
        if not has_a_search(tracker):
            dispatcher.utter_message(text=texts.say("need_search_first"))
            return [SlotSet(WANTED_SLOT, True)]
        return await asyncio.to_thread(offer, dispatcher, tracker)
