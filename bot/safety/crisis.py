"""Crisis: recognising messages about suicide or self-harm, and the crisis lines the person is given at once.

The words live in `word_lists/crisis.yml` (with comments, for clinical review); the matching
(typos, slang, look-alike letters, figures of speech) is `bot/safety/phrases.py`. `is_crisis` does not
depend on the NLU model's intent, so the router runs it before the model is asked, in every
conversation state.

Trade-off: precision on figures of speech matters, but when a message might be a real first-person
risk statement it fires — negations ("I'm not suicidal but...") and half-jokes included. A false
alarm costs a kind message and a coordinator's look; a miss could cost a life.
"""

from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet, Optional

from bot.messages import Reply
from bot.safety import answers, phrases
from bot.yaml_files import read_yaml

LIST = "crisis"
UNMISTAKABLE = "crisis_unmistakable"
SOMEONE_ELSE = "someone_else"
TYPO_LENGTH = 5
"""`someone_else.yml`'s words at least this long are matched allowing a typo."""


def resources() -> Reply:
    """What the person is told at once: the 988 Lifeline (call, text or chat) and 911 if in danger now."""
    return answers.answer("crisis_self")


def for_someone_else() -> Reply:
    """What a person worried about someone else is told: how to help, 988 for them, 911 if in danger now."""
    return answers.answer("crisis_other")


def is_crisis(text: str) -> bool:
    """Whether a message is about suicide or self-harm (direct, indirect, slang or misspelt), not a figure of speech."""
    return bool(phrases.load(LIST).find(text))


def is_figure_of_speech(text: str) -> bool:
    """Whether a message holds one of the list's reviewed figures of speech ("cutting back"), which
    the classifier may not overrule."""
    return phrases.load(LIST).excludes(text)


def outside_figures_of_speech(text: str) -> Optional[str]:
    """The message without the list's reviewed figures of speech, or None when it holds none: a crisis the classifier
    reads in what is left is not the figure of speech's ("after I'm dead … I've decided I'm not waiting for the
    cancer to do it")."""
    return phrases.load(LIST).without_excluded(text)


def is_unmistakable(text: str) -> bool:
    """Whether a message holds a present, first-person statement of risk so plain that the classifier may not
    overrule it (`word_lists/crisis_unmistakable.yml`), outside the crisis list's figures of speech."""
    rest = outside_figures_of_speech(text)
    return bool(phrases.load(UNMISTAKABLE).find(text if rest is None else rest))


def names_someone_else(text: str) -> bool:
    """Whether a message names a person other than the writer (`word_lists/someone_else.yml`: "he", "my son",
    "a friend", "my husbnd"): only then may a crisis be answered as someone else's."""
    words = _someone_else_words()
    written = phrases.tokens(text)
    if not words.isdisjoint(written):
        return True
    # Longer words may carry a typo ("husbnd", "daugther"); short ones must be exact ("the" is not "they").
    return any(phrases.similar(w, word) for w in written for word in words if len(word) >= TYPO_LENGTH)


@lru_cache(maxsize=1)
def _someone_else_words() -> FrozenSet[str]:
    data = read_yaml(phrases.DIRECTORY / f"{SOMEONE_ELSE}.yml")
    return frozenset(str(word) for group in data["words"].values() for word in group)
