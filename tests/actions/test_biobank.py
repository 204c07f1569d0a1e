"""The biobank actions with tracker fixtures and a dispatcher, on the snapshot database."""

import re
from typing import Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import biobank, trials

SOURCE = re.compile(r"^Source: https://\S+$", re.M)
MILES = re.compile(r" — (less than a mile|[\d,]+ miles) — ")


@pytest.fixture
def on_snapshot(monkeypatch, snapshot_database_url):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", snapshot_database_url)
    trials.service.cache_clear()
    biobank.biobank.cache_clear()
    yield
    trials.service.cache_clear()
    biobank.biobank.cache_clear()


def _tracker(
    text: str, intent: str, slots: Optional[dict] = None, requested: Optional[str] = None, faq_confidence: float = 0.95
) -> Tracker:
    values = dict(slots or {})
    values["requested_slot"] = requested
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    if intent == "faq":  # how sure the model is of the FAQ topic it picked
        latest["response_selector"] = {"faq": {"response": {"confidence": faq_confidence}}}
    loop = {"name": "donation_place_form"} if requested else {}
    return Tracker("b1", values, latest, [], False, None, loop, "action_listen")


DOMAIN = {
    "forms": {"donation_place_form": {"required_slots": ["location"]}},
    "slots": {s: {"type": "any"} for s in ("location", "location_name", "latitude", "longitude", "search_radius")},
}
HOUSTON = {"location": "77030", "location_name": "Houston, TX 77030", "latitude": 29.7041, "longitude": -95.401}


def _texts(dispatcher: CollectingDispatcher) -> list:
    return [m["text"] for m in dispatcher.messages]


def _miles(line: str) -> float:
    found = MILES.search(line).group(1)
    return 0.5 if found == "less than a mile" else float(found.split()[0].replace(",", ""))


async def test_how_to_donate_gives_both_ways_with_sources(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await biobank.ActionExplainDonating().run(dispatcher, _tracker("how do i donate", "donate_how"), {})
    assert events == []
    why, hospital, moonshot, last = _texts(dispatcher)
    for text in (why, hospital, moonshot):
        assert SOURCE.search(text), text
    assert "ask your surgeon or care team" in hospital.lower()
    assert "Cancer Moonshot Biobank (NCT04314401)" in moonshot
    assert "costs nothing" in moonshot and "tumor tissue" in moonshot and "blood" in moonshot
    assert "You and your doctor can get the results" in moonshot
    assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]][:2] == ["/donate_eligibility", "/donate_where"]


