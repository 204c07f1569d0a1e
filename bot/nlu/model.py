"""The understanding model: one scikit-learn classifier over every intent and every FAQ topic.

Each training example's label is its intent, or for the FAQ its topic (`faq/placebo`), so a single
class-balanced logistic regression over TF-IDF word 1-2-grams and character 2-5-grams within words
(robust to typos and texting) ranks intents and topics together. Joined to those n-grams, the
message's meaning vector (`bot.nlu.meaning`, all-MiniLM-L6-v2) lets a paraphrase that shares no words
with the examples land near them: a second classifier, over the FAQ topics only, reads it to choose
the topic (`Settings.meaning_weight`; measured in docs/faq.md). It trains in
about a minute and predicts in about ten milliseconds. Optionally (`Settings.sentence_reading`, off:
measured in docs/faq.md, it added confident wrong answers) a long message is also read sentence by
sentence and a clearly surer sentence wins.

This module is pure scikit-learn: `bot.nlu.classifier` wraps it as the Rasa component.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.nlu.meaning import MeaningFeatures, shared_encoder
from bot.nlu.set_aside import kept_part

_APOSTROPHES = re.compile(r"[’'`´]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_TEXTING = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "wat": "what",
    "wut": "what",
    "whats": "what is",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "bc": "because",
    "cuz": "because",
    "abt": "about",
    "tho": "though",
    "w": "with",
    "b4": "before",
    "2": "to",
    "4": "for",
}


def normalise(text: str) -> str:
    """Case, accents, apostrophes and the most common texting short forms folded away."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    words = re.findall(r"[a-z0-9]+", _APOSTROPHES.sub("", folded))
    return " ".join(_TEXTING.get(word, word) for word in words)


def sentences(text: str) -> List[str]:
    """The message split into sentences (at . ! ? or line breaks), empty pieces dropped."""
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece.strip()]


@dataclass(frozen=True)
class Reading:
    """The labels ranked for one message, most likely first, with their probabilities."""

    ranking: Tuple[Tuple[str, float], ...]

    @property
    def top(self) -> str:
        """The most likely label."""
        return self.ranking[0][0]

    @property
    def confidence(self) -> float:
        """The top label's probability."""
        return self.ranking[0][1]

    @property
    def margin(self) -> float:
        """How far the top label is ahead of the second."""
        return self.ranking[0][1] - (self.ranking[1][1] if len(self.ranking) > 1 else 0.0)


@dataclass(frozen=True)
class Settings:
    """The estimator's settings (chosen on the consulted evaluation set, see docs/faq.md)."""

    c: float = 30.0
    sentence_reading: bool = False
    meaning_weight: float = 0.0
    """How much the meaning vector counts beside the n-grams (each block has length 1); 0 leaves it out."""


TOPIC_READING_SHARE = 0.05
"""The FAQ share (n-gram classifier) below which the topics are not read with meaning: the component's
`faq_threshold`, under which no topic can be answered."""


def _pipeline(c: float, meaning_weight: float = 0.0) -> Pipeline:
    features: List[Tuple[str, object]] = [
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, dtype=np.float32)),
        (
            "chars",
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, dtype=np.float32),
        ),
    ]
    if meaning_weight:
        features.append(("meaning", MeaningFeatures(meaning_weight)))
    return Pipeline(
        [
            ("features", FeatureUnion(features)),
            ("model", LogisticRegression(C=c, class_weight="balanced", max_iter=3000)),
        ]
    )


def _transposed_coefficients(pipeline: Pipeline) -> None:
    """Store the logistic regression's coefficients column-major, in the features' precision.

    Scoring multiplies the sparse features by `coef_.T`; row-major, SciPy copies that whole matrix
    (classes × n-grams, ~20 MB) into the order it needs for every message: 7 ms of a 8 ms reading.
    The features are float32 (the vectorizers' dtype; the fit itself runs in float64), and so are the
    coefficients kept for reading: half the memory (~15 MB per worker), and no upcast copy per message.
    """
    model = pipeline.named_steps["model"]
    vectorizer = pipeline.named_steps["features"].transformer_list[0][1]
    dtype = np.float32 if getattr(vectorizer, "dtype", np.float64) == np.float32 else np.float64
    if not model.coef_.flags["F_CONTIGUOUS"] or model.coef_.dtype != dtype:
        model.coef_ = np.asfortranarray(model.coef_, dtype=dtype)


