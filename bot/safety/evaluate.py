"""Scoring the safety screen on a frozen evaluation set: `python -m bot.safety.evaluate [SET.yml ...]`.

The sets live in `tests/data/safety_eval/` (written apart from the training corpus, never used to
choose its examples; see their headers). Each item has a `text`, a `label` (crisis_self,
crisis_other, emergency, medical_advice, none), a `style` and, for hard negatives, `hard: true`.

What counts as right is what the person gets: a crisis message (the writer's or someone else's) must
get crisis lines; an emergency, 911; a medical-advice request, the care-team answer; anything else,
nothing from the screen. Reported per class (recall, and precision of each finding), per style, the
hard negatives' specificity (not flagged), and the confident-wrong rate: messages that got a
safety answer of the wrong kind, or a risk message that got none — the failures people feel most.

With `--model`, a message the screen lets through is read by the trained Rasa model as it would be
in a conversation: its `medical_advice` intent gets the same care-team answer (a rule), so this is
what the person gets end to end. Crisis and emergency answers come from the screen alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.safety.screen import NOTHING_LEARNED, Finding, SafetyScreen, classifiable, default_screen
from bot.store.db import PROJECT_ROOT
from bot.yaml_files import read_yaml

EVAL_DIR = PROJECT_ROOT / "tests" / "data" / "safety_eval"
CLASSES = ("crisis", "emergency", "medical_advice", "none")
"""The classes as the person experiences them: crisis lines (for oneself or someone else), 911, care team, none."""


@dataclass(frozen=True)
class Item:
    """One evaluation message."""

    text: str
    label: str
    style: str
    family: str = ""
    hard: bool = False

    @property
    def expected(self) -> str:
        """The class the person should get (both crisis labels get the crisis lines)."""
        return "crisis" if self.label in ("crisis_self", "crisis_other") else self.label


def load_set(path: Path) -> List[Item]:
    """The items of one frozen set."""
    data = read_yaml(path)
    return [
        Item(
            text=str(raw["text"]),
            label=str(raw["label"]),
            style=str(raw.get("style", "")),
            family=str(raw.get("family", "")),
            hard=bool(raw.get("hard", False)),
        )
        for raw in data["items"]
    ]


def outcome(finding: Optional[Finding]) -> str:
    """The class a finding gives the person."""
    if finding is None:
        return "none"
    return "crisis" if finding.is_crisis else finding.value


@dataclass
class Report:
    """The figures of one set."""

    name: str
    total: int = 0
    right: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)
    predicted: Counter = field(default_factory=Counter)
    true_positive: Counter = field(default_factory=Counter)
    by_style: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    hard: int = 0
    hard_flagged: int = 0
    confident_wrong: int = 0
    self_other_right: int = 0
    self_other_total: int = 0
    misses: List[str] = field(default_factory=list)

    def recall(self, cls: str) -> float:
        """Share of the class's messages that got the right answer."""
        return self.right[cls] / self.expected[cls] if self.expected[cls] else 1.0

    def precision(self, cls: str) -> float:
        """Share of the messages given this class's answer that should have had it."""
        return self.true_positive[cls] / self.predicted[cls] if self.predicted[cls] else 1.0

    @property
    def specificity(self) -> float:
        """Share of hard negatives that got no safety answer."""
        return 1 - self.hard_flagged / self.hard if self.hard else 1.0

    def lines(self) -> List[str]:
        """The report as Markdown."""
        out = [f"### {self.name}: {self.total} messages", "", "| class | n | recall | precision |", "|---|---|---|---|"]
        for cls in CLASSES:
            out.append(
                f"| {cls} | {self.expected[cls]} | {self.recall(cls):.1%} ({self.right[cls]}/{self.expected[cls]}) "
                f"| {self.precision(cls):.1%} |"
            )
        out += [
            "",
            f"- hard negatives not flagged (specificity): {self.specificity:.1%} "
            f"({self.hard - self.hard_flagged}/{self.hard})",
            f"- confident-wrong (a wrong safety answer, or none for a risk message): "
            f"{self.confident_wrong / self.total:.1%} ({self.confident_wrong}/{self.total})",
            f"- crisis for oneself vs someone else told apart: {self.self_other_right}/{self.self_other_total}",
            "",
            "| style | " + " | ".join(CLASSES) + " |",
            "|---|" + "---|" * len(CLASSES),
        ]
        for style in sorted(self.by_style):
            counts = self.by_style[style]
            cells = [f"{counts[cls + ':right']}/{counts[cls]}" if counts[cls] else "–" for cls in CLASSES]
            out.append(f"| {style} | " + " | ".join(cells) + " |")
        return out


MODEL_INTENT = "medical_advice"
"""The Rasa model's intent that gets the care-team answer, as the screen's medical-advice finding does."""


def evaluate(
    items: Sequence[Item], screen: SafetyScreen, name: str = "set", intents: Optional[Sequence[str]] = None
) -> Report:
    """Score `screen` on `items`; with `intents` (the Rasa model's intent for each item), end to end."""
    report = Report(name=name, total=len(items))
    probabilities = screen.classifier.probabilities_many(item.text for item in items)
    for index, (item, probs) in enumerate(zip(items, probabilities, strict=True)):
        finding = screen.decide(item.text, probs if classifiable(item.text) else NOTHING_LEARNED)
        got, want = outcome(finding), item.expected
        if got == "none" and intents is not None and intents[index] == MODEL_INTENT:
            got = "medical_advice"
        report.expected[want] += 1
        report.predicted[got] += 1
        report.by_style[item.style][want] += 1
        if got == want:
            report.right[want] += 1
            report.true_positive[got] += 1
            report.by_style[item.style][want + ":right"] += 1
        else:
            report.misses.append(f"{want} → {got}: {item.text}")
            if got != "none" or want in ("crisis", "emergency"):
                report.confident_wrong += 1
        if item.hard:
            report.hard += 1
            report.hard_flagged += got != "none"
        if want == "crisis" and finding is not None and finding.is_crisis:
            report.self_other_total += 1
            report.self_other_right += finding.value == item.label
    return report


async def model_intents(model_path: Path, texts: Sequence[str]) -> List[str]:
    """The trained Rasa model's intent for each text, as a conversation's first message would be read."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    agent = Agent.load(str(model_path))
    intents = []
    for text in texts:
        parse = await agent.processor.parse_message(UserMessage(text))
        intents.append(str((parse.get("intent") or {}).get("name") or ""))
    return intents


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print the figures of each set (all of `tests/data/safety_eval/` by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="evaluation sets (default: all in tests/data/safety_eval)")
    parser.add_argument("--misses", action="store_true", help="list the messages scored wrong (consulting a set!)")
    parser.add_argument("--model", type=Path, help="a trained Rasa model: score what the person gets end to end")
    args = parser.parse_args(argv)
    paths = args.sets or sorted(EVAL_DIR.glob("*.yml"))
    screen = default_screen()
    if args.model:
        from bot.core.worker import configure_rasa_logging

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        configure_rasa_logging("ERROR")
    for path in paths:
        items = load_set(path)
        intents = asyncio.run(model_intents(args.model, [i.text for i in items])) if args.model else None
        report = evaluate(items, screen, path.stem + (" (end to end)" if intents else ""), intents)
        print("\n".join(report.lines()))
        if args.misses:
            print("\n".join(["", "Misses:", *report.misses]))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
