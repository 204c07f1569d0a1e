"""The safety screen: whether a message needs the crisis lines, emergency advice or the care team first.

Two layers, asked for every message the router stores (a photo's caption too), whoever owns the
conversation, and by Slack's "no private place to answer" path for the message it cannot store:

1. the reviewed word lists (`word_lists/*.yml`, deterministic, for clinical review);
2. the trained classifier (`bot.safety.classifier`), for the wording nobody wrote down.

The decision rule is tuned for recall on crisis and emergency (a false alarm costs a kind message
and a coordinator's look; a miss can cost a life): a class fires when its probability reaches its
threshold in `THRESHOLDS`, which is far below "most likely class". Order: crisis first (the writer
or someone else), then an emergency, then crisis or an emergency said in one sentence of a longer message,
then medical advice (the classifier, the reviewed list, or a lab value of one's own asked about:
`lab_values`). `docs/safety.md` gives the measured
trade-off behind each threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Mapping, Optional

from bot.messages import Reply
from bot.nlu.model import sentences
from bot.safety import crisis, emergency, fever, lab_values, medical_advice, mixing, oxygen, phrases
from bot.safety.classifier import SafetyClassifier, load


class Finding(Enum):
    """What the screen found in a message."""

    CRISIS = "crisis_self"
    """The writer may be at risk of suicide or self-harm."""
    CRISIS_OTHER = "crisis_other"
    """Someone the writer knows may be at risk of suicide or self-harm."""
    EMERGENCY = "emergency"
    MEDICAL_ADVICE = "medical_advice"

    @property
    def is_crisis(self) -> bool:
        """Crisis lines and an urgent place in the queue, for the writer or for someone else."""
        return self in (Finding.CRISIS, Finding.CRISIS_OTHER)


@dataclass(frozen=True)
class Thresholds:
    """The probability at which each class fires (crisis: the writer's and someone else's together), and
    the probability of `none` at which the classifier overrules a word-list hit."""

    crisis: float
    emergency: float
    medical_advice: float
    veto: float


THRESHOLDS = Thresholds(crisis=0.28, emergency=0.3, medical_advice=0.5, veto=0.7)


SENTENCE_AGREEMENT = 0.9
"""In a message of several sentences, the probability of crisis (or emergency) the classifier must give one sentence,
read alone, for it to fire although the whole message does not reach its threshold ("i want to die fr. cant do another
round of this. ok what was the question about the screening visit": the question dilutes the whole)."""

SENTENCE_GATE = 0.1
"""The crisis (or emergency) probability of the whole message from which its sentences are read one by one for the
classifier's own finding (a word-list hit is always read in its sentence)."""

UNMISTAKABLE_GATE = 0.01
"""The crisis (the writer's and someone else's together) or emergency probability from which the never-overruled
phrases of that class are looked for: a speed gate (two phrase lists cost ~0.5 ms a message; an ordinary message scores
~0.00). "kms fr i cant do another round of this. ok what was the question about the screening visit" scores 0.03 and
"bf just had a seizure on the couch" 0.02 (a gate of 0.05, used until the seventh 2026-12-06 session, missed both)."""

FIGURE_REST_WORDS = 15
"""A message with a reviewed figure of speech ("I'm dead 😂") still gets the crisis lines from the classifier when, with
the figure of speech taken out, at least this many words are left and the classifier is as sure of a crisis in them as
it must be of one sentence (`SENTENCE_AGREEMENT`): the figure of speech is set aside, not the whole message."""

NOTHING_LEARNED: Mapping[str, float] = {
    "crisis_self": 0.0,
    "crisis_other": 0.0,
    "emergency": 0.0,
    "medical_advice": 0.0,
}
"""The classifier's side for a message it is not asked about: the word lists alone decide."""

_PAYLOAD = re.compile(r"/[A-Za-z_]+(\{.*\})?")


# An age said on its own ("she's 2", "my son's 6", "im 17 btw"), the answer to "How old…?": nothing in it for the
# classifier to weigh, and its n-grams are those of relatives in crisis messages ("she's 2" had got the lines for
# someone else). The word lists still read it.
_BARE_AGE = re.compile(
    r"(?:i\s*'?\s*a?m|i\s+am|(?:he|she|they)\s*(?:'s|s|\s+is|'re|\s+are)|(?:my|our)\s+\w+\s*(?:'s|s|\s+is)|age[ds]?)?"
    r"\s*:?\s*\d{1,3}\s*(?:years?|yrs?|yo|y/?o)?(?:\s*old)?(?:\s*(?:btw|now|lol|f|m))?\s*[.!]*",
    re.IGNORECASE,
)


def classifiable(text: str) -> bool:
    """Whether the classifier is asked: two words or more, and not one of our own button payloads
    ("/satisfaction_up", "/search_trials"), a command or an age said on its own. Single words are the word lists'
    to judge."""
    stripped = text.strip()
    return not _PAYLOAD.fullmatch(stripped) and not _BARE_AGE.fullmatch(stripped) and len(phrases.tokens(stripped)) >= 2


class SafetyScreen:
    """Word lists first, then the classifier's probabilities against `thresholds`."""

    def __init__(self, classifier: SafetyClassifier, thresholds: Thresholds = THRESHOLDS) -> None:
        self.classifier = classifier
        self.thresholds = thresholds

    def screen(self, text: str) -> Optional[Finding]:
        """The finding for one message, or None (it goes on to the rest of the pipeline)."""
        if not classifiable(text):
            return self.decide(text, NOTHING_LEARNED)
        return self.decide(text, self.classifier.probabilities(text))

    def decide(self, text: str, probabilities: Mapping[str, float]) -> Optional[Finding]:
        """The decision rule, given the classifier's probabilities for `text`.

        A word-list hit fires unless the classifier is sure the message needs nothing (`none` at or
        above `thresholds.veto`): that is how "does this drug raise suicide risk?" or "I had a seizure
        as a child, can I join?" reach the FAQ instead of the crisis lines or 911. The other way round,
        a reviewed figure of speech in a list (`not_matching`: "cutting back", "holding my breath")
        keeps the classifier from firing that class on its own. A few plain, present, first-person statements
        of risk ("I just wish I was dead", `crisis.is_unmistakable`) are never overruled, however much trial
        talk is around them."""
        lists = probabilities.get("none", 0.0) < self.thresholds.veto
        self_risk, other_risk = probabilities["crisis_self"], probabilities["crisis_other"]
        learned_crisis = self_risk + other_risk >= self.thresholds.crisis and self._crisis_outside_figures(text)

        # The never-overruled phrases win however sure the classifier is of nothing (looked for past a speed gate).
        def listed_crisis() -> bool:
            return (lists and crisis.is_crisis(text)) or (
                self_risk + other_risk >= UNMISTAKABLE_GATE and crisis.is_unmistakable(text)
            )

        # An emergency happening now, said plainly, wins over a crisis only the classifier reads into it ("the worst
        # headache of his life, he's getting sleepier" is a bleed): 911 first. The broader emergency list does not
        # ("opening the gun safe at night ... can't survive losing her" holds no emergency, whatever the list finds).
        def happening_now() -> bool:
            return (
                (probabilities["emergency"] >= UNMISTAKABLE_GATE and emergency.is_unmistakable(text))
                or fever.reads_a_fever(text)
                or oxygen.reads_low_oxygen(text)
            )  # "102.1 after chemo", "o2 sat 83"

        if learned_crisis:
            return _whose(text, self_risk, other_risk) if listed_crisis() or not happening_now() else Finding.EMERGENCY
        if listed_crisis():
            return _whose(text, self_risk, other_risk)
        learned_emergency = probabilities["emergency"] >= self.thresholds.emergency
        if (
            (learned_emergency and not emergency.is_figure_of_speech(text))
            or (lists and emergency.is_emergency(text))
            or happening_now()
        ):
            return Finding.EMERGENCY
        in_one_sentence = self._sentence_finding(text, probabilities, lists)
        if in_one_sentence is not None:
            return in_one_sentence
        advice = probabilities["medical_advice"] >= self.thresholds.medical_advice
        if (
            (lists and medical_advice.is_medical_advice(text))
            or advice
            or lab_values.asks_about_own_value(text)
            or mixing.asks_about_mixing(text)  # "alcohol on pembrolizumab?"
        ):
            return Finding.MEDICAL_ADVICE
        return None

    def _crisis_outside_figures(self, text: str) -> bool:
        """Whether the classifier's crisis reading stands once the list's reviewed figures of speech are taken out:
        "this form is killing me lol" holds nothing else, but "after I'm dead, which could be sooner than anyone
        expects, because I've decided not to wait for the cancer" does. The figure of speech is set aside, not the
        whole message."""
        rest = crisis.outside_figures_of_speech(text)
        if rest is None:
            return True
        if len(rest.split()) < FIGURE_REST_WORDS:
            return False  # a few words left ("would … a nap") are no message to judge
        p = self.classifier.probabilities(rest)
        return p["crisis_self"] + p["crisis_other"] >= SENTENCE_AGREEMENT

    def _sentence_finding(self, text: str, probabilities: Mapping[str, float], lists: bool) -> Optional[Finding]:
        """Crisis or an emergency said in one sentence of a longer message, which the other sentences dilute:

        - a word-list hit the whole message's probabilities veto still fires when the classifier, reading the hit's
          sentence alone, gives the list's class at least `SENTENCE_AGREEMENT` (the veto judges the hit's context,
          not the questions around it);
        - the classifier's own crisis or emergency fires when one sentence alone reaches `SENTENCE_AGREEMENT` and the
          whole message already shows some (`SENTENCE_GATE`).

        Only a message of several sentences is looked at; its sentences are scored only for a vetoed list hit or
        when it shows some risk, so ordinary messages cost one regular-expression split."""
        parts = sentences(text)
        if len(parts) < 2:
            return None
        vetoed = [] if lists else [check for check in (crisis.is_crisis, emergency.is_emergency) if check(text)]
        # The classifier's own finding needs some risk in the whole message, and no reviewed figure of speech of its
        # class in the sentence — for an emergency, nowhere in the message ("drowning in bills … like collection
        # letters drowning"); a crisis said after "this form is killing me" still counts.
        crisis_gate = probabilities["crisis_self"] + probabilities["crisis_other"] >= SENTENCE_GATE
        emergency_gate = probabilities["emergency"] >= SENTENCE_GATE and not emergency.is_figure_of_speech(text)
        for part in parts if vetoed or crisis_gate or emergency_gate else ():
            if not classifiable(part):
                continue
            p = self.classifier.probabilities(part)
            if p["crisis_self"] + p["crisis_other"] >= SENTENCE_AGREEMENT and (
                (crisis.is_crisis in vetoed and crisis.is_crisis(part))
                or (crisis_gate and not crisis.is_figure_of_speech(part))
            ):
                return _whose(part, p["crisis_self"], p["crisis_other"])
            if p["emergency"] >= SENTENCE_AGREEMENT and (
                (emergency.is_emergency in vetoed and emergency.is_emergency(part)) or emergency_gate
            ):
                return Finding.EMERGENCY
        return None


def _whose(text: str, self_risk: float, other_risk: float) -> Finding:
    """A crisis for someone else when the classifier leans that way and the message names another person;
    otherwise the writer's own (a wrong "how to help them" answer to someone at risk is the costlier mistake)."""
    return Finding.CRISIS_OTHER if other_risk > self_risk and crisis.names_someone_else(text) else Finding.CRISIS


@lru_cache(maxsize=1)
def default_screen() -> SafetyScreen:
    """The process's screen: built once (the classifier loaded from its cache, or trained and cached)."""
    return SafetyScreen(load())


def first_reply(finding: Finding) -> Optional[Reply]:
    """What the person is told at once; None for medical advice (the model answers it as its own intent)."""
    if finding is Finding.CRISIS:
        return crisis.resources()
    if finding is Finding.CRISIS_OTHER:
        return crisis.for_someone_else()
    if finding is Finding.EMERGENCY:
        return emergency.advice()
    return None