class UnderstandingModel:
    """A fitted classifier from text to intent or FAQ topic labels.

    With `Settings.meaning_weight`, two classifiers share the work: the n-gram one over every label
    decides how likely each intent is (its share for the FAQ is the sum over topics), and one over the
    FAQ topics alone, with meaning vectors, divides the FAQ's share between topics. Meaning moved
    search answers ("we live in Hartford") towards other intents when it also chose intents; it is
    measured in docs/faq.md.
    """

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings()
        self._pipeline = _pipeline(self.settings.c)
        self._topic_pipeline: Optional[Pipeline] = None
        self._topic_columns: Optional[np.ndarray] = None
        self.labels: Tuple[str, ...] = ()

    def warm(self) -> None:
        """Prepare for reading: the coefficients laid out for one-message scoring, and the meaning model's
        weights loaded now rather than on the first message."""
        for pipeline in (self._pipeline, getattr(self, "_topic_pipeline", None)):
            if pipeline is not None:
                _transposed_coefficients(pipeline)
        if getattr(self, "_topic_pipeline", None) is not None:
            shared_encoder()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> UnderstandingModel:
        """Learn from examples; returns itself."""
        normalised = [normalise(t) for t in texts]
        self._pipeline.fit(normalised, list(labels))
        self.labels = tuple(str(c) for c in self._pipeline.classes_)
        topics = [i for i, label in enumerate(labels) if "/" in label]
        if self.settings.meaning_weight and len({labels[i] for i in topics}) > 1:
            self._topic_pipeline = _pipeline(self.settings.c, self.settings.meaning_weight)
            self._topic_pipeline.fit([normalised[i] for i in topics], [labels[i] for i in topics])
            order = [str(c) for c in self._topic_pipeline.classes_]
            self._topic_columns = np.array([self.labels.index(label) for label in order])
        self.warm()
        return self

    def _probabilities(self, texts: Sequence[str]) -> np.ndarray:
        normalised = [normalise(t) for t in texts]
        rows = np.asarray(self._pipeline.predict_proba(normalised))
        topic_pipeline: Optional[Pipeline] = getattr(self, "_topic_pipeline", None)  # None in older models
        columns = self._topic_columns
        if topic_pipeline is not None and columns is not None:
            share = rows[:, columns].sum(axis=1, keepdims=True)
            # Meaning costs ~10 ms a message: read it only where the FAQ is in play (a greeting or a search
            # answer keeps the n-gram topics, which nothing but a clarifying question's buttons would use).
            asked = np.flatnonzero(share[:, 0] >= TOPIC_READING_SHARE)
            if asked.size:
                topics = np.asarray(topic_pipeline.predict_proba([normalised[i] for i in asked]))
                rows[np.ix_(asked, columns)] = share[asked] * topics
        return rows

    def read(self, text: str) -> Reading:
        """Rank every label for a message: the whole message, or one of its sentences if surer. A question the
        message sets aside ("not the Moonshot one", "Medicaid, not Medicare") is not read (`set_aside`)."""
        text = kept_part(text)
        pieces = [text]
        if self.settings.sentence_reading:
            parts = sentences(text)
            if len(parts) > 1:
                pieces += parts
        rows = self._probabilities(pieces)
        best = rows[0]
        if len(rows) > 1:
            # A sentence read alone replaces the whole only when it is clearly surer.
            alone = int(np.argmax(rows[1:].max(axis=1))) + 1
            if rows[alone].max() > best.max() + 0.15:
                best = rows[alone]
        order = np.argsort(-best)
        return Reading(tuple((self.labels[i], float(best[i])) for i in order))


def grouped(reading: Reading, separator: str = "/") -> Dict[str, float]:
    """Probability per intent: FAQ topics (`faq/placebo`) summed into their intent (`faq`)."""
    totals: Dict[str, float] = {}
    for label, probability in reading.ranking:
        intent = label.split(separator, 1)[0]
        totals[intent] = totals.get(intent, 0.0) + probability
    return totals
