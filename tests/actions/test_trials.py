"""The trial-search actions with tracker fixtures and a dispatcher, on real databases."""

from typing import Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import trials
from bot.trials import texts


@pytest.fixture
def use_database(monkeypatch):  # type: ignore[no-untyped-def]
    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        trials.service.cache_clear()

    yield use
    trials.service.cache_clear()


def _tracker(
    text: str,
    intent: str = "search_trials",
    slots: Optional[dict] = None,
    requested: Optional[str] = None,
    faq_confidence: float = 0.95,
) -> Tracker:
    values = dict(slots or {})
    values["requested_slot"] = requested
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    if intent == "faq":  # how sure the model is of the FAQ topic it picked
        latest["response_selector"] = {"faq": {"response": {"confidence": faq_confidence}}}
    return Tracker("t1", values, latest, [], False, None, {"name": "trial_search_form"}, "action_listen")


DOMAIN = {
    "forms": {"trial_search_form": {"required_slots": ["condition", "age", "location"]}},
    "slots": {
        s: {"type": "any"}
        for s in ("condition", "age", "location", "location_name", "latitude", "longitude", "search_radius")
    },
}


async def test_everything_given_at_once_fills_the_whole_form(use_database, snapshot_database_url) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    events = await trials.ValidateTrialSearchForm().run(
        dispatcher, _tracker("I'm 34 with breast cancer in 77030"), DOMAIN
    )
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["condition"] == "breast cancer"
    assert slots["age"] == 34.0
    assert slots["location"] == slots["location_name"] == "Houston, TX 77030"  # the place as the map names it
    assert 29 < slots["latitude"] < 30 and -96 < slots["longitude"] < -95
    assert dispatcher.messages == []


async def test_impossible_age_and_unknown_place_are_asked_again(use_database, snapshot_database_url) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    events = await trials.ValidateTrialSearchForm().run(
        dispatcher, _tracker("250", intent="inform", slots={"condition": "lymphoma"}, requested="age"), DOMAIN
    )
    assert SlotSet("age", None) in events
    assert "doesn't look like an age" in dispatcher.messages[0]["text"]

    dispatcher = CollectingDispatcher()
    events = await trials.ValidateTrialSearchForm().run(
        dispatcher,
        _tracker("Xyzzyville", intent="inform", slots={"condition": "lymphoma", "age": 30.0}, requested="location"),
        DOMAIN,
    )
    assert SlotSet("location", None) in events
    assert "couldn't find “Xyzzyville”" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [("do I have to pay for a trial?", "faq"), ("can I talk to a real person", "human_handoff"), ("help", "help")],
)
async def test_questions_and_requests_mid_form_are_not_taken_as_answers(text, intent) -> None:  # type: ignore[no-untyped-def]
    tracker = _tracker(text, intent=intent, slots={"condition": "breast cancer", "age": 41.0}, requested="location")
    assert not trials._about_search(tracker)


async def test_a_question_mid_form_is_not_taken_as_an_answer(use_database, snapshot_database_url) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    events = await trials.ValidateTrialSearchForm().run(
        dispatcher, _tracker("what is a placebo", intent="faq", requested="condition"), DOMAIN
    )
    assert not [e for e in events if e["event"] == "slot" and e["name"] == "condition"]
    assert dispatcher.messages == []


async def test_an_unknown_word_the_model_files_as_a_faq_guess_is_still_an_answer(
    use_database, snapshot_database_url
) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    slots = {"condition": "breast cancer", "age": 41.0}
    tracker = _tracker("Xyzzyville", intent="faq", slots=slots, requested="location", faq_confidence=0.04)
    events = await trials.ValidateTrialSearchForm().run(dispatcher, tracker, DOMAIN)
    assert SlotSet("location", None) in events
    assert "couldn't find “Xyzzyville”" in dispatcher.messages[0]["text"]


async def test_empty_database_says_search_is_unavailable(use_database, database_url) -> None:  # type: ignore[no-untyped-def]
    use_database(database_url)
    dispatcher = CollectingDispatcher()
    slots = {"condition": "breast cancer", "age": 40.0, "latitude": 29.7, "longitude": -95.4, "location": "77030"}
    events = await trials.ActionSearchTrials().run(dispatcher, _tracker("go", slots=slots), {})
    assert events == []
    [message] = dispatcher.messages
    assert "trial search is unavailable right now" in message["text"]
    assert "1-800-4-CANCER" in message["text"]


async def test_a_place_answer_does_not_change_the_cancer_type(use_database, snapshot_database_url) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    slots = {"condition": "lung cancer", "age": 60.0}
    events = await trials.ValidateTrialSearchForm().run(
        dispatcher, _tracker("Chicago, IL", intent="inform", slots=slots, requested="location"), DOMAIN
    )
    changed = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert "condition" not in changed or changed["condition"] == "lung cancer"
    assert changed["location_name"] == "Chicago, IL"


