"""What to say when the model is unsure: a plain apology and the topics the bot can help with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List

STARTER_TOPICS = (
    ("Are you a bot?", "/bot_challenge"),
)


@dataclass(frozen=True)
class FallbackMessage:
    """Text plus Rasa-style buttons (`title`, `payload`)."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


def fallback_message(misses_in_a_row: int) -> FallbackMessage:
    """The fallback reply; a second miss in a row is more explicit about what the bot can do."""
    if misses_in_a_row >= 2:
        text = (
            "I'm still not sure I understand, sorry. I'm an automated assistant and I'm best with "
            "short questions about cancer clinical trials, like \"what is a clinical trial?\" "
            "or \"do I have to pay?\""
        )
    else:
        text = (
            "Sorry, I'm not sure I understood. Could you say it another way? "
            "I can answer questions about cancer clinical trials."
        )
    buttons = [{"title": title, "payload": payload} for title, payload in STARTER_TOPICS]
    return FallbackMessage(text=text, buttons=buttons)
