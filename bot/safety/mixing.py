"""Something everyday taken with a cancer medicine, asked about: "alcohol on pembrolizumab?", "wine with Keytruda ok".

Whether one person may mix the two is medical advice (only the care team knows their other medicines, organs and
counts), and the wording is short and open: a word of drinking or an over-the-counter remedy, "on" or "with", a
drug's name the classifier has never seen. The rule is a shape rather than a phrase: a substance from the reviewed list
(`word_lists/mixing.yml`) within a few words of a medicine (named, or a generic name by its ending, or "my chemo"), in a
message that asks something, and no word of a trial's rules ("does the study allow alcohol?" is the FAQ's).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Pattern

from bot.safety.phrases import DIRECTORY, alternation
from bot.yaml_files import read_yaml

LIST = "mixing"
NEAR = 4
"""Words allowed between the substance and the medicine ("a couple of beers while on keytruda")."""

_ASKS = re.compile(r"\?|\b(?:ok|okay|safe|fine|allowed|can i|could i|should i|is it|bad|alright|good idea)\b")


@lru_cache(maxsize=1)
def _patterns() -> tuple[Pattern[str], Pattern[str]]:
    data = read_yaml(DIRECTORY / f"{LIST}.yml")
    substance = alternation(data["substances"])
    endings = "|".join(re.escape(e) for e in data["medicine_endings"])
    medicine = rf"(?:{alternation(data['medicines'])}|[a-z]{{3,}}(?:{endings}))"
    gap = rf"(?:\s+\S+){{0,{NEAR}}}?\s+"
    after = alternation(data["substance_then_medicine"])
    before = alternation(data["medicine_then_substance"])
    near = re.compile(
        rf"\b(?:{substance})\b{gap}(?:{after})\s+(?:\S+\s+){{0,2}}?{medicine}\b"
        rf"|\b{medicine}\b{gap}(?:{before})\s+(?:\S+\s+){{0,2}}?(?:{substance})\b",
        re.IGNORECASE,
    )
    rules = re.compile(rf"\b(?:{alternation(data['trial_rules'])})\b", re.IGNORECASE)
    return near, rules


def asks_about_mixing(text: str) -> bool:
    """Whether a message asks about taking an everyday substance together with a cancer medicine."""
    near, rules = _patterns()
    return bool(near.search(text)) and bool(_ASKS.search(text.lower())) and not rules.search(text)
