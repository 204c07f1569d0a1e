"""The understanding model: one scikit-learn classifier over every intent and every FAQ topic.

Each training example's label is its intent, or for the FAQ its topic (`faq/placebo`), so a single
class-balanced logistic regression over TF-IDF word 1-2-grams and character 2-5-grams within words
(robust to typos and texting) ranks intents and topics together. It trains in seconds and predicts in
about a millisecond. Optionally (`Settings.sentence_reading`, off: measured in docs/faq.md, it added
confident wrong answers) a long message is also read sentence by sentence and a clearly surer
sentence wins.

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


class UnderstandingModel:
    """A fitted classifier from text to intent or FAQ topic labels."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings()
        self._pipeline = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                            (
                                "chars",
                                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
                            ),
                        ]
                    ),
                ),
                ("model", LogisticRegression(C=self.settings.c, class_weight="balanced", max_iter=3000)),
            ]
        )
        self.labels: Tuple[str, ...] = ()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> UnderstandingModel:
        """Learn from examples; returns itself."""
        self._pipeline.fit([normalise(t) for t in texts], list(labels))
        self.labels = tuple(str(c) for c in self._pipeline.classes_)
        return self

    def _probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._pipeline.predict_proba([normalise(t) for t in texts]))

    def read(self, text: str) -> Reading:
        """Rank every label for a message: the whole message, or one of its sentences if surer."""
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
