"""A low oxygen reading given as a number: "o2 sat 83", "pulse ox says 86 idk if its broken or me".

A pulse oximeter reading at or below the reviewed line (`word_lists/oxygen.yml`) means emergency care now. People give
the number and leave "can't breathe" out, and the number is what a word list cannot hold, so this reads it: a whole
number or percentage in the saturation range, within a few words of a word that says it is oxygen saturation, in a
message that does not put it in the past or ask about readings in general.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import FrozenSet, Tuple

from bot.safety.phrases import DIRECTORY
from bot.yaml_files import read_yaml

LIST = "oxygen"

_READING = re.compile(
    r"(?<![\d.])(\d{2,3})(?:\.\d)?\s*(%|percent)?(?![.,]?\d)"
    r"(?!\s*(?:%\s*)?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|y/?o|mg|kg|lbs?|pounds|miles?|mi"
    r"|km|people|patients|times|of)\b)",  # "sat there 85 minutes", "85% of patients"
    re.IGNORECASE,
)
NEAR = 4
"""Words allowed between the reading and the word that says it is oxygen ("pulse ox says 86")."""
_WORD = re.compile(r"[a-z][a-z0-9-]*")


@lru_cache(maxsize=1)
def _reviewed() -> Tuple[float, float, FrozenSet[str], Tuple[str, ...]]:
    data = read_yaml(DIRECTORY / f"{LIST}.yml")
    return (
        float(data["emergency_at_or_below"]),
        float(data["lowest_reading"]),
        frozenset(data["oxygen"]),
        tuple(str(phrase) for phrase in data["not_now"]),
    )


def reads_low_oxygen(text: str) -> bool:
    """Whether the message gives an oxygen saturation reading at or below the emergency line."""
    line, lowest, oxygen, not_now = _reviewed()
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if oxygen.isdisjoint(words) or any(re.search(rf"\b{re.escape(p)}\b", lowered) for p in not_now):
        return False
    for found in _READING.finditer(lowered):
        value = float(found.group(1))
        if not lowest <= value <= line:
            continue
        around = _WORD.findall(lowered[: found.start()])[-NEAR:] + _WORD.findall(lowered[found.end() :])[:NEAR]
        if not oxygen.isdisjoint(around):
            return True
    return False
