"""The helpful fallback: when the model is unsure, say so and suggest what the person can ask."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.suggestions import fallback_message


class ActionSuggestTopics(Action):
    """Answers a message the model could not place, with buttons for what it can help with."""

    def name(self) -> str:
        return "action_suggest_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        misses = _misses_in_a_row(tracker)
        message = fallback_message(misses)
        dispatcher.utter_message(text=message.text, buttons=message.buttons)
        return []


def _misses_in_a_row(tracker: Tracker) -> int:
    """How many of the person's latest messages in a row the model could not place."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != "nlu_fallback":
            break
        misses += 1
    return misses
