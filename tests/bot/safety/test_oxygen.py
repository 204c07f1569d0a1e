"""A low oxygen saturation reading is an emergency; other numbers, past readings and general questions are not."""

from __future__ import annotations

import pytest

from bot.safety.oxygen import reads_low_oxygen
from bot.safety.screen import Finding, default_screen


@pytest.mark.parametrize(
    "text",
    [
        "o2 at 82%",
        "pulse ox says 86 idk if its broken or me",
        "My dad's oxygen saturation is 88 percent on the home monitor",
        "spo2 89, on my trial drug since monday",
        "sats are 90 and shes breathing fast",
    ],
)
def test_a_reading_at_or_below_the_line_next_to_an_oxygen_word_is_read(text: str) -> None:
    assert reads_low_oxygen(text)


@pytest.mark.parametrize(
    "text",
    [
        "o2 sat 97 this morning, all good",  # above the line
        "I sat in the waiting room for 85 minutes",  # "sat" the verb, a duration
        "85% of patients in the trial had nausea",  # no oxygen word
        "my oxygen dipped into the 80s two years ago when I had covid",  # the past
        "my oxygen was 88 when I had pneumonia years ago, does that matter for eligibility?",
        "what's the threshold for a low o2 sat, like 90?",  # about readings in general
        "they sent me home with an o2 tank for 2 hours a day",  # no reading in the range
        "oxygen?",
    ],
)
def test_other_numbers_past_readings_and_questions_are_not(text: str) -> None:
    assert not reads_low_oxygen(text)


def test_the_screen_sends_a_low_reading_to_911_whatever_the_classifier_thinks() -> None:
    sure = dict.fromkeys(("crisis_self", "crisis_other", "emergency", "medical_advice"), 0.0) | {"none": 1.0}
    assert default_screen().decide("o2 sat 83", sure) is Finding.EMERGENCY
