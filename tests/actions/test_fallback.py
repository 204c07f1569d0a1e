from rasa_sdk import Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import REASON, ActionSuggestTopics, catalog
from bot.faq.suggestions import STARTER_TOPICS, closest_topics
from bot.nlu.search_turns import search_intent


def _tracker(intents: list, ranking: list = (), text: str = "…") -> Tracker:  # type: ignore[assignment]
    events = []
    for name in intents:
        events.append({"event": "user", "text": "…", "parse_data": {"intent": {"name": name}}})
        events.append({"event": "action", "name": "action_listen"})
    latest = {"text": text, "intent": {"name": intents[-1]}, "response_selector": {"faq": {"ranking": list(ranking)}}}
    return Tracker("c1", {}, latest, events, False, None, {}, "action_listen")


RANKING = [
    {"intent_response_key": "faq/placebo", "confidence": 0.31},
    {"intent_response_key": "faq/blinding", "confidence": 0.22},
    {"intent_response_key": "faq/placebo", "confidence": 0.1},
    {"intent_response_key": "faq/no_such_topic", "confidence": 0.05},
    {"intent_response_key": "faq/randomization", "confidence": 0.04},
    {"intent_response_key": "faq/benefits", "confidence": 0.03},
]


async def test_first_miss_suggests_the_closest_topics() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSuggestTopics().run(dispatcher, _tracker(["greet", "nlu_fallback"], RANKING), {})
    assert events == []
    [message] = dispatcher.messages
    assert "not sure I understood" in message["text"]
    assert [b["title"] for b in message["buttons"]] == [
        catalog().get(i).title for i in ("placebo", "blinding", "randomization")
    ]
    assert message["buttons"][0]["payload"] == catalog().get("placebo").canonical_question


async def test_a_message_that_names_a_cancer_also_gets_a_button_for_the_search() -> None:
    text = "We just left my wife's appointment for her ovarian cancer. The doctor mentioned a study, I have no clue."
    dispatcher = CollectingDispatcher()
    await ActionSuggestTopics().run(dispatcher, _tracker(["nlu_fallback"], RANKING, text), {})
    [message] = dispatcher.messages
    titles = [b["title"] for b in message["buttons"]]
    assert titles[:3] == [catalog().get(i).title for i in ("placebo", "blinding", "randomization")]
    assert message["buttons"][3] == {
        "title": "Find trials for ovarian cancer",
        "payload": "find trials for ovarian cancer",
    }
    # The button's words start a search when sent back (bot/nlu/search_turns.py).
    assert search_intent(message["buttons"][3]["payload"], "faq", None, searched=False, unsure=True) == "search_trials"


async def test_as_rasas_core_fallback_it_takes_the_message_back_out_of_the_dialogue() -> None:
    # No rule fits the turn (the model read "inform", the form could not use it): without the revert, the same turn
    # predicts this action again and again (ten "not sure" replies to one message, then a person is called in).
    dispatcher = CollectingDispatcher()
    events = await ActionSuggestTopics().run(dispatcher, _tracker(["greet", "inform"], RANKING), {})
    assert events == [UserUtteranceReverted()]
    assert len(dispatcher.messages) == 1


async def test_without_a_ranking_it_suggests_starter_topics() -> None:
    dispatcher = CollectingDispatcher()
    await ActionSuggestTopics().run(dispatcher, _tracker(["nlu_fallback"]), {})
    [message] = dispatcher.messages
    assert [b["title"] for b in message["buttons"]] == [catalog().get(i).title for i in STARTER_TOPICS]


async def test_second_miss_in_a_row_asks_for_a_person() -> None:
    dispatcher = CollectingDispatcher()
    await ActionSuggestTopics().run(dispatcher, _tracker(["nlu_fallback", "nlu_fallback"], RANKING), {})
    message, signal = dispatcher.messages
    assert "still not sure" in message["text"] and "person from our team" in message["text"]
    assert signal["custom"] == {"handoff": {"reason": REASON, "priority": "normal"}}


async def test_first_miss_does_not_ask_for_a_person() -> None:
    dispatcher = CollectingDispatcher()
    await ActionSuggestTopics().run(dispatcher, _tracker(["nlu_fallback"], RANKING), {})
    assert all("custom" not in m or not m["custom"] for m in dispatcher.messages)


def test_closest_topics_skips_unknown_and_repeated_keys() -> None:
    topics = closest_topics(catalog(), RANKING, limit=5)
    assert [t.id for t in topics] == ["placebo", "blinding", "randomization", "benefits"]
