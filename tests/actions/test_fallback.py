from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionSuggestTopics


def _tracker(intents: list) -> Tracker:
    events = []
    for name in intents:
        events.append({"event": "user", "text": "…", "parse_data": {"intent": {"name": name}}})
        events.append({"event": "action", "name": "action_listen"})
    latest = events[-2]["parse_data"] if events else {}
    return Tracker("c1", {}, latest, events, False, None, {}, "action_listen")


async def test_first_miss_asks_to_rephrase_with_buttons() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSuggestTopics().run(dispatcher, _tracker(["greet", "nlu_fallback"]), {})
    assert events == []
    [message] = dispatcher.messages
    assert "another way" in message["text"]
    assert message["buttons"], "the fallback suggests what the person can ask"


async def test_second_miss_in_a_row_explains_what_the_bot_can_do() -> None:
    dispatcher = CollectingDispatcher()
    await ActionSuggestTopics().run(dispatcher, _tracker(["nlu_fallback", "nlu_fallback"]), {})
    [message] = dispatcher.messages
    assert "automated assistant" in message["text"]
    assert "another way" not in message["text"]
