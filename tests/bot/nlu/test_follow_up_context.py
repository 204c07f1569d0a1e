"""Follow-ups read against the topic just answered: finding that topic in the tracker, and re-ranking."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.nlu.context import in_context, looks_like_follow_up, previous_topic
from bot.nlu.model import Reading


def _asked(topic: str) -> UserUttered:
    parse: Dict[str, Any] = {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}},
    }
    return UserUttered("what is a placebo", intent=parse["intent"], parse_data=parse)


def test_the_topic_just_answered_is_found() -> None:
    events: List[Any] = [_asked("placebo"), ActionExecuted("utter_faq"), BotUttered("A placebo is…")]
    assert previous_topic(events) == "placebo"
    events += [ActionExecuted("action_listen")]
    assert previous_topic(events) == "placebo"


def test_no_topic_when_the_last_message_was_not_answered_with_the_faq() -> None:
    assert previous_topic([]) is None
    assert previous_topic([_asked("placebo"), ActionExecuted("action_suggest_topics")]) is None
    answered_then_new = [_asked("placebo"), ActionExecuted("utter_faq"), UserUttered("hi", intent={"name": "greet"})]
    assert previous_topic(answered_then_new) is None


def test_what_looks_like_a_follow_up() -> None:
    assert looks_like_follow_up("and for kids?")
    assert looks_like_follow_up("what if i change my mind about the whole thing later on")
    assert looks_like_follow_up("does it cost anything")
    assert not looks_like_follow_up("my daughter was just diagnosed and the doctor mentioned a study with a placebo")


TOPICS = {"placebo": ("What is a placebo?", ("blinding",)), "costs": ("Who pays?", ())}


def _reader(text: str) -> Reading:
    """A stand-in reader: unsure between costs and placebo, unless the placebo title is appended."""
    if "placebo" in text:
        return Reading((("faq/placebo", 0.6), ("faq/costs", 0.3), ("faq/blinding", 0.1)))
    return Reading((("faq/costs", 0.4), ("faq/placebo", 0.35), ("faq/blinding", 0.25)))


def test_a_follow_up_favours_the_previous_topic_and_its_follow_ups() -> None:
    reading = in_context("is it safe?", "placebo", TOPICS, _reader)
    assert reading.top == "faq/placebo"
    assert sum(p for _, p in reading.ranking) == pytest.approx(1.0)
    ranking = dict(reading.ranking)
    assert ranking["faq/blinding"] > (0.1 + 0.25) / 2  # boosted as a follow-up of placebo


def test_a_message_that_is_not_a_follow_up_is_read_as_it_is() -> None:
    text = "my daughter was just diagnosed and the doctor mentioned a study, who pays for the scans and visits"
    assert in_context(text, "placebo", TOPICS, _reader) == _reader(text)
    assert in_context("is it safe?", "unknown_topic", TOPICS, _reader) == _reader("is it safe?")
