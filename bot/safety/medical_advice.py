"""Medical advice: a word-list backstop for the clearest requests (stopping or skipping treatment,
dosing, one's own results or prognosis), so that they never get an FAQ answer by mistake.

The trained model recognises medical-advice questions too (the `medical_advice` intent). When a
message matches `word_lists/medical_advice.yml`, the router sends the model `INTENT` instead of
the words, and the model answers as it does for that intent: only the care team can answer, why,
and a coordinator offered. Crisis and emergency checks come first.
"""

from __future__ import annotations

from bot.safety import phrases

LIST = "medical_advice"
INTENT = "/medical_advice"


def is_medical_advice(text: str) -> bool:
    """Whether a message plainly asks for medical advice (per the reviewed list)."""
    return bool(phrases.load(LIST).find(text))
