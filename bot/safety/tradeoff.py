"""The trade-off behind the screen's thresholds, measured without the frozen sets: `python -m bot.safety.tradeoff`.

Five-fold cross-validation on the training examples (`bot.safety.classifier.training_examples`):
every example is scored by a classifier that did not see it, then, for each candidate threshold, the
table gives the recall of crisis (the writer's and someone else's together) and of emergencies, and
the share of `none` examples that would get a safety answer (false alarms), hard negatives apart; a
second table does the same for the medical-advice threshold.
The word lists are left out here: this is the classifier's own curve. The thresholds in
`bot.safety.screen.THRESHOLDS` are read off this table; the frozen sets only check the result.
"""

from __future__ import annotations

import sys
from typing import Dict, List, Sequence

from sklearn.model_selection import StratifiedKFold

from bot.safety.classifier import Example, SafetyClassifier, training_examples

CANDIDATES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def cross_validated(examples: Sequence[Example], folds: int = 5) -> List[Dict[str, float]]:
    """Each example's class probabilities from a classifier trained on the other folds."""
    scored: List[Dict[str, float]] = [{} for _ in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    labels = [e.label for e in examples]
    for train, test in splitter.split(labels, labels):
        classifier = SafetyClassifier.train([examples[i] for i in train])
        for i, probabilities in zip(test, classifier.probabilities_many(examples[i].text for i in test), strict=True):
            scored[i] = probabilities
    return scored


def table(examples: Sequence[Example], scored: Sequence[Dict[str, float]]) -> List[str]:
    """The trade-off as Markdown rows, one per candidate threshold."""
    crisis = [i for i, e in enumerate(examples) if e.label in ("crisis_self", "crisis_other")]
    emergency = [i for i, e in enumerate(examples) if e.label == "emergency"]
    none = [i for i, e in enumerate(examples) if e.label == "none"]
    hard = [i for i in none if examples[i].hard]
    out = [
        f"Cross-validated on {len(examples)} training examples (5 folds).",
        "",
        "| threshold | crisis recall | emergency recall | `none` flagged | hard negatives flagged |",
        "|---|---|---|---|---|",
    ]
    for threshold in CANDIDATES:

        def risk(i: int, t: float = threshold) -> bool:
            p = scored[i]
            return p["crisis_self"] + p["crisis_other"] >= t or p["emergency"] >= t

        crisis_recall = sum(scored[i]["crisis_self"] + scored[i]["crisis_other"] >= threshold for i in crisis)
        emergency_recall = sum(scored[i]["emergency"] >= threshold for i in emergency)
        out.append(
            f"| {threshold:.2f} | {crisis_recall / len(crisis):.1%} | {emergency_recall / len(emergency):.1%} "
            f"| {sum(map(risk, none)) / len(none):.1%} | {sum(map(risk, hard)) / max(1, len(hard)):.1%} |"
        )
    return out


ADVICE_CANDIDATES = (0.5, 0.6, 0.7, 0.8, 0.9)


def advice_table(examples: Sequence[Example], scored: Sequence[Dict[str, float]]) -> List[str]:
    """The medical-advice threshold's trade-off: its recall, and the share of `none` examples it would send to
    "ask your care team" instead of an answer."""
    advice = [i for i, e in enumerate(examples) if e.label == "medical_advice"]
    none = [i for i, e in enumerate(examples) if e.label == "none"]
    hard = [i for i in none if examples[i].hard]
    out = [
        "| medical-advice threshold | recall | `none` flagged | hard negatives flagged |",
        "|---|---|---|---|",
    ]
    for threshold in ADVICE_CANDIDATES:
        recall = sum(scored[i]["medical_advice"] >= threshold for i in advice) / len(advice)
        flagged = sum(scored[i]["medical_advice"] >= threshold for i in none) / len(none)
        flagged_hard = sum(scored[i]["medical_advice"] >= threshold for i in hard) / max(1, len(hard))
        out.append(f"| {threshold:.2f} | {recall:.1%} | {flagged:.1%} | {flagged_hard:.1%} |")
    return out


def main() -> int:
    """Print the tables."""
    examples = training_examples()
    scored = cross_validated(examples)
    print("\n".join([*table(examples, scored), "", *advice_table(examples, scored)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
