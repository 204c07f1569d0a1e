"""The trained layer of the safety screen: a scikit-learn classifier over word and character n-grams.

It learns five classes (`LABELS`) from `bot/safety/corpus/*.yml`, a corpus written by class and
family from the published warning-sign taxonomies (988 Lifeline and AFSP warning signs, the Columbia
Suicide Severity Rating Scale, NCI's symptoms to report at once during chemotherapy, FAST stroke
signs, anaphylaxis signs) with hard negatives, plus the everyday questions of the Rasa training data
(`data/nlu/`: its `medical_advice` examples as medical advice, everything else as `none`).

Text is normalised as the word lists normalise it (`bot.safety.phrases.tokens`: case, look-alike
characters, stretched letters), then turned into TF-IDF word 1-2-grams and character 2-5-grams
within words (robust to typos), and classified by a class-balanced logistic regression, which gives
each class a probability for the decision rule in `bot.safety.screen`.

Training takes seconds; the fitted classifier is cached in `models/safety-<corpus hash>.joblib`, so
a process loads it once at start-up and retrains only when the corpus changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import math
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.faq import RETRIEVAL_INTENT
from bot.safety import phrases
from bot.store.db import PROJECT_ROOT
from bot.yaml_files import read_yaml

logger = logging.getLogger(__name__)

LABELS: Tuple[str, ...] = ("crisis_self", "crisis_other", "emergency", "medical_advice", "none")
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
CACHE_DIR = PROJECT_ROOT / "models"
VERSION = "7"
"""Bump when the features or the estimator change, so cached classifiers are retrained."""

HARD_FAMILIES = (
    "figure_of_speech",
    "about_side_effects",
    "past_and_grief",
    "jokes_and_media",
    "feelings_without_risk",
    "everyday_worry",
    "everyday_follow_ups",
    "search_details",
    "caregiver_stories",
    "treatment_toll",
    "relatives_searching",
    "patient_stories",
    "risk_words_used_harmlessly",
    "follow_up_fragments",
)
"""The `none` families that look most like risk; with the safe halves of minimal pairs they weigh `HARD_WEIGHT`."""
HARD_WEIGHT = 3.0

_ENTITY = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass(frozen=True)
class Example:
    """One training message, its class and the taxonomy family it was written for."""

    text: str
    label: str
    family: str

    @property
    def hard(self) -> bool:
        """A hard negative: a safe message that looks like a risk one."""
        return self.label == "none" and (self.family in HARD_FAMILIES or self.family.startswith("pair:"))


_LEUKEMIA = re.compile(r"(?<![\w-])ALL(?![\w-])")


def normalise(text: str) -> str:
    """The text as the classifier sees it: the word lists' normalised words, space-separated."""
    return " ".join(phrases.tokens(text))


def spelled_out(text: str) -> str:
    """A message to be scored, with "ALL" in capitals (in a message that is not shouted) written out as acute
    lymphoblastic leukemia ("relapsed ALL", "i have b-cell ALL"), not the "all" of "end it all" that lower case would
    make of it. Only messages to be scored: the training corpus is read as written."""
    letters = [c for c in text if c.isalpha()]
    if "ALL" in text and sum(c.isupper() for c in letters) * 2 < len(letters):
        return _LEUKEMIA.sub("acute lymphoblastic leukemia", text)
    return text


def corpus_examples(directory: Path = CORPUS_DIR) -> List[Example]:
    """The written corpus: one file per class, examples grouped by family, and files of minimal pairs."""
    examples: List[Example] = []
    for path in sorted(directory.glob("*.yml")):
        data = read_yaml(path)
        if "pairs" in data:  # minimal pairs: a flagged message and a near-identical safe one
            for pair in data["pairs"]:
                cue = f"pair:{pair.get('cue', '')}"
                examples += [
                    Example(str(pair["risk"]), str(pair["label"]), cue),
                    Example(str(pair["safe"]), "none", cue),
                ]
            continue
        label = str(data["class"])
        if label not in LABELS:
            raise ValueError(f"{path.name}: unknown class {label!r} (expected one of {', '.join(LABELS)})")
        for family, texts in (data.get("examples") or {}).items():
            examples.extend(Example(str(text), label, str(family)) for text in texts or ())
    return examples


FAQ_WORDS = 40
"""FAQ examples of more words are left out: long stories written for the FAQ model (a diagnosis, a hard treatment, a
worried family, then the question) taught the classifier that such stories need nothing, and it missed crisis messages
told the same way."""


def everyday_examples(directory: Path = NLU_DIR) -> List[Example]:
    """The Rasa training data's examples: medical advice for the `medical_advice` intent, `none` for the rest."""
    examples: List[Example] = []
    for path in sorted(directory.glob("*.yml")):
        for block in (read_yaml(path) or {}).get("nlu") or ():
            intent = block.get("intent")
            if not intent or not isinstance(block.get("examples"), str):
                continue
            label = "medical_advice" if intent == "medical_advice" else "none"
            for line in block["examples"].splitlines():
                text = _ENTITY.sub(lambda m: m.group(1) or m.group(2) or "", line.strip().removeprefix("- "))
                if text.strip() and not (intent.split("/")[0] == RETRIEVAL_INTENT and len(text.split()) > FAQ_WORDS):
                    examples.append(Example(text.strip(), label, f"nlu:{intent}"))
    return examples


def training_examples() -> List[Example]:
    """Everything the classifier learns from."""
    return corpus_examples() + everyday_examples()


