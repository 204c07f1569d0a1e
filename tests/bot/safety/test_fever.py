"""A fever reading during treatment is an emergency; other numbers and questions about fevers are not."""

from __future__ import annotations

import pytest

from bot.safety.fever import reads_a_fever
from bot.safety.screen import Finding, default_screen


@pytest.mark.parametrize(
    "text",
    [
        "101.9 and i had chemo thursday",
        "temp 100.8 after infusion yesterday",
        "his temp is 39 and he had chemo friday",
        "38 C after my infusion",
        "fever 102 on chemo",
    ],
)
def test_a_reading_at_or_above_the_threshold_with_treatment_named_is_a_fever(text: str) -> None:
    assert reads_a_fever(text)


@pytest.mark.parametrize(
    "text",
    [
        "cycle 38 of the trial",
        "101 people are in the trial",
        "I'm 39 and on chemo",
        "my son is 38.5 weeks... trial?",
        "99.1 after chemo",  # below 100.4 °F
        "the trial is at 101 Main St",
        "I'm 40, chemo starts monday, temperature checks?",
        "why do chemo protocols use 38 degrees as the threshold?",  # about fevers in general
        "101.5 on the thermometer",  # no treatment named: the list and the classifier judge
    ],
)
def test_other_numbers_and_questions_about_fevers_are_not(text: str) -> None:
    assert not reads_a_fever(text)


def test_the_screen_sends_a_reading_to_911_whatever_the_classifier_thinks() -> None:
    sure = dict.fromkeys(("crisis_self", "crisis_other", "emergency", "medical_advice"), 0.0) | {"none": 1.0}
    assert default_screen().decide("102.1 on the thermometer, chemo was 6 days ago", sure) is Finding.EMERGENCY
