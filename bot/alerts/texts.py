"""What trial alerts say, built from the reviewed wording in `texts.yml` (one place for clinical review)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Sequence

from bot.messages import Button, Reply
from bot.yaml_files import read_yaml

TEXTS_PATH = Path(__file__).with_name("texts.yml")

CONFIRM = "/alerts_confirm"
CANCEL = "/alerts_cancel"
STOP = "/alerts_stop"
OFFER = "/alerts_offer"


@lru_cache(maxsize=1)
def wording() -> Dict[str, str]:
    """Every text by name (read once)."""
    loaded = read_yaml(TEXTS_PATH)
    return {str(key): " ".join(str(value).split()) for key, value in loaded.items()}


def say(name: str, **values: object) -> str:
    """One text with its placeholders filled."""
    return wording()[name].format(**values)


def choice_buttons() -> tuple:
    """Yes / no to an offer."""
    return (Button(say("yes_button"), CONFIRM), Button(say("no_button"), CANCEL))


def offer(condition: str, place: str, radius: float, cap: int, age: Optional[float]) -> Reply:
    """The opt-in: what is watched, what is kept, how to stop; then the optional tumor profile, and yes / no."""
    age_and = "the age you gave, " if age is not None else ""
    text = say("offer", condition=condition, place=place, radius=f"{radius:g}", cap=cap, age_and=age_and)
    return Reply(text=f"{text} {say('offer_details')}", buttons=choice_buttons())


def noted_terms(terms: Sequence[str]) -> Reply:
    """The tumor-profile terms the person gave, read back, with yes / no again."""
    return Reply(text=say("noted_terms", terms=listed(terms)), buttons=choice_buttons())


def listed(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def plain(name: str, **values: object) -> Reply:
    """A text with no buttons."""
    return Reply(text=say(name, **values))
