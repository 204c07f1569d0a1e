"""A person's own lab value asked about is medical advice; a trial's entry criteria and plain facts are not."""

from __future__ import annotations

import pytest

from bot.safety.lab_values import asks_about_own_value
from bot.safety.screen import Finding, default_screen


@pytest.mark.parametrize(
    "text",
    [
        "what does ANC 0.6 mean",
        "my platelets are 40, is that bad?",
        "hemoglobin dropped to 8.1 should i worry",
        "my ca-125 is 35 now?",
        "platelets 40k ok for a flu shot",
        "Oncotype score came back 31 what does that mean for me",
        "my lactate dehydrogenase was 610, is that bad for my lymphoma?",  # a test's full name
        "m spike 1.4 what does that mean",
        "my egfr is 48 now, is that too low for the trial drug?",  # the kidney test
    ],
)
def test_a_value_of_ones_own_with_a_question_is_medical_advice(text: str) -> None:
    assert asks_about_own_value(text)


@pytest.mark.parametrize(
    "text",
    [
        "is ANC over 1500 required for the trial?",  # the trial's entry criteria: the FAQ's
        "what is a PSA test?",  # no value
        "PSA went from 4 to 9 in three months",  # no question
        "my son is 16 and has ALL, any trials near 90210?",
        "58 with stage 3 lung cancer, EGFR positive, anything near 02115?",  # EGFR the gene, not eGFR the kidney test
        "EGFR exon 20 insertion, 44 yo, studies in texas?",
    ],
)
def test_criteria_plain_facts_and_searches_are_not(text: str) -> None:
    assert not asks_about_own_value(text)


def test_the_screen_sends_it_to_the_care_team() -> None:
    assert (
        default_screen().decide(
            "what does ANC 0.6 mean",
            dict.fromkeys(("crisis_self", "crisis_other", "emergency", "medical_advice"), 0.0) | {"none": 1.0},
        )
        is Finding.MEDICAL_ADVICE
    )
