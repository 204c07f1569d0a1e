"""Medical advice: a word-list backstop for the clearest requests (stopping or skipping treatment,
dosing, one's own results or prognosis), so that they never get an FAQ answer by mistake.

The trained model recognises medical-advice questions too (the `medical_advice` intent). When a
message matches `word_lists/medical_advice.yml`, the router sends the model `INTENT` instead of
the words, and the model answers as it does for that intent: only the care team can answer, why,
and a coordinator offered. Crisis and emergency checks come first. A message that names a cancer and asks
for trials is answered by the search instead (`yields_to_search`): the search gives no advice either.
"""

from __future__ import annotations

from bot.safety import phrases
from bot.trials.understanding import asks_for_trials, cancer_mentions, corrects_age, is_question

LIST = "medical_advice"
INTENT = "/medical_advice"


def is_medical_advice(text: str) -> bool:
    """Whether a message plainly asks for medical advice (per the reviewed list)."""
    return bool(phrases.load(LIST).find(text))


def yields_to_search(text: str) -> bool:
    """Whether a message the screen took for medical advice is a request for trials ("he's 38 with tongue
    cancer that came back … are there trials for this kind of cancer?") or a statement of a diagnosis with no
    question ("the pathology says small cell lung cancer, not the other kind"): it names a cancer and asks for trials or
    asks nothing, so it gets the search (which lists trials and never says what to do) rather than "ask your care
    team". So does an age put right after a search ("oops, that should say 61 not 16. can you redo it"), which the
    classifier can take for a dose.
    Never when the reviewed word list holds it ("should I stop my chemo … any trials?"): that is answered first."""
    named = bool(cancer_mentions(text))
    searched_for = named and (asks_for_trials(text) or not is_question(text))
    return (searched_for or corrects_age(text)) and not is_medical_advice(text)