def fingerprint(directories: Sequence[Path] = (CORPUS_DIR, NLU_DIR)) -> str:
    """A short hash of the training files, the feature version and the code's choices of what to learn (the FAQ's length
    cap, the hard families and their weight): the cache key (no parsing needed)."""
    digest = hashlib.sha256(repr((VERSION, FAQ_WORDS, HARD_FAMILIES, HARD_WEIGHT)).encode())
    for directory in directories:
        for path in sorted(directory.glob("*.yml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def build_pipeline() -> Pipeline:
    """Word and character n-gram TF-IDF features into a class-balanced logistic regression.

    Newton-CG reaches the same optimum as the default L-BFGS (probabilities within 0.0002 on the
    frozen sets; identical findings) in 16 iterations instead of about 200: 12 s instead of 37 s on
    two cores, which is what a first `make test-fast` or `make run` waits for."""
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )
    model = LogisticRegression(C=10.0, class_weight="balanced", solver="newton-cg", max_iter=3000)
    return Pipeline([("features", features), ("model", model)])


class SafetyClassifier:
    """A fitted pipeline that gives each class's probability for one message.

    One message at a time is scored from tables built once from the fitted pipeline (each n-gram's
    IDF weight and coefficients), which gives the same probabilities as the pipeline's own
    `predict_proba` in a fraction of the time (sklearn's per-call set-up dominates for one short
    text); `probabilities_many` uses the pipeline itself."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self._labels: List[str] = [str(label) for label in pipeline.classes_]
        model = pipeline.named_steps["model"]
        self._intercept = np.asarray(model.intercept_, dtype=float)
        self._coefficients = np.ascontiguousarray(model.coef_.T, dtype=float)
        # Per feature block: its analyzer, its vocabulary (the vectorizer's own dict, not a copy: ~25 MB
        # of the gateway's memory), where its columns start, and each column's IDF weight.
        self._tables: List[Tuple[Callable[[str], List[str]], Dict[str, int], int, List[float]]] = []
        offset = 0
        for _, vectorizer in pipeline.named_steps["features"].transformer_list:
            vectorizer.stop_words_ = None  # the n-grams cut by min_df, kept by scikit-learn for introspection only
            idf = vectorizer.idf_.tolist()  # computed on each access of the property: read it once
            self._tables.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, offset, idf))
            offset += len(vectorizer.vocabulary_)

    @classmethod
    def train(cls, examples: Sequence[Example]) -> SafetyClassifier:
        """Fit a new pipeline on `examples`."""
        pipeline = build_pipeline()
        weights = [HARD_WEIGHT if e.hard else 1.0 for e in examples]
        pipeline.fit([normalise(e.text) for e in examples], [e.label for e in examples], model__sample_weight=weights)
        return cls(pipeline)

    def probabilities(self, text: str) -> Dict[str, float]:
        """Each class's probability for `text` (they sum to 1): TF-IDF with sublinear TF and L2 norm per
        feature block, the linear model's scores, then softmax, as the pipeline computes them."""
        normalised = normalise(spelled_out(text))
        rows: List[int] = []
        weights: List[float] = []
        for analyzer, vocabulary, offset, idf in self._tables:
            counts = Counter(column for term in analyzer(normalised) if (column := vocabulary.get(term)) is not None)
            block = [(1.0 + math.log(n)) * idf[column] for column, n in counts.items()]
            norm = math.sqrt(sum(w * w for w in block)) or 1.0
            rows.extend(offset + column for column in counts)
            weights.extend(w / norm for w in block)
        scores = self._intercept + np.asarray(weights) @ self._coefficients[rows]
        exp = np.exp(scores - scores.max())
        return dict(zip(self._labels, (float(p) for p in exp / exp.sum()), strict=True))

    def save(self, path: Path) -> None:
        """Write the fitted pipeline atomically (each process through its own temporary file)."""
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            joblib.dump(self._pipeline, handle)
        Path(handle.name).replace(path)

    def probabilities_many(self, texts: Iterable[str]) -> List[Dict[str, float]]:
        """`probabilities` for many texts at once (the pipeline's own `predict_proba`)."""
        rows = self._pipeline.predict_proba([normalise(spelled_out(t)) for t in texts])
        return [dict(zip(self._labels, (float(p) for p in row), strict=True)) for row in rows]


def load(cache_dir: Optional[Path] = CACHE_DIR) -> SafetyClassifier:
    """The classifier for the current corpus: from the cache when it is there, else trained (and cached).

    A lock file in the cache directory makes processes that start together (test workers, a gateway and
    its tests) wait for one training instead of each training the same classifier."""
    if cache_dir is None:
        return SafetyClassifier.train(training_examples())
    path = cache_dir / f"safety-{fingerprint()}.joblib"
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".safety.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            try:
                return SafetyClassifier(joblib.load(path))
            except Exception as error:  # a damaged or incompatible cache file: train again
                logger.warning("Retraining the safety classifier: could not load %s (%s)", path.name, error)
        examples = training_examples()
        classifier = SafetyClassifier.train(examples)
        for old in cache_dir.glob("safety-*.joblib"):
            old.unlink(missing_ok=True)
        classifier.save(path)
    logger.info("Trained the safety classifier on %d examples (%s)", len(examples), path.name)
    return classifier


if __name__ == "__main__":  # `python -m bot.safety.classifier`: train and cache it now, unless it is cached
    load()
