"""The understanding model on its own: normalisation, sentence reading, and ranking intents with topics."""

from __future__ import annotations

import pytest

from bot.nlu.model import Reading, Settings, UnderstandingModel, grouped, normalise, sentences

TOY = {
    "faq/placebo": ["what is a placebo", "sugar pill?", "will i get a fake pill", "placebo meaning"],
    "faq/costs": ["who pays for the trial", "how much does it cost", "will insurance cover it", "is it free"],
    "greet": ["hi", "hello there", "hey", "good morning"],
}


@pytest.fixture(scope="module")
def model() -> UnderstandingModel:
    texts = [t for examples in TOY.values() for t in examples]
    labels = [label for label, examples in TOY.items() for _ in examples]
    return UnderstandingModel(Settings(c=10.0)).fit(texts, labels)


def test_normalise_folds_case_accents_apostrophes_and_texting() -> None:
    assert normalise("Whats a PLACÉBO? u know") == "what is a placebo you know"
    assert normalise("I'm   here!!") == "im here"


def test_sentences_split_at_ends_and_line_breaks() -> None:
    assert sentences("I was told about a study. What is a placebo?\nthanks") == [
        "I was told about a study.",
        "What is a placebo?",
        "thanks",
    ]


def test_ranking_covers_every_label_and_sums_to_one(model: UnderstandingModel) -> None:
    reading = model.read("whats a placebo")
    assert reading.top == "faq/placebo"
    assert {label for label, _ in reading.ranking} == set(TOY)
    assert sum(p for _, p in reading.ranking) == pytest.approx(1.0)
    assert reading.margin == pytest.approx(reading.ranking[0][1] - reading.ranking[1][1])


def test_a_clear_sentence_inside_a_long_message_decides(model: UnderstandingModel) -> None:
    text = "My mum has been unwell for a long time and we saw a leaflet at the hospital. Who pays for it?"
    assert model.read(text).top == "faq/costs"


def test_grouped_sums_topics_into_their_intent() -> None:
    reading = Reading((("faq/a", 0.5), ("greet", 0.3), ("faq/b", 0.2)))
    assert grouped(reading) == {"faq": pytest.approx(0.7), "greet": 0.3}
