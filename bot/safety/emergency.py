"""Medical emergencies: recognising chest pain, trouble breathing, severe bleeding, fever during
treatment and the like, and telling the person at once to call 911 or go to the emergency room.

The words live in `word_lists/emergency.yml` (for clinical review); the matching is
`bot/safety/phrases.py`. Like the crisis check it runs before the NLU model and in every conversation
state; unlike a crisis, the conversation stays where it is (nobody is queued): a coordinator cannot
help faster than 911 can.
"""

from __future__ import annotations

from bot.messages import Reply
from bot.safety import answers, phrases

LIST = "emergency"
UNMISTAKABLE = "emergency_unmistakable"


def advice() -> Reply:
    """What the person is told at once: 911 or the emergency room, then their care team, with a source."""
    return answers.answer("emergency")


def is_emergency(text: str) -> bool:
    """Whether a message describes a possible medical emergency (not a figure of speech)."""
    return bool(phrases.load(LIST).find(text))


def is_unmistakable(text: str) -> bool:
    """Whether a message describes an emergency happening now so plainly that the classifier may not overrule it
    (`word_lists/emergency_unmistakable.yml`), outside the emergency list's figures of speech."""
    return bool(phrases.load(UNMISTAKABLE).find(text)) and not is_figure_of_speech(text)


def is_figure_of_speech(text: str) -> bool:
    """Whether a message holds one of the list's reviewed figures of speech ("holding my breath"), which
    the classifier may not overrule."""
    return phrases.load(LIST).excludes(text)
