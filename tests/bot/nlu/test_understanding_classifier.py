"""The Rasa component: trained and loaded through Rasa's model storage, it writes what Rasa's actions read.

Rasa (and with it TensorFlow) is imported by the tests here, not when the module is collected: every
`make test-fast` worker collects every module, and only the worker that runs these should pay for it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict

import pytest

from bot.nlu.model import Reading

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.classifier import UnderstandingClassifier

EXAMPLES = {
    "faq/placebo": ["what is a placebo", "sugar pill?", "will i get a fake pill", "placebo meaning", "dummy pill"],
    "faq/costs": ["who pays for the trial", "how much does it cost", "will insurance cover it", "is it free", "bills"],
    "greet": ["hi", "hello there", "hey", "good morning", "hiya"],
}
RESPONSES = {
    "utter_faq/placebo": [{"text": "A placebo is ..."}],
    "utter_faq/costs": [{"text": "Costs ..."}],
}


def _message(data: Dict[str, Any]) -> Message:
    from rasa.shared.nlu.training_data.message import Message

    return Message(data=data)


def _training_data() -> TrainingData:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = []
    for label, texts in EXAMPLES.items():
        intent, _, key = label.partition("/")
        for text in texts:
            data = {"text": text, "intent": intent}
            if key:
                data["intent_response_key"] = label
            messages.append(_message(data))
    return TrainingData(training_examples=messages, responses=RESPONSES)


@pytest.fixture()
def trained(tmp_path: Path) -> UnderstandingClassifier:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.nlu.classifier import UnderstandingClassifier

    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("understanding")
    component = UnderstandingClassifier.create(UnderstandingClassifier.get_default_config(), storage, resource, context)
    component.train(_training_data())
    return UnderstandingClassifier.load(UnderstandingClassifier.get_default_config(), storage, resource, context)


def test_a_faq_question_gets_the_faq_intent_and_the_topic_rasa_utters(trained: UnderstandingClassifier) -> None:
    [message] = trained.process([_message({"text": "what's a placebo??"})])
    assert message.get("intent")["name"] == "faq"
    selection = message.get("response_selector")
    assert selection["all_retrieval_intents"] == ["faq"]
    response = selection["faq"]["response"]
    assert response["intent_response_key"] == "faq/placebo"
    assert response["utter_action"] == "utter_faq/placebo"
    assert response["responses"] == RESPONSES["utter_faq/placebo"]
    ranking = selection["faq"]["ranking"]
    assert [r["intent_response_key"] for r in ranking] == ["faq/placebo", "faq/costs"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    names = [i["name"] for i in message.get("intent_ranking")]
    assert names == ["faq", "greet"]


def test_other_intents_pass_through(trained: UnderstandingClassifier) -> None:
    [message] = trained.process([_message({"text": "hello"})])
    assert message.get("intent")["name"] == "greet"


def test_a_message_without_text_is_left_alone(trained: UnderstandingClassifier) -> None:
    [message] = trained.process([_message({})])
    assert message.get("intent") is None


def test_too_close_to_call_becomes_a_clarifying_fallback(trained: UnderstandingClassifier) -> None:
    close_topics = Reading((("faq/placebo", 0.45), ("faq/costs", 0.43), ("greet", 0.12)))
    clear_topic = Reading((("faq/placebo", 0.85), ("faq/costs", 0.1), ("greet", 0.05)))
    unsure_intent = Reading((("greet", 0.29), ("help", 0.28), ("goodbye", 0.23), ("faq/placebo", 0.2)))
    assert trained.unsure(close_topics)
    assert not trained.unsure(clear_topic)
    assert trained.unsure(unsure_intent)


def test_a_topic_must_be_clearly_ahead_of_every_other_intent_too(trained: UnderstandingClassifier) -> None:
    # The FAQ is the likeliest intent only as the sum of its topics; its best topic is not ahead of a search.
    summed_topics = Reading(
        (("search_trials", 0.33), ("faq/fertility", 0.30), ("faq/costs", 0.1), ("faq/placebo", 0.1), ("greet", 0.17))
    )
    assert trained.unsure(summed_topics)
    assert not trained.unsure(Reading((("faq/placebo", 0.6), ("search_trials", 0.3), ("faq/costs", 0.1))))


def test_a_long_message_needs_its_topic_less_far_ahead(trained: UnderstandingClassifier) -> None:
    from bot.nlu.search_turns import LONG

    trained._config["long_faq_margin"] = 0.1
    spread = Reading((("faq/placebo", 0.42), ("faq/costs", 0.3), ("greet", 0.28)))  # 0.12 ahead
    assert trained.unsure(spread) and trained.unsure(spread, words=LONG)
    assert not trained.unsure(spread, words=LONG + 1)
    assert trained.unsure(Reading((("faq/placebo", 0.4), ("faq/costs", 0.33), ("greet", 0.27))), words=LONG + 1)


def test_a_plain_intent_likelier_than_every_topic_answers_when_the_faq_leads_only_as_their_sum(
    trained: UnderstandingClassifier,
) -> None:
    game = Reading((("out_of_scope", 0.3), *((f"faq/topic_{i}", 0.1) for i in range(5)), ("faq/placebo", 0.2)))
    two_close = Reading((("faq/placebo", 0.4), ("faq/costs", 0.35), ("greet", 0.25)))
    readings = {"who won the game last night": game, "placebo or costs?": two_close}
    trained._model.read = readings.__getitem__  # type: ignore[method-assign]
    [answered] = trained.process([_message({"text": "who won the game last night"})])
    assert answered.get("intent")["name"] == "out_of_scope"
    # A topic leads (the greeting is no likelier than it): ask which topic.
    [close] = trained.process([_message({"text": "placebo or costs?"})])
    assert close.get("intent")["name"] == "nlu_fallback"


def test_a_follow_up_read_differently_in_context_is_asked_about(trained: UnderstandingClassifier) -> None:
    from bot.nlu.context import PREVIOUS_TOPIC_KEY

    trained._topics = {"placebo": ("Placebos", ("costs",)), "costs": ("Who pays", ())}
    calls = []

    def read(text: str) -> Reading:  # alone: costs, clearly; with the previous topic's title: placebo
        calls.append(text)
        if text.endswith("Placebos"):
            return Reading((("faq/placebo", 0.9), ("faq/costs", 0.05), ("greet", 0.05)))
        return Reading((("faq/costs", 0.8), ("faq/placebo", 0.15), ("greet", 0.05)))

    trained._model.read = read  # type: ignore[method-assign]
    [alone] = trained.process([_message({"text": "and that one?"})])
    assert alone.get("intent")["name"] == "faq"
    [after] = trained.process([_message({"text": "and that one?", "metadata": {PREVIOUS_TOPIC_KEY: "placebo"}})])
    assert after.get("intent")["name"] == "nlu_fallback"
    offered = [r["intent_response_key"] for r in after.get("response_selector")["faq"]["ranking"]]
    assert offered[0] == "faq/placebo" and "faq/costs" in offered


def test_a_message_near_no_topic_gets_what_the_bot_can_help_with(trained: UnderstandingClassifier) -> None:
    from bot.nlu.context import PREVIOUS_TOPIC_KEY

    trained._config["no_topic_share"] = 0.14
    trained._topics = {"placebo": ("Placebos", ()), "costs": ("Who pays", ())}
    flat = Reading((*((f"faq/topic_{i}", 0.08) for i in range(10)), ("greet", 0.2)))
    two_close = Reading((("faq/placebo", 0.4), ("faq/costs", 0.35), ("greet", 0.25)))
    readings = {"who won the game last night": flat, "placebo or costs?": two_close}
    trained._model.read = readings.__getitem__  # type: ignore[method-assign]
    # The FAQ is the likeliest intent only as the sum of many topics, none of them ahead: not a FAQ question.
    assert trained.near_no_topic(flat) and not trained.near_no_topic(two_close)
    [game] = trained.process([_message({"text": "who won the game last night"})])
    assert game.get("intent")["name"] == "out_of_scope"
    # Two topics close together: ask which one.
    [close] = trained.process([_message({"text": "placebo or costs?"})])
    assert close.get("intent")["name"] == "nlu_fallback"
    # Right after an answer, a message no topic fits alone may still mean the topic just answered: ask.
    metadata = {PREVIOUS_TOPIC_KEY: "placebo"}
    trained._model.read = lambda text: flat  # type: ignore[method-assign]
    [after] = trained.process([_message({"text": "who won the game last night", "metadata": metadata})])
    assert after.get("intent")["name"] == "nlu_fallback"
