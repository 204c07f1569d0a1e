"""A fever during treatment given as a reading: "102.1 on the thermometer, chemo was 6 days ago".

NCI lists 100.4 °F (38 °C) or higher during chemotherapy among the symptoms to report at once. People give the number
and leave "fever" out, and the number is what a word list cannot hold, so this reads it: a temperature at or above the
reviewed thresholds (`word_lists/fever.yml`), told apart from other numbers by its range and its unit or a word that
says it is a temperature, in a message that names treatment and does not ask about fevers in general ("why is 38
degrees the threshold?").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import FrozenSet, Tuple

from bot.safety.phrases import DIRECTORY
from bot.yaml_files import read_yaml

LIST = "fever"

_READING = re.compile(
    r"(?<![\d.])(\d{2,3}(?:[.,]\d)?)\s*(°|º|degrees?|deg)?\s*([fc])?\b(?![.,]?\d)"
    r"(?!\s*(?:weeks?|days?|months?|years?|yrs?|y/?o|kg|lbs?|pounds|mg|miles?|mi|km|cm|mm|%|percent|hours?|minutes?))",
    re.IGNORECASE,
)
NEAR = 3
"""Words allowed between a whole number and the word that says it is a temperature ("temp was 102")."""
_WORD = re.compile(r"[a-z][a-z-]*")


@lru_cache(maxsize=1)
def _reviewed() -> Tuple[float, float, FrozenSet[str], FrozenSet[str], FrozenSet[str]]:
    data = read_yaml(DIRECTORY / f"{LIST}.yml")
    return (
        float(data["fahrenheit_from"]),
        float(data["celsius_from"]),
        frozenset(data["treatment"]),
        frozenset(data["temperature"]),
        frozenset(data["about_fevers"]),
    )


def reads_a_fever(text: str) -> bool:
    """Whether the message gives a fever reading (°F or °C, by its range) and names treatment."""
    fahrenheit, celsius, treatment, temperature, about_fevers = _reviewed()
    words = _WORD.findall(text.lower())
    if treatment.isdisjoint(words) or not about_fevers.isdisjoint(words):
        return False
    for found in _READING.finditer(text):
        value = float(found.group(1).replace(",", "."))
        unit = (found.group(3) or "").lower()
        decimal = "." in found.group(1) or "," in found.group(1)
        before, after = text[: found.start()].lower(), text[found.end() :].lower()
        around = _WORD.findall(before)[-NEAR:] + _WORD.findall(after)[:NEAR]
        if not (found.group(2) or unit or decimal or not temperature.isdisjoint(around)):
            continue  # "cycle 38", "I'm 40, chemo starts monday": a bare whole number is no reading
        if unit != "c" and fahrenheit <= value < 108:
            return True
        if unit != "f" and celsius <= value < 43:
            return True
    return False
