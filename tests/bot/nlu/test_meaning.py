"""Sentence meaning: the NumPy forward pass gives the published model's vectors, and meaning helps the model.

The reference values are the first numbers of all-MiniLM-L6-v2's vector for "This is an example
sentence" (the model card's example, as sentence-transformers computes it) and the cosine of the
SBERT documentation's "A man is eating food." / "A man is eating a piece of bread." pair (0.7553).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from bot.nlu.meaning import MeaningFeatures, shared_encoder
from bot.nlu.model import Settings, UnderstandingModel


def test_the_vector_of_the_model_cards_example_matches_sentence_transformers() -> None:
    vector = shared_encoder().encode(["This is an example sentence"])[0]
    assert vector.shape == (384,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert vector[:4] == pytest.approx([0.06766, 0.06350, 0.04871, 0.07930], abs=1e-4)


def test_the_weights_are_read_from_the_mapped_file_not_copied() -> None:
    weights = shared_encoder()._w
    assert len(weights) == 103  # 6 layers x 16, 5 for the embeddings, 2 for the pooler (position ids are not read)
    for tensor in weights.values():
        assert tensor.dtype == np.float32
        assert not tensor.flags.writeable and not tensor.flags.owndata
        assert isinstance(tensor.base, np.memmap) or isinstance(tensor.base.base, np.memmap)


def test_paraphrases_are_close_and_unrelated_sentences_are_not() -> None:
    food, bread, horse = shared_encoder().encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    assert float(food @ bread) == pytest.approx(0.7553, abs=1e-3)
    assert float(food @ horse) < 0.3


def test_a_batch_gives_each_text_its_own_vector_whatever_the_padding() -> None:
    texts = ["hi", "what happens to my blood sample after the study ends and who can use it", "placebo?"]
    together = shared_encoder().encode(texts)
    alone = np.stack([shared_encoder().encode([t])[0] for t in texts])
    assert together == pytest.approx(alone, abs=1e-5)


def test_a_fitted_pipeline_pickles_without_the_weights() -> None:
    step = MeaningFeatures(weight=2.0).fit(["a"])
    assert len(pickle.dumps(step)) < 1_000
    assert np.linalg.norm(step.transform(["a sugar pill"])[0]) == pytest.approx(2.0, abs=1e-4)


def test_meaning_reads_a_paraphrase_that_shares_no_word_with_the_examples() -> None:
    toy = {
        "faq/placebo": ["what is a placebo", "will i get a fake pill", "placebo meaning"],
        "faq/costs": ["who pays for the trial", "how much does it cost", "will insurance cover it"],
    }
    texts = [t for examples in toy.values() for t in examples]
    labels = [label for label, examples in toy.items() for _ in examples]
    words_only = UnderstandingModel(Settings(c=10.0)).fit(texts, labels)
    with_meaning = UnderstandingModel(Settings(c=10.0, meaning_weight=1.5)).fit(texts, labels)
    for text, topic in (("am I going to be billed", "faq/costs"), ("could they give me a dummy tablet", "faq/placebo")):
        assert words_only.read(text).top != topic  # no shared word: the n-grams alone guess wrong
        assert with_meaning.read(text).top == topic
