"""FAQ understanding on the frozen evaluation sets: right topic, clarifying question, or confident wrong.

Run: `python -m bot.faq.evaluate [--model models/trialbot.tar.gz] [--set tests/data/faq_eval/set_b.yml]`.

Each item of a set (`tests/data/faq_eval/set_*.yml`, written from the topic list and the style sheet
only, see its header) has a text, the topic a careful expert would pick (or `none` for messages that
are not FAQ questions) and a style. Every item ends in one of three outcomes:

- **right**: the expected topic (or, for `none`, anything but a FAQ answer);
- **clarify**: the model was unsure and the bot asks "did you mean …?" (`nlu_fallback`; the report
  also counts how often the expected topic is among the buttons it offers);
- **wrong**: a confident wrong answer — another topic, or a FAQ answer to a message that is not one.

Prints a JSON report: per set and per style, the share right, clarifying and confidently wrong, and
the wrong items themselves (read those of a consulted set only; see EVALUATION rules in docs/faq.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.core.worker import configure_rasa_logging
from bot.faq.suggestions import MAX_SUGGESTIONS
from bot.nlu.context import PREVIOUS_TOPIC_KEY
from bot.store.db import PROJECT_ROOT
from bot.yaml_files import read_yaml

EVAL_DIR = PROJECT_ROOT / "tests" / "data" / "faq_eval"
DEFAULT_SETS = tuple(EVAL_DIR / f"set_{letter}.yml" for letter in "abcdefghijklmnopq")
FOLLOW_UPS = EVAL_DIR / "follow_ups.yml"
NONE = "none"
CLARIFY = "<nlu_fallback>"
# "Are there trials for my cancer near Boston" may start the search itself instead of explaining
# how to find a trial, and "can I join the Moonshot Biobank" may walk through who can donate: for
# those topics both answers are right.
ALSO_RIGHT = {
    "find_a_trial": {"<search_trials>"},
    "moonshot_biobank": {"<donate_eligibility>", "<donate_how>"},
}


@dataclass(frozen=True)
class Item:
    """One evaluation message: its text, the expected topic (or `none`) and the style it is written in."""

    text: str
    topic: str
    style: str
    previous: Optional[str] = None
    """For a follow-up: the topic the bot has just answered."""


def load_set(path: Path) -> List[Item]:
    """The items of one set. Also reads the older `heldout: {topic: [phrasings]}` shape (style `heldout`)."""
    data = read_yaml(path) or {}
    if "heldout" in data:
        return [Item(str(p), str(topic), "heldout") for topic, ps in data["heldout"].items() for p in ps]
    return [
        Item(str(i["text"]), str(i["topic"]), str(i.get("style") or "follow_up"), i.get("previous"))
        for i in data.get("items") or []
    ]


def predicted_topic(parse: Dict[str, Any]) -> str:
    """The FAQ topic a parse result points to, or the plain intent name in <> when it is not a FAQ."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent != "faq":
        return f"<{intent}>"
    response = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = str(response.get("intent_response_key") or "")
    return key.split("/", 1)[-1]


def outcome(item: Item, got: str) -> str:
    """`right`, `clarify` or `wrong` for one prediction."""
    if got == CLARIFY:
        return "clarify"
    if item.topic == NONE:
        return "right" if got.startswith("<") else "wrong"
    return "right" if got == item.topic or got in ALSO_RIGHT.get(item.topic, ()) else "wrong"


def score(
    items: Iterable[Item], predictions: Iterable[str], offered: Optional[Iterable[List[str]]] = None
) -> Dict[str, Any]:
    """Counts and shares per style and overall, plus the wrong items. `offered`: the topics each
    clarifying question would offer as buttons (counted when the expected topic is among them)."""
    by_style: Dict[str, Dict[str, int]] = defaultdict(
        lambda: {"items": 0, "right": 0, "clarify": 0, "clarify_offers_topic": 0, "wrong": 0}
    )
    wrong: List[Dict[str, str]] = []
    buttons_per_item = offered if offered is not None else repeat([])
    for item, got, buttons in zip(items, predictions, buttons_per_item, strict=False):
        result = outcome(item, got)
        for key in (item.style, "overall"):
            by_style[key]["items"] += 1
            by_style[key][result] += 1
            if result == "clarify" and item.topic in buttons:
                by_style[key]["clarify_offers_topic"] += 1
        if result == "wrong":
            wrong.append({"text": item.text, "expected": item.topic, "got": got, "style": item.style})
    styles = {
        style: {
            **counts,
            "right_share": round(counts["right"] / counts["items"], 4),
            "confident_wrong_share": round(counts["wrong"] / counts["items"], 4),
        }
        for style, counts in sorted(by_style.items(), key=lambda kv: (kv[0] == "overall", kv[0]))
    }
    return {"styles": styles, "wrong": wrong}


async def predict(model_path: Path, items: List[Item]) -> Tuple[List[str], List[List[str]]]:
    """The model's reading of each item (a follow-up with the previous topic in its metadata), and
    the topics a clarifying question would offer."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    agent = Agent.load(str(model_path))
    predictions, offered = [], []
    for item in items:
        metadata = {PREVIOUS_TOPIC_KEY: item.previous} if item.previous else None
        parse = await agent.processor.parse_message(UserMessage(item.text, metadata=metadata))
        predictions.append(predicted_topic(parse))
        ranking = ((parse.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
        offered.append([str(r.get("intent_response_key", "")).split("/", 1)[-1] for r in ranking[:MAX_SUGGESTIONS]])
    return predictions, offered


def evaluate(model_path: Path, sets: Iterable[Path]) -> Dict[str, Any]:
    """The report for each set."""
    report: Dict[str, Any] = {}
    for path in sets:
        items = load_set(path)
        predictions, offered = asyncio.run(predict(model_path, items))
        report[path.stem] = score(items, predictions, offered)
    return report


def main() -> None:
    """Command-line entry point; prints the report as JSON (`--summary` leaves out the wrong items)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models" / "trialbot.tar.gz"))
    parser.add_argument(
        "--set", action="append", dest="sets", help="a set file (repeatable); default: sets A-I and the follow-ups"
    )
    parser.add_argument("--summary", action="store_true", help="figures only, without the wrong items")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    configure_rasa_logging("ERROR")
    sets = [Path(s) for s in args.sets] if args.sets else [*DEFAULT_SETS, FOLLOW_UPS]
    report = evaluate(Path(args.model), sets)
    if args.summary:
        report = {name: {"styles": r["styles"]} for name, r in report.items()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
