"""The helpful fallback: when the model is unsure, say so and suggest the closest FAQ topics."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.faq.catalog import Catalog, load_catalog
from bot.faq.suggestions import closest_topics, fallback_message
from bot.nlu.search_turns import cancer_named

REASON = "the bot did not understand twice in a row"
FALLBACK_INTENT = "nlu_fallback"


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The FAQ catalog, read once per action-server process on first use."""
    return load_catalog()


class ActionSuggestTopics(Action):
    """Answers a message the model could not place, with buttons for the closest topics."""

    def name(self) -> str:
        return "action_suggest_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        ranking = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
        suggestions = closest_topics(catalog(), ranking)
        cancer = cancer_named(str(tracker.latest_message.get("text") or ""))
        message = fallback_message(_misses_in_a_row(tracker), suggestions, catalog(), cancer)
        dispatcher.utter_message(text=message.text, buttons=message.buttons)
        if message.needs_person:  # the gateway's router queues the conversation for a coordinator
            dispatcher.utter_message(json_message={"handoff": {"reason": REASON, "priority": "normal"}})
        if (tracker.latest_message.get("intent") or {}).get("name") != FALLBACK_INTENT:
            # Run as Rasa's core fallback (no rule or story fits the turn): like Rasa's own fallback action, take
            # the message back out of the dialogue, or the same unfitting turn predicts this action again, ten
            # times over, and ten "not sure" in a row bring in a person. The message itself stays stored.
            return [UserUtteranceReverted()]
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
