"""Trial search actions: the search form's extraction and checks, results, more, details, wider."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import alerts, remembering
from bot.alerts import texts as alert_texts
from bot.trials import presenting, texts
from bot.trials.service import SearchRequest, TrialService
from bot.trials.understanding import (
    GENERIC_HEADS,
    cancer_mentions,
    is_question,
    read_age,
    read_nct_id,
    read_place,
    read_position,
    read_radius_miles,
    read_sex,
)

logger = logging.getLogger(__name__)

DEFAULT_RADIUS = 100.0
WIDER_STEPS = (250.0, 500.0, 3000.0)
DETAIL_INTENTS = {"inform", "search_trials", "nlu_fallback"}
# While the form waits for an answer, anything but these is taken as the answer ("Xyzzyville" may
# look like a greeting to the model, but it is meant as a place).
NOT_ANSWERS = {"faq", "bot_challenge", "goodbye", "thank", "help", "human_handoff", "medical_advice"}
# A word the model has never seen ("Xyzzyville", "Springfield") comes out as a FAQ question whose
# topic is only a guess (response confidence about 0.05; real questions score 0.4 and up): while a
# question is waiting, such a message is the answer, not a FAQ question.
FAQ_GUESS = 0.3
SEARCH_FIRST, UNAVAILABLE, QUESTIONS = texts.SEARCH_FIRST, texts.UNAVAILABLE, texts.QUESTIONS
FARTHEST = 13000.0  # miles: anywhere on Earth


@lru_cache(maxsize=1)
def service() -> TrialService:
    """The process's trial service, built on first use from the configuration."""
    from sqlalchemy import create_engine

    from bot.config import load_settings
    from bot.store.db import sync_url
    from bot.trials.geo import Geocoder

    # hide_parameters: a logged database error must not quote the person's cancer type or place
    url = sync_url(load_settings().database_url)
    engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    return TrialService(engine, Geocoder())


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def answers_the_question(tracker: Tracker) -> bool:
    """Whether the latest message answers what a form just asked (not, say, a FAQ question mid-form)."""
    if not tracker.get_slot("requested_slot"):
        return False
    if _intent(tracker) == "faq":
        response = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return float(response.get("confidence") or 0.0) < FAQ_GUESS
    return _intent(tracker) not in NOT_ANSWERS


def _told_before(tracker: Tracker) -> Optional[str]:
    """The person's message just before the latest one, if it told of a cancer rather than asked about one ("i have
    melanoma that spread to my lymph nodes", answered as a FAQ question) and speaks of the same person as the latest
    (not "does a biopsy spread breast cancer?" before "any trials for my dad?")."""
    said = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    if len(said) < 2 or is_question(said[-2]) or not cancer_mentions(said[-2]):
        return None
    latest = read_sex(said[-1])
    return said[-2] if latest is None or latest == read_sex(said[-2]) else None


def _about_search(tracker: Tracker) -> bool:
    """Whether the latest message gives search details (not, say, a FAQ question mid-form)."""
    return _intent(tracker) in DETAIL_INTENTS or answers_the_question(tracker)


def _only_other_details(text: str) -> bool:
    """Whether the text is only an age or a ZIP code (an answer to another of the form's questions)."""
    return bool(re.fullmatch(r"\s*\d{1,5}\s*(?:years?|yrs?|yo|y/o)?\s*(?:old)?[.!]?\s*", text, re.I))


