"""Benchmark of reading a trial search's details out of a message: what it adds per message.

Usage: python -m bench.search_extraction [OUTPUT.json] [--repeats 5]

Every message of the frozen trial-search conversation sets (first messages, answers, corrections) is
read one at a time, `--repeats` times, as trialbot reads it: in the Rasa worker, the search turn
(`bot.nlu.search_turns.search_intent`: cancer mentions, age, place cues, request words); in the action
server, the details (`Geocoder.find` for the place, `cancer_mentions`, `read_age`, `read_sex`). Reports
p50/p95/max in milliseconds for each side and for both together (the issue's goal: ≤ 3 ms p95).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.nlu.search_turns import search_intent
from bot.trials.evaluate import DEFAULT_SETS, load_set
from bot.trials.geo import Geocoder
from bot.trials.understanding import cancer_mentions, read_age, read_sex


def _figures(timings: List[float]) -> Dict[str, float]:
    timings = sorted(timings)
    return {
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "max_ms": round(timings[-1], 3),
    }


def measure(repeats: int = 5) -> Dict[str, Any]:
    """Per-message latency of the worker's search turn, the action server's details, and both."""
    texts = [
        text
        for path in DEFAULT_SETS
        for conversation in load_set(path)
        for text in (*conversation.turns, *conversation.answers.values(), *conversation.after_results)
    ]
    geocoder = Geocoder()
    started = time.perf_counter()
    geocoder.find("Boston, MA")
    load_s = time.perf_counter() - started
    worker: List[float] = []
    action: List[float] = []
    for _ in range(repeats):
        for text in texts:
            began = time.perf_counter()
            search_intent(text, "faq", None, searched=False)
            middle = time.perf_counter()
            geocoder.find(text)
            cancer_mentions(text)
            read_age(text)
            read_sex(text)
            ended = time.perf_counter()
            worker.append((middle - began) * 1000)
            action.append((ended - middle) * 1000)
    both = [w + a for w, a in zip(worker, action, strict=True)]
    return {
        "messages": len(worker),
        "gazetteer_load_s": round(load_s, 3),
        "worker": _figures(worker),
        "action_server": _figures(action),
        "both": _figures(both),
    }


def main(argv: Optional[List[str]] = None) -> int:
    """Print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    figures = measure(args.repeats)
    print(json.dumps(figures))
    if args.output:
        args.output.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
