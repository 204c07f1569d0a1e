"""Biobank actions: how to donate tissue and blood, who can, and where to ask near the person."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any, Dict, List, Sequence

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import trials
from bot.biobank import presenting
from bot.biobank.service import BiobankService
from bot.messages import Reply
from bot.trials.conditions import GENERIC, canonical_words
from bot.trials.understanding import read_age, read_place, strip_details

# Messages that may name the place to look near ("where can I donate near Boston").
PLACE_INTENTS = {"donate_where", "inform", "nlu_fallback"}
# Words of a donation question that name no cancer: "can people with leukemia donate samples?" is
# about leukemia, and "can I donate blood?" names no cancer at all.
DONATION_WORDS = frozenset(
    """can could would i im i'm still donate donating donation donor donors give giving tissue tissues samples
    sample blood biobank biobanks moonshot eligible qualify allowed accept accepted accepting take people
    person someone kids kid child children spread already treatment study research science type if u like
    check too young old enough""".split()
)


@lru_cache(maxsize=1)
def biobank() -> BiobankService:
    """The process's biobank service, sharing the trial service's engine and geocoder."""
    service = trials.service()
    return BiobankService.load(service.engine, service.locate)


def say(dispatcher: CollectingDispatcher, replies: Sequence[Reply]) -> None:
    """Send each reply, with its quick replies as Rasa buttons."""
    for reply in replies:
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons)


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def cancer_words(text: str) -> str:
    """What is left of a donation question once age, place and donation words are taken out; "" when
    nothing in it could name a cancer ("can I donate?", "can I still donate if my cancer spread?")."""
    words = [w.strip("?!.,;:") for w in strip_details(text).split()]
    kept = [
        word
        for word, after in zip(words, [*words[1:], ""], strict=True)
        if word and (word.lower() not in DONATION_WORDS or after.lower().startswith("cancer"))  # "blood cancer"
    ]
    return " ".join(kept) if names_a_cancer(" ".join(kept)) else ""


def names_a_cancer(text: str) -> bool:
    """Whether the text has a word that narrows down which cancer ("breast", not just "cancer")."""
    return bool(set(canonical_words(text)) - GENERIC)


class ActionExplainDonating(Action):
    """ "How do I donate?": your hospital's biobank and the Cancer Moonshot Biobank, with sources."""

    def name(self) -> str:
        return "action_explain_donating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        service = await asyncio.to_thread(biobank)
        say(dispatcher, presenting.how_to_donate(service))
        return []


class ActionCheckDonationEligibility(Action):
    """ "Can I donate?": the criteria in plain words, held against the cancer type and age already known
    (or given now, which are kept for a later trial search)."""

    def name(self) -> str:
        return "action_check_donation_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        text, events = _text(tracker), []
        age = read_age(text)
        if age is not None and age.plausible:
            events.append(SlotSet("age", age.value))
        named = cancer_words(text)
        if named:
            condition = await asyncio.to_thread(trials.service().condition_in, named, True)
            if condition and names_a_cancer(condition):
                events.append(SlotSet("condition", condition))
        slots = {e["name"]: e["value"] for e in events}
        condition = slots.get("condition", tracker.get_slot("condition"))
        known_age = slots.get("age", tracker.get_slot("age"))
        service = await asyncio.to_thread(biobank)
        check = service.eligibility(condition, float(known_age) if known_age is not None else None)
        say(dispatcher, presenting.eligibility(check, service))
        return events


class ValidateDonationPlaceForm(FormValidationAction):
    """Finds where the person is for "Where can I donate?", the same way the trial search does."""

    def name(self) -> str:
        return "validate_donation_place_form"

    async def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict:
        answering = trials.answers_the_question(tracker)
        if _intent(tracker) not in PLACE_INTENTS and not answering:
            return {}
        place = read_place(_text(tracker), expecting=answering and tracker.get_slot("requested_slot") == "location")
        return {"location": place} if place else {}

    async def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict:
        return await trials.located(value, dispatcher)


class ActionShowDonationPlaces(Action):
    """ "Where can I donate near me?": the nearest cancer centers and sample-keeping study sites, with miles."""

    def name(self) -> str:
        return "action_show_donation_places"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        latitude, longitude = tracker.get_slot("latitude"), tracker.get_slot("longitude")
        if latitude is None or longitude is None:
            dispatcher.utter_message(text=trials.QUESTIONS["location"])
            return []
        service = await asyncio.to_thread(biobank)
        # Without the trial tables this still lists the cancer centers (the studies are left out).
        nearby = await asyncio.to_thread(service.places_near, float(latitude), float(longitude))
        place_name = tracker.get_slot("location_name") or tracker.get_slot("location") or "you"
        say(dispatcher, presenting.places(nearby, place_name, service))
        return []