def _expecting(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot and _about_search(tracker)


class _AskFor(Action):
    """Asks the search form's next question."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        dispatcher.utter_message(text=QUESTIONS[self.slot])
        return []


class ActionAskCondition(_AskFor):
    """Asks for the cancer type."""

    slot = "condition"


class ActionAskAge(_AskFor):
    """Asks for the age of the person the trial is for."""

    slot = "age"


class ActionAskLocation(_AskFor):
    """Asks where the person lives."""

    slot = "location"


async def _names_other_details(text: str) -> bool:
    """Whether the text gives the cancer or the place (which its own extraction takes)."""
    return bool(cancer_mentions(text)) or await asyncio.to_thread(service().find_place, text, False) is not None


class ValidateTrialSearchForm(FormValidationAction):
    """Takes everything given at once ("I'm 34 with breast cancer in 77030") and checks each part."""

    def name(self) -> str:
        return "validate_trial_search_form"

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> List[Dict[str, Any]]:
        """The form's details, plus who the trial is for when the message says it ("my husband", "34F")."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        sex = read_sex(_text(tracker)) if _about_search(tracker) else None
        return [*events, SlotSet("sex", sex)] if sex else events

    async def extract_condition(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict:
        if not _about_search(tracker):
            return {}
        text, expecting = _text(tracker), _expecting(tracker, "condition")
        if expecting and _only_other_details(text):
            return {}  # "47" or "Chicago, IL" answers another question, not this one
        found = await asyncio.to_thread(service().condition_in, text, expecting)
        if found is not None and set(found.lower().split()) <= GENERIC_HEADS:
            if expecting:  # "like a clinical trial for cancer lol": say why the kind is needed, and ask again
                dispatcher.utter_message(text=texts.NEED_A_KIND)
                return {"condition": None}
            found = None  # "my partner has been fighting cancer … any trials?": the form asks which cancer
        if found is not None:  # "lung cancer … It's non-small cell": a kind said in another sentence of the message
            found = await asyncio.to_thread(service().refined, found, text) or found
        previous = tracker.get_slot("condition")
        if found is None and previous and not expecting:  # "I should have said, it's non-small cell"
            found = await asyncio.to_thread(service().refined, str(previous), text)
        if found is None and expecting and text.strip() and not cancer_mentions(text):
            found = text.strip()  # unknown: validate_condition says so kindly
        told = _told_before(tracker) if found is None and not previous and _intent(tracker) == "search_trials" else None
        if told:  # "i have melanoma that spread …", then "is there anything experimental i could try": not asked again
            found = await asyncio.to_thread(service().condition_in, told)
            found = None if found and set(found.lower().split()) <= GENERIC_HEADS else found
        return {"condition": found} if found else {}

    async def extract_age(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict:
        if not _about_search(tracker):
            return {}
        text, expecting = _text(tracker), _expecting(tracker, "age")
        age = read_age(text, expecting=expecting)
        if age is None and expecting and not await _names_other_details(text):
            # No age in the answer to "How old…?": say why it is asked, and ask again (without a slot event the
            # form would give up on the turn, and the person would get "did you mean …?").
            dispatcher.utter_message(text=texts.NEED_AN_AGE)
            return {"age": None}
        return {"age": age.value} if age else {}

    async def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict:
        if not _about_search(tracker):
            return {}
        text, expecting = _text(tracker), _expecting(tracker, "location")
        before = tracker.get_slot("location")  # a correction: "actually we're in Brandon" after Winnipeg
        found = await asyncio.to_thread(service().find_place, text, expecting, str(before) if before else None)
        if found is not None:
            return {"location": found.place.name}
        place = read_place(text, expecting=expecting) if expecting else None
        if place is None and expecting and read_age(text) is None and not cancer_mentions(text):
            # No place in the answer to "Where do you live?": say why it is asked, and ask again (as for the age:
            # without a slot event the form would give up on the turn).
            dispatcher.utter_message(text=texts.NEED_A_PLACE)
            return {"location": None}
        return {"location": place} if place else {}

    async def validate_condition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict:
        if value is None:
            return {"condition": None}  # no cancer type given (said so in extract_condition): the form asks again
        known = await asyncio.to_thread(service().condition_in, str(value), True)
        if known is None:
            dispatcher.utter_message(text=texts.unknown_condition(str(value)))
            return {"condition": None}
        return {"condition": str(value)}

    async def validate_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict:
        if value is None:
            return {"age": None}  # no age given (said so in extract_age): the form asks again
        age = float(value)
        if not 0 <= age <= 120:
            dispatcher.utter_message(text=texts.not_an_age(age))
            return {"age": None}
        return {"age": age}

    async def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict:
        if value is None:
            return {"location": None}  # no place given (said so in extract_location): the form asks again
        return await located(value, dispatcher)


async def located(value: Any, dispatcher: CollectingDispatcher) -> Dict:
    """The place slots for a ZIP code or city the person gave, or a kind second ask if it is unknown."""
    place = await asyncio.to_thread(service().locate, str(value))
    if place is None:
        dispatcher.utter_message(text=texts.not_on_the_map(str(value)))
        return {"location": None}
    return {
        "location": str(value),
        "location_name": place.name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "search_radius": DEFAULT_RADIUS,
    }


def _request(tracker: Tracker, radius: Optional[float] = None, offset: int = 0) -> Optional[SearchRequest]:
    condition, latitude, longitude = (tracker.get_slot(s) for s in ("condition", "latitude", "longitude"))
    if not condition or latitude is None or longitude is None:
        return None
    return SearchRequest(
        condition=condition,
        age=tracker.get_slot("age"),
        sex=tracker.get_slot("sex"),
        latitude=float(latitude),
        longitude=float(longitude),
        radius_miles=radius or float(tracker.get_slot("search_radius") or DEFAULT_RADIUS),
        offset=offset,
    )


def _wider(radius: float) -> Optional[float]:
    return next((step for step in WIDER_STEPS if step > radius), None)


async def present_search(
    dispatcher: CollectingDispatcher, tracker: Tracker, request: SearchRequest, announce: bool
) -> List[Dict[str, Any]]:
    """Run a search and say the results (or that there are none) the way the guide describes."""
    try:
        if await asyncio.to_thread(service().trial_count) == 0:
            dispatcher.utter_message(text=UNAVAILABLE)
            return []
        results = await asyncio.to_thread(service().search, request)
    except SQLAlchemyError:
        logger.exception("Trial search failed")
        dispatcher.utter_message(text=UNAVAILABLE)
        return []
    place = str(tracker.get_slot("location_name") or tracker.get_slot("location"))
    if announce:
        dispatcher.utter_message(text=texts.searching(request.condition, request.radius_miles, place, request.age))
    wider = _wider(request.radius_miles)
    events: List[Dict[str, Any]] = []
    general = None
    if not results.matches:
        unknown = results.condition is not None and results.condition.is_empty  # no trial anywhere is for it
        general = _general_name(request.condition, unknown)
    if general and general.endswith(" cancer"):
        # The same cancer by its organ's name ("muscle invasive bladder cancer" → "bladder cancer"): searched instead,
        # and said so; the person's own name stays the one remembered (a correction of the place keeps it, and "show
        # more" comes back here).
        broader = dataclasses.replace(request, condition=general)
        found = await asyncio.to_thread(service().search, broader)
        if found.matches:
            if not request.offset:
                dispatcher.utter_message(
                    text=texts.broader_instead(request.condition, general, request.radius_miles, place)
                )
            request, results, general = broader, found, None
    if not results.matches:
        if request.offset:
            dispatcher.utter_message(text=texts.ALL_SHOWN)
            return []
        await _say_nearest(dispatcher, request, place, broader_tip=not general)
        if general:
            await _offer_family(dispatcher, request, general, place)
        return [SlotSet("result_ids", []), SlotSet("search_offset", 0), SlotSet("search_radius", request.radius_miles)]
    first = request.offset + 1
    dispatcher.utter_message(text=presenting.results_message(results.matches, first, results.total))
    buttons = [{"title": f"Tell me more about {first}", "payload": f"tell me more about {first}"}]
    shown = request.offset + len(results.matches)
    if shown < results.total:
        buttons.append({"title": "Show more", "payload": "show more"})
    elif wider:
        buttons.append({"title": "Search farther", "payload": f"search within {wider:g} miles"})
    wanted = bool(tracker.get_slot(alerts.WANTED_SLOT))
    if not request.offset and not wanted:
        buttons.append({"title": alert_texts.say("offer_button"), "payload": alert_texts.OFFER})
    dispatcher.utter_message(text=presenting.ELIGIBILITY_REMINDER, buttons=buttons)
    if not request.offset:
        remembering.ask_to_remember(dispatcher, tracker)
    if wanted:  # they asked for alerts before searching: the offer comes with the results
        events.extend(await asyncio.to_thread(alerts.offer, dispatcher, tracker, request))
    earlier = list(tracker.get_slot("result_ids") or []) if request.offset else []
    ids = earlier[: request.offset] + [m.trial.nct_id for m in results.matches]
    return [
        *events,
        SlotSet("result_ids", ids),
        SlotSet("search_offset", shown),
        SlotSet("search_radius", request.radius_miles),
    ]


_FAMILIES = ("sarcoma", "lymphoma", "leukemia", "melanoma", "glioma")
"""Heads that are a family's general name: "mantle cell lymphoma" → "lymphoma", "liposarcoma" → "sarcoma"."""
_SMALL_CELL = re.compile(r"(?<!non)(?<!non )(?<!non-)\bsmall\s+cell\b", re.IGNORECASE)
"""Small cell lung cancer, not non-small cell: never widened to "lung cancer" (a disease of its own)."""


def _general_name(condition: str, unknown: bool = False) -> Optional[str]:
    """The general name of a specific cancer ("muscle invasive bladder cancer" → "bladder cancer"): its
    last two words when they are a body part and "cancer", and the name has more; else None. When no
    stored trial is for the name at all (`unknown`), also the family of a named lymphoma, sarcoma,
    leukemia, melanoma or glioma ("liposarcoma" → "sarcoma"); a name some trial is for, farther away,
    gets that trial's distance instead ("hodgkin lymphoma" is not any lymphoma)."""
    words = condition.split()
    if words and words[-1] != "cancer":
        family = next((f for f in _FAMILIES if words[-1].endswith(f)), None)
        return family if unknown and family and condition != family else None
    if len(words) <= 2 or words[-1] != "cancer" or words[-2] in {"cell", "invasive", "negative", "positive"}:
        return None
    if _SMALL_CELL.search(condition):
        return None  # small cell lung cancer is a disease of its own: "lung cancer" trials are mostly non-small cell
    return " ".join(words[-2:])


async def _offer_family(dispatcher: CollectingDispatcher, request: SearchRequest, family: str, place: str) -> None:
    """No trial anywhere is for a named lymphoma, sarcoma… ("liposarcoma"): offer the family's trials near the person
    ("sarcoma"), if there are any, as a button rather than as their results — a sarcoma trial may or may not take
    liposarcoma."""
    try:
        found = await asyncio.to_thread(service().search, dataclasses.replace(request, condition=family, offset=0))
    except SQLAlchemyError:
        logger.exception("Trial search failed")
        return
    if found.matches:
        dispatcher.utter_message(
            text=texts.broader_offer(request.condition, family, place),
            buttons=[{"title": texts.broader_button(family), "payload": texts.broader_payload(family)}],
        )


async def _say_nearest(
    dispatcher: CollectingDispatcher, request: SearchRequest, place: str, broader_tip: bool = True
) -> None:
    """Nothing within the radius: say how far the nearest open match is and offer to search that far."""
    farther = dataclasses.replace(request, radius_miles=FARTHEST, offset=0)
    try:
        nearest = (await asyncio.to_thread(service().search, farther)).matches[:1]
    except SQLAlchemyError:
        logger.exception("Trial search failed")
        nearest = []
    if not nearest or nearest[0].distance_miles is None:
        dispatcher.utter_message(text=texts.nothing_near(request.condition, request.radius_miles, place, broader_tip))
        return
    match = nearest[0]
    miles = float(match.distance_miles or 0.0)
    reach = float(math.ceil((miles + 1) / 10.0) * 10)  # "within 150 miles" covers a site 141 miles away
    where = presenting.site_place(match.site) or "another city"
    dispatcher.utter_message(
        text=texts.nearest_farther(request.condition, request.radius_miles, place, miles, where, match.trial.nct_id),
        buttons=[{"title": texts.search_within(reach), "payload": f"search within {reach:g} miles"}],
    )


class ActionSearchTrials(Action):
    """Searches with what the form collected and lists the best matches."""

    def name(self) -> str:
        return "action_search_trials"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        request = _request(tracker)
        if request is None:
            dispatcher.utter_message(text=QUESTIONS["location"])
            return []
        return await present_search(dispatcher, tracker, request, announce=True)


class ActionShowMoreTrials(Action):
    """The next page of the same search."""

    def name(self) -> str:
        return "action_show_more_trials"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        request = _request(tracker, offset=int(tracker.get_slot("search_offset") or 0))
        if request is None or not tracker.get_slot("result_ids"):
            dispatcher.utter_message(text=SEARCH_FIRST)
            return []
        return await present_search(dispatcher, tracker, request, announce=False)


class ActionWidenSearch(Action):
    """The same search over a bigger area ("search within 250 miles", "look farther")."""

    def name(self) -> str:
        return "action_widen_search"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        current = float(tracker.get_slot("search_radius") or DEFAULT_RADIUS)
        radius = read_radius_miles(_text(tracker)) or _wider(current) or WIDER_STEPS[-1]
        request = _request(tracker, radius=radius)
        if request is None:
            dispatcher.utter_message(text=SEARCH_FIRST)
            return []
        return await present_search(dispatcher, tracker, request, announce=True)


class ActionExplainTrial(Action):
    """A plain summary of one result: key eligibility points, nearest site and contact, the link."""

    def name(self) -> str:
        return "action_explain_trial"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict[str, Any]]:
        ids = list(tracker.get_slot("result_ids") or [])
        nct_id = read_nct_id(_text(tracker))
        position = read_position(_text(tracker))
        if nct_id is None and ids and position is not None:
            index = len(ids) - 1 if position == -1 else position - 1
            nct_id = ids[index] if 0 <= index < len(ids) else None
            if nct_id is None:
                dispatcher.utter_message(text=f"I've listed {len(ids)} trials so far. Which number would you like?")
                return []
        if nct_id is None:
            dispatcher.utter_message(text="Which trial? Send its number from the list, or its NCT id.")
            return []
        view = await asyncio.to_thread(
            service().view, nct_id, tracker.get_slot("latitude"), tracker.get_slot("longitude")
        )
        if view is None:
            dispatcher.utter_message(
                text=f"I couldn't find {nct_id}. You can look it up at {presenting.study_url(nct_id)}"
            )
            return []
        dispatcher.utter_message(text=presenting.details_message(view.trial, view.site, view.distance_miles))
        dispatcher.utter_message(text=presenting.ELIGIBILITY_REMINDER)
        return []