@pytest.mark.parametrize("intent", ["greet", "faq"])
async def test_an_answer_the_model_mistakes_for_something_else_is_still_an_answer(
    use_database, snapshot_database_url, intent
) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    slots = {"condition": "breast cancer", "age": 41.0}
    events = await trials.ValidateTrialSearchForm().run(
        dispatcher,
        _tracker("Xyzzyville", intent=intent, slots=slots, requested="location", faq_confidence=0.05),
        DOMAIN,
    )
    assert SlotSet("location", None) in events
    assert "couldn't find “Xyzzyville”" in dispatcher.messages[0]["text"]


async def test_an_answer_to_how_old_without_an_age_says_why_and_is_asked_again(  # type: ignore[no-untyped-def]
    use_database, snapshot_database_url
) -> None:
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    tracker = _tracker(
        "ok can you just help us look", intent="inform", slots={"condition": "melanoma"}, requested="age"
    )
    events = await trials.ValidateTrialSearchForm().run(dispatcher, tracker, DOMAIN)
    assert SlotSet("age", None) in events  # a slot event: the form goes on and asks "How old…?" again
    assert [m["text"] for m in dispatcher.messages] == [texts.NEED_AN_AGE]


@pytest.mark.parametrize("answer", ["like a clinical trial for cancer lol", "a tumor", "cancer"])
async def test_an_answer_to_which_cancer_without_a_kind_says_why_and_is_asked_again(  # type: ignore[no-untyped-def]
    use_database, snapshot_database_url, answer
) -> None:
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    tracker = _tracker(answer, intent="inform", slots={}, requested="condition")
    events = await trials.ValidateTrialSearchForm().run(dispatcher, tracker, DOMAIN)
    assert SlotSet("condition", None) in events  # a slot event: the form goes on and asks "What kind…?" again
    assert [m["text"] for m in dispatcher.messages] == [texts.NEED_A_KIND]


async def test_an_answer_to_which_cancer_with_a_kind_is_taken(use_database, snapshot_database_url) -> None:  # type: ignore[no-untyped-def]
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    tracker = _tracker("i have ALL (acute lymphoblastic leukemia)", intent="inform", slots={}, requested="condition")
    events = await trials.ValidateTrialSearchForm().run(dispatcher, tracker, DOMAIN)
    changed = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert "leukemia" in str(changed.get("condition"))
    assert dispatcher.messages == []


async def test_an_answer_to_where_without_a_place_says_why_and_is_asked_again(  # type: ignore[no-untyped-def]
    use_database, snapshot_database_url
) -> None:
    use_database(snapshot_database_url)
    dispatcher = CollectingDispatcher()
    text = "She asked me to help her figure out whether a trial makes sense. Any studies open to her?"
    tracker = _tracker(text, intent="inform", slots={"condition": "melanoma", "age": 23.0}, requested="location")
    events = await trials.ValidateTrialSearchForm().run(dispatcher, tracker, DOMAIN)
    assert SlotSet("location", None) in events  # a slot event: the form goes on and asks "Where…?" again
    assert [m["text"] for m in dispatcher.messages] == [texts.NEED_A_PLACE]


@pytest.mark.parametrize(
    ("condition", "unknown", "general"),
    [
        ("muscle invasive bladder cancer", False, "bladder cancer"),
        ("breast cancer", False, None),
        ("liposarcoma", True, "sarcoma"),
        ("mantle cell lymphoma", True, "lymphoma"),
        ("hodgkin lymphoma", False, None),  # trials for it exist farther away: their distance is said instead
        ("lymphoma", True, None),
        ("small cell lung cancer", False, None),  # a disease of its own: "lung cancer" trials are non-small cell ones
        ("extensive stage small cell lung cancer", False, None),
        ("squamous nonsmall cell lung cancer", False, "lung cancer"),
    ],
)
def test_the_general_name_tried_when_nothing_is_near(condition: str, unknown: bool, general: Optional[str]) -> None:
    assert trials._general_name(condition, unknown) == general


def _tracker_after(before: str, text: str) -> Tracker:
    """A tracker whose latest message `text` (starting a search) came right after `before`."""
    tracker = _tracker(text)
    tracker.events = [{"event": "user", "text": before}, {"event": "user", "text": text}]
    return tracker


async def test_a_cancer_told_in_the_message_before_the_search_is_not_asked_again(  # type: ignore[no-untyped-def]
    use_database, snapshot_database_url
) -> None:
    use_database(snapshot_database_url)
    form = trials.ValidateTrialSearchForm()
    told = "not sure this is the place but i have melanoma on my back that spread to my lymph nodes"
    events = await form.run(
        CollectingDispatcher(), _tracker_after(told, "is there anything experimental i could try"), DOMAIN
    )
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"}.get("condition") == "melanoma"
    # Not a question about a cancer, nor a cancer told of somebody else than the one the trials are now for.
    for before, text in (
        ("does a biopsy spread breast cancer?", "ok, any trials for me?"),
        ("my wife has ovarian cancer", "are there trials for my dad?"),
    ):
        events = await form.run(CollectingDispatcher(), _tracker_after(before, text), DOMAIN)
        assert "condition" not in {e["name"] for e in events if e["event"] == "slot"}, before
