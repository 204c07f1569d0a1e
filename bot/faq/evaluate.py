"""Held-out FAQ accuracy: how often the trained model picks the right topic for unseen phrasings.

Run: `python -m bot.faq.evaluate [--model models/trialbot.tar.gz] [--heldout tests/data/faq_heldout.yml]`.
Prints a JSON report (top-1 accuracy, counts and the misses).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.core.worker import configure_rasa_logging
from bot.store.db import PROJECT_ROOT

DEFAULT_HELDOUT = PROJECT_ROOT / "tests" / "data" / "faq_heldout.yml"
# "Are there trials for my cancer near Boston" may start the search itself instead of explaining
# how to find a trial, and "can I join the Moonshot Biobank" may walk through who can donate: for
# those topics both answers are right.
ALSO_RIGHT = {
    "find_a_trial": {"<search_trials>"},
    "moonshot_biobank": {"<donate_eligibility>", "<donate_how>"},
}


def load_heldout(path: Path) -> Dict[str, List[str]]:
    """Topic id → held-out phrasings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(p) for p in v] for k, v in (data.get("heldout") or {}).items()}


def predicted_topic(parse: Dict[str, Any]) -> str:
    """The FAQ topic a parse result points to, or the plain intent name when it is not a FAQ."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent != "faq":
        return f"<{intent}>"
    response = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = str(response.get("intent_response_key") or "")
    return key.split("/", 1)[-1]


async def evaluate(model_path: Path, heldout: Dict[str, List[str]]) -> Dict[str, Any]:
    """Parse every held-out phrasing with the model and score top-1 topic accuracy."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    total = correct = 0
    misses = []
    for topic, phrasings in heldout.items():
        for text in phrasings:
            parse = await agent.parse_message(text)
            got = predicted_topic(parse)
            total += 1
            if got == topic or got in ALSO_RIGHT.get(topic, ()):
                correct += 1
            else:
                misses.append({"text": text, "expected": topic, "got": got})
    return {
        "topics": len(heldout),
        "phrasings": total,
        "correct": correct,
        "top1_accuracy": round(correct / total, 4) if total else 0.0,
        "misses": misses,
    }


def main() -> None:
    """Command-line entry point; prints the report as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models" / "trialbot.tar.gz"))
    parser.add_argument("--heldout", default=str(DEFAULT_HELDOUT))
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    configure_rasa_logging("ERROR")
    report = asyncio.run(evaluate(Path(args.model), load_heldout(Path(args.heldout))))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
