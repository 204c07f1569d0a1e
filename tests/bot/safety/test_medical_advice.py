"""The medical-advice word list: the clearest requests are caught without the model, and trial,
biobank and privacy questions that share words with them are not."""

import pytest

from bot.faq.catalog import load_catalog
from bot.safety import phrases
from bot.safety.medical_advice import LIST, is_medical_advice, yields_to_search
from bot.yaml_files import read_yaml

CAUGHT = [
    "is it ok if i stop taking my pills for a week",
    "can i skip chemo this week because im tired",
    "should i lower my dose because of the side effects",
    "how much of my pain medicine can i take at once",
    "what do my scan results mean",
    "my psa is 8.2 is that bad",
    "how long do i have left",
    "will my cancer come back",
    "shud i stop my chemo",  # typo
    "is it ok to split my pills so they are easier to swallow",
    "i take lisinopril and the trial drug, do they mix?",
    "can my son have the flu vaccine while he is getting chemo?",  # vaccines during one's own treatment
    "May I receive the pneumonia vaccine during immunotherapy?",
    "how long does my husband have, the scan showed it spread to his liver",  # a relative's prognosis
    "missed my pill last night, double up if i forgot one?",
    "is it ok to get a tattoo during chemo",
    "is it safe to have sex while im on the trial drug",
]
NOT_CAUGHT = [
    "what happens if i stop taking part in the trial",
    "can i quit the trial any time",
    "will i get results from the biobank",
    "where can i find the trial results",
    "can i post my scan results on tiktok",
    "who gets my test results from the study",
    "how much does a trial cost",
    "how many visits should i expect",
    "are there any cancer vaccine trials for melanoma?",
    "what is a vaccine trial",
    "how long does my son have to wait for the results?",
    "how long does a trial usually last",
    "what are my odds of getting the placebo",
]


@pytest.mark.parametrize("text", CAUGHT)
def test_clear_requests_for_medical_advice_are_caught(text: str) -> None:
    assert is_medical_advice(text)


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_questions_sharing_words_with_them_are_not(text: str) -> None:
    assert not is_medical_advice(text)


def test_no_faq_title_and_at_most_one_faq_example_is_diverted() -> None:
    diverted = [
        (topic.id, text)
        for topic in load_catalog()
        for text in [topic.title, topic.canonical_question, *topic.examples]
        if is_medical_advice(text)
    ]
    # "can i skip a dose of the study drug if i feel bad" is a dosing question: the care team answers it.
    assert diverted == [("side_effect_help", "can i skip a dose of the study drug if i feel bad")]


def test_every_listed_phrase_is_caught_and_no_exclusion_is() -> None:
    data = read_yaml(phrases.DIRECTORY / f"{LIST}.yml")
    listed = [p.replace(phrases.GAP, "") for group in data["phrases"].values() for p in group]
    excluded = [p for group in data["not_matching"].values() for p in group]
    assert [p for p in listed if not is_medical_advice(p)] == []
    assert [p for p in excluded if is_medical_advice(p)] == []


def test_an_age_put_right_after_a_search_is_no_request_for_advice() -> None:
    assert yields_to_search("oops, that should say 61 not 16. can you redo it")
    assert yields_to_search("sorry, he's 12 not 8")
    assert not yields_to_search("they gave me 40 not 20 mg, is that ok?")
