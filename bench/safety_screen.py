"""Benchmark of the safety stage the router runs on every message: load time and per-message latency.

Usage: python -m bench.safety_screen [OUTPUT.json] [--repeats 5]

Loads the screen as the gateway does at start-up (timed), then screens every message of the frozen
evaluation sets (realistic lengths, risk and everyday) `--repeats` times, one message at a time,
and reports p50/p95/max in milliseconds: word lists and classifier together, as the router calls it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.safety.classifier import load
from bot.safety.evaluate import EVAL_DIR, load_set
from bot.safety.screen import SafetyScreen


def measure(repeats: int = 5) -> Dict[str, Any]:
    """Load time and latency percentiles of the whole safety stage."""
    started = time.perf_counter()
    screen = SafetyScreen(load())
    load_s = time.perf_counter() - started
    texts = [item.text for path in sorted(EVAL_DIR.glob("*.yml")) for item in load_set(path)]
    screen.screen(texts[0])
    timings: List[float] = []
    for _ in range(repeats):
        for text in texts:
            began = time.perf_counter()
            screen.screen(text)
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return {
        "load_s": round(load_s, 3),
        "messages": len(timings),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "max_ms": round(timings[-1], 3),
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