async def test_eligibility_uses_what_the_search_already_knows(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    slots = {"condition": "breast cancer", "age": 34.0}
    events = await biobank.ActionCheckDonationEligibility().run(
        dispatcher, _tracker("can i donate?", "donate_eligibility", slots), {}
    )
    assert events == []  # nothing new was said, so nothing changes
    criteria, decides = _texts(dispatcher)
    assert "You said 34, so this part fits." in criteria
    assert "You told me breast cancer: breast cancer is on the list (stage 3 or 4)." in criteria
    assert "Source: https://clinicaltrials.gov/study/NCT04314401" in criteria
    assert decides.startswith("Only the study team can decide if you can join.")
    assert "If you tell me the cancer type and age" not in "\n".join(_texts(dispatcher))


async def test_eligibility_keeps_details_given_in_the_question(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await biobank.ActionCheckDonationEligibility().run(
        dispatcher, _tracker("can i donate? I'm 52 with ovarian cancer", "donate_eligibility"), {}
    )
    assert SlotSet("age", 52.0) in events and SlotSet("condition", "ovarian cancer") in events
    assert "ovarian cancer (high-grade serous) is on the list" in _texts(dispatcher)[0]


async def test_eligibility_without_details_lists_everything_and_invites_them(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await biobank.ActionCheckDonationEligibility().run(
        dispatcher, _tracker("can i donate blood", "donate_eligibility"), {}
    )
    assert events == []  # "blood" alone is not a cancer type
    texts = _texts(dispatcher)
    assert "multiple myeloma" in texts[0] and "You told me" not in texts[0]
    assert "If you tell me the cancer type and age" in texts[-1]


async def test_a_cancer_not_on_the_list_is_said_plainly(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    slots = {"condition": "hodgkin lymphoma", "age": 10.0}
    tracker = _tracker("can i donate", "donate_eligibility", slots)
    await biobank.ActionCheckDonationEligibility().run(dispatcher, tracker, {})
    criteria = _texts(dispatcher)[0]
    assert "You said 10, which is under this study's age limit." in criteria
    assert "You told me hodgkin lymphoma, and I don't see it on this list." in criteria
    assert "your own hospital's biobank may be" in _texts(dispatcher)[1]


async def test_place_form_takes_the_place_from_the_question(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await biobank.ValidateDonationPlaceForm().run(
        dispatcher, _tracker("where can I donate near Boston, MA", "donate_where"), DOMAIN
    )
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["location"] == "Boston, MA" and slots["location_name"] == "Boston, MA"
    assert 42 < slots["latitude"] < 43


async def test_place_form_asks_again_for_an_unknown_place_and_ignores_questions(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await biobank.ValidateDonationPlaceForm().run(
        dispatcher, _tracker("Xyzzyville", "faq", requested="location", faq_confidence=0.04), DOMAIN
    )
    assert SlotSet("location", None) in events
    assert "couldn't find “Xyzzyville”" in dispatcher.messages[0]["text"]

    dispatcher = CollectingDispatcher()
    events = await biobank.ValidateDonationPlaceForm().run(
        dispatcher, _tracker("what is a biobank", "faq", requested="location"), DOMAIN
    )
    assert not [e for e in events if e["event"] == "slot" and e["name"] == "location"]


async def test_places_come_nearest_first_with_miles_and_an_honest_note(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await biobank.ActionShowDonationPlaces().run(dispatcher, _tracker("where", "donate_where", HOUSTON), {})
    assert events == []
    centers, studies, note = _texts(dispatcher)
    lines = [line for line in centers.splitlines() if re.match(r"^\d\. ", line)]
    assert len(lines) == 3 and "Houston, TX" in lines[0]
    assert [_miles(line) for line in lines] == sorted(_miles(line) for line in lines)
    assert "Source: https://www.cancer.gov/research/infrastructure/cancer-centers/find" in centers
    assert "within 300 miles of Houston, TX 77030" in studies
    assert "may be incomplete" in note and "ask your care team" in note and SOURCE.search(note)


async def test_places_list_sample_keeping_studies_near_boston(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    boston = {"location": "Boston, MA", "location_name": "Boston, MA", "latitude": 42.3584, "longitude": -71.0598}
    await biobank.ActionShowDonationPlaces().run(dispatcher, _tracker("where", "donate_where", boston), {})
    centers, studies, _ = _texts(dispatcher)
    assert centers.splitlines()[1].startswith("1. Dana-Farber/Harvard Cancer Center — Boston, MA")
    assert "NCT03141021" in studies and "Source: https://clinicaltrials.gov/study/NCT03141021" in studies


async def test_places_without_a_place_ask_for_one(on_snapshot) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    await biobank.ActionShowDonationPlaces().run(dispatcher, _tracker("where", "donate_where"), {})
    assert _texts(dispatcher) == [trials.QUESTIONS["location"]]


async def test_centers_are_still_listed_when_the_trial_tables_cannot_be_read(monkeypatch, new_database) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", new_database())  # not migrated
    trials.service.cache_clear()
    biobank.biobank.cache_clear()
    try:
        dispatcher = CollectingDispatcher()
        await biobank.ActionShowDonationPlaces().run(dispatcher, _tracker("where", "donate_where", HOUSTON), {})
    finally:
        trials.service.cache_clear()
        biobank.biobank.cache_clear()
    centers, note = _texts(dispatcher)  # no word about studies it could not read
    assert "Houston, TX" in centers.splitlines()[1] and "may be incomplete" in note
