"""Something everyday taken with a cancer medicine, asked about: medical advice; a trial's rules and facts are not."""

from __future__ import annotations

import pytest

from bot.safety.mixing import asks_about_mixing
from bot.safety.screen import Finding, default_screen


@pytest.mark.parametrize(
    "text",
    [
        "beer on durvalumab?",
        "can i have a glass of wine with my keytruda",
        "tylenol ok with the study drug?",
        "is weed ok while on osimertinib",
        "advil and chemo ok?",
        "Is it safe to take melatonin during immunotherapy?",
        "is xanax ok w my study meds",  # "w", and the study's medicine in other words
        "prilosec at the same time as my chemo?",
    ],
)
def test_mixing_a_substance_with_a_cancer_medicine_is_medical_advice(text: str) -> None:
    assert asks_about_mixing(text)
    assert default_screen().screen(text) is Finding.MEDICAL_ADVICE


@pytest.mark.parametrize(
    "text",
    [
        "does the study allow alcohol with pembrolizumab?",  # the trial's rules: the FAQ's
        "what is pembrolizumab?",  # no substance
        "i had a beer and then went to the trial visit",  # no medicine
        "my mom drinks wine and takes tamoxifen",  # no question
    ],
)
def test_a_trials_rules_a_fact_or_a_statement_is_not(text: str) -> None:
    assert not asks_about_mixing(text)
