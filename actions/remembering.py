"""Remembering a person's details beyond the conversation, only if they said yes.

A conversation's details (cancer type, age, place) live in its slots. When a Rasa session ends
(after `session_expiration_time` without a message), `action_session_start` carries them into the
next session only if the person agreed (`remember_details` is true). They are asked once, after
their first trial search results; their answer can be changed any time ("remember my details",
"don't save my info"), and "delete my data" removes everything.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

CONSENT_SLOT = "remember_details"
DETAIL_SLOTS = ("condition", "age", "location", "location_name", "latitude", "longitude")

QUESTION = (
    "Would you like me to remember your cancer type, age and place for next time you chat here? "
    "If not, I'll forget them when this chat ends."
)
BUTTONS = [
    {"title": "Yes, remember", "payload": "/keep_details"},
    {"title": "No, forget them", "payload": "/dont_keep_details"},
]
KEPT = (
    "Okay, I'll remember your cancer type, age and place for next time. "
    "Say “delete my data” any time to remove them."
)
NOT_KEPT = "Okay, I'll forget your details when this chat ends."


def ask_to_remember(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Ask once whether to keep the details (nothing if the person has answered or was asked already)."""
    asked = any(event.get("event") == "bot" and event.get("text") == QUESTION for event in tracker.events)
    if asked or tracker.get_slot(CONSENT_SLOT) is not None:
        return []
    dispatcher.utter_message(text=QUESTION, buttons=BUTTONS)
    return []


class ActionRememberDetails(Action):
    """Records the person's answer: keep the details for next time, or not."""

    def name(self) -> str:
        return "action_remember_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        keep = (tracker.latest_message.get("intent") or {}).get("name") == "keep_details"
        dispatcher.utter_message(text=KEPT if keep else NOT_KEPT)
        return [SlotSet(CONSENT_SLOT, keep)]


class ActionSessionStart(Action):
    """Starts a new session, carrying the details over only with the person's consent."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = [SessionStarted()]
        consent = tracker.get_slot(CONSENT_SLOT)
        if consent is not None:
            events.append(SlotSet(CONSENT_SLOT, consent))  # the answer itself is kept, so nobody is asked twice
        if consent is True:
            kept = {slot: tracker.get_slot(slot) for slot in DETAIL_SLOTS}
            events.extend(SlotSet(slot, value) for slot, value in kept.items() if value is not None)
        events.append(ActionExecuted("action_listen"))
        return events
