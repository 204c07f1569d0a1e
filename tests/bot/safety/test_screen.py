"""The safety screen's decision rule: word lists and classifier, crisis before emergency before medical advice."""

from __future__ import annotations

from typing import Dict, Optional

import pytest

from bot.safety import crisis, emergency
from bot.safety.screen import THRESHOLDS, Finding, classifiable, default_screen, first_reply


def probabilities(**given: float) -> Dict[str, float]:
    """Class probabilities; `none` is 0.5 unless given (below the veto, so the word lists count)."""
    base = {**dict.fromkeys(("crisis_self", "crisis_other", "emergency", "medical_advice"), 0.0), "none": 0.5}
    base.update(given)
    return base


@pytest.mark.parametrize(
    ("text", "given", "finding"),
    [
        ("i want to kill myself", {}, Finding.CRISIS),  # the word list alone
        ("chest pain and i can't breathe", {}, Finding.EMERGENCY),
        ("i want to die, my chest pain is crushing", {}, Finding.CRISIS),  # crisis comes first
        ("nothing here", {"crisis_self": 0.3, "crisis_other": 0.1}, Finding.CRISIS),  # the two add up
        ("nothing here about my brother", {"crisis_self": 0.1, "crisis_other": 0.3}, Finding.CRISIS_OTHER),
        ("nothing here", {"crisis_self": 0.1, "crisis_other": 0.3}, Finding.CRISIS),  # nobody else named
        ("nothing here", {"emergency": THRESHOLDS.emergency}, Finding.EMERGENCY),
        ("nothing here", {"medical_advice": THRESHOLDS.medical_advice}, Finding.MEDICAL_ADVICE),
        ("nothing here", {"crisis_self": 0.2, "emergency": 0.2, "medical_advice": 0.4}, None),
        # A never-overruled phrase amid trial talk the classifier is sure of (none 0.97), past the 0.01 speed gate
        (
            "kms fr i cant do another round of this. ok what was the question about the screening visit",
            {"crisis_self": 0.03, "none": 0.97},
            Finding.CRISIS,
        ),
        ("bf just had a seizure on the couch", {"emergency": 0.02, "none": 0.98}, Finding.EMERGENCY),
    ],
)
def test_the_decision_rule(text: str, given: Dict[str, float], finding: Optional[Finding]) -> None:
    assert default_screen().decide(text, probabilities(**given)) is finding


def test_a_classifier_sure_it_is_nothing_overrules_a_word_list_hit() -> None:
    screen = default_screen()
    sure = probabilities(none=THRESHOLDS.veto)
    assert screen.decide("does this drug raise suicide risk?", sure) is None
    assert screen.decide("does this drug raise suicide risk?", probabilities()) is Finding.CRISIS


def test_a_vetoed_word_list_hit_stands_when_its_own_sentence_is_risk() -> None:
    """The veto judges the hit's sentence, not the questions around it (the sentence is read by the real classifier)."""
    screen = default_screen()
    sure = probabilities(none=0.9)  # the whole message, diluted by trial talk
    said = "i want to die fr. cant do another cycle of this. anyway what time is the screening visit"
    assert screen.decide(said, sure) is Finding.CRISIS
    assert screen.decide("My brother is coughing up blood. He is on the lung study. Who do we ask?", sure) is (
        Finding.EMERGENCY
    )
    assert screen.decide("does this drug raise suicide risk? saw it on tiktok and got curious", sure) is None
    unsaid = "i want to die fr cant do another cycle of this anyway what time is the screening visit"
    assert screen.decide(unsaid, sure) is None  # one sentence: the veto judges it whole


@pytest.mark.parametrize(
    "text",
    [
        "who gets my biobank samples after I'm dead, which will be soon since I've picked a date and already written "
        "letters to my kids",
        "I don't want to die slowly from this so I'm planning to do it on my own terms next week once I've said "
        "goodbye to everyone",
        "this waiting is killing me so I've been putting my affairs in order and saying my goodbyes, I won't be here "
        "for the results",
    ],
)
def test_a_figure_of_speech_does_not_hide_a_crisis_said_around_it(text: str) -> None:
    """Reviewed figures of speech ("after I'm dead", "I don't want to die", "killing me") are taken out and the rest
    of the sentence is still read, by the real classifier."""
    assert crisis.is_figure_of_speech(text) and not crisis.is_crisis(text)
    assert default_screen().screen(text) is Finding.CRISIS


@pytest.mark.parametrize(
    "text",
    ["would die for a burrito rn", "this consent form is killing me lol, what's a washout period", "im dead 💀"],
)
def test_a_figure_of_speech_with_little_else_stays_a_figure_of_speech(text: str) -> None:
    assert crisis.outside_figures_of_speech(text) is not None
    assert default_screen().screen(text) is None


def test_a_plain_first_person_statement_of_risk_is_never_overruled() -> None:
    screen = default_screen()
    # Sure it is ordinary (above the veto), with a little crisis signal (above the gate, below the threshold).
    sure = probabilities(none=0.85, crisis_self=0.1)
    long = "Our son was told he isn't eligible for the trial. Honestly I just wish I was dead. Is there another trial?"
    assert screen.decide(long, sure) is Finding.CRISIS
    assert screen.decide("I wanted to kill myself in high school but I'm fine now", sure) is None  # past: may be
    assert screen.decide("I want to die at home, not in a hospital. Do trials allow that?", sure) is None
    # Acquiring a gun (AFSP: acquiring a weapon), however much trial talk is around it; a gun safe stores one away.
    bought = "Dad's scans were bad again. I bought a pistol on Friday and I know why. Any trials for him in Boise?"
    assert screen.decide(bought, sure) is Finding.CRISIS
    assert screen.decide("we bought a gun safe for the cabin. any trials for him in Boise?", sure) is None
    # Pills set out ready (C-SSRS: preparatory behaviour), whatever search comes before; a weekly organiser is no risk.
    ready = "any melanoma trials near denver? i have the pills lined up on the nightstand, so it might not matter"
    assert screen.decide(ready, sure) is Finding.CRISIS
    assert screen.decide("my mom's pills are lined up in her weekly organizer. any trials near denver?", sure) is None
    # Belongings given away, goodbyes in so many words, means put plainly, an exit of one's own (AFSP, C-SSRS).
    for said in (
        "gave my xbox to my cousin today, he doesnt need to know why. anyway what is a phase 2 trial",
        "said bye to my group chat last night. feels calm. is the biobank free?",
        "ive saved up 4 weeks of my oxy. are there sarcoma trials in ohio",
        "the scans are bad again and i think i'd rather make my own exit than do another trial",
    ):
        assert screen.decide(said, sure) is Finding.CRISIS, said
    assert screen.decide("I gave my old laptop to my nephew. Can I do the trial surveys on my phone?", sure) is None
    for ordinary in (
        "I don't know why the trial needs so many visits",
        "I have chosen a date for my surgery, can the trial wait?",
        "my oncologist is not around next month, who covers my visits?",
        "deleted all my socials because of privacy, is my trial data safe?",
    ):
        assert screen.decide(ordinary, sure) is None, ordinary


def test_an_emergency_happening_now_is_never_overruled_and_comes_before_a_crisis_only_the_classifier_reads() -> None:
    screen = default_screen()
    sure = probabilities(none=0.95, emergency=0.02)  # the classifier learned "I had a seizure as a child" as nothing
    assert screen.decide("bf just had a seizure on the couch what do i do", sure) is Finding.EMERGENCY
    assert screen.decide("I had a seizure as a child, can I still join?", sure) is None
    bleed = "He hit his head on a blood thinner and says it's the worst headache of his life. Getting sleepier."
    assert screen.decide(bleed, probabilities(crisis_other=0.5, emergency=0.45, none=0.05)) is Finding.EMERGENCY
    # A crisis the lists name stays a crisis, whatever emergency words are around it.
    both = "i want to kill myself and i just had a seizure"
    assert screen.decide(both, probabilities(crisis_self=0.5, emergency=0.45, none=0.05)) is Finding.CRISIS


def test_checking_out_is_a_crisis_with_a_time_or_a_decision_not_with_something_to_look_at() -> None:
    sure = probabilities(none=0.9, crisis_self=0.1)
    screen = default_screen()
    assert screen.decide("already decided im checking out before christmas", sure) is Finding.CRISIS
    assert screen.decide("ready to check out", sure) is Finding.CRISIS
    assert screen.decide("ready to check out the trial list you sent", sure) is None
    assert screen.decide("can i check out early from the hospital after the biopsy", sure) is None


def test_asking_how_much_would_be_lethal_is_a_crisis() -> None:
    assert crisis.is_crisis("Would combining my lorazepam with alcohol be sufficient to cause death?")
    assert crisis.is_crisis("is 20 tylenol enough to kill me")
    assert not crisis.is_crisis("how many pills do i take a day")


def test_payloads_commands_and_single_words_are_left_to_the_word_lists() -> None:
    assert not classifiable("/satisfaction_up") and not classifiable("/start") and not classifiable("hi")
    assert classifiable("hi again") and classifiable("[photo] goodbye everyone")
    assert default_screen().screen("suicidal") is Finding.CRISIS


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("[photo] i want to kill myself", Finding.CRISIS),
        ("my brother texted me that he is going to end his life tonight", Finding.CRISIS_OTHER),
        ("[sticker]", None),
        ("do i have to pay to be in a trial?", None),
        ("what is a placebo", None),
        ("how many weeks would it take to get results", None),  # the shape of a lethal-amount question, not one
        ("tylenol with my study pill?", Finding.MEDICAL_ADVICE),
        ("can I have a glass of wine tonight while I'm on the trial drug?", Finding.MEDICAL_ADVICE),
    ],
)
def test_the_trained_screen_on_plain_cases(text: str, finding: Optional[Finding]) -> None:
    assert default_screen().screen(text) is finding


def test_each_finding_gets_its_own_first_reply() -> None:
    assert first_reply(Finding.CRISIS) == crisis.resources()
    assert first_reply(Finding.CRISIS_OTHER) == crisis.for_someone_else()
    assert first_reply(Finding.EMERGENCY) == emergency.advice()
    assert first_reply(Finding.MEDICAL_ADVICE) is None
    assert "988" in crisis.for_someone_else().text and "911" in crisis.for_someone_else().text


def test_an_age_said_on_its_own_is_left_to_the_word_lists() -> None:
    """ "she's 2", the answer to "How old…?", had got the crisis lines for someone else from the classifier."""
    assert not classifiable("she's 2") and not classifiable("my son's 6") and not classifiable("im 17 btw")
    assert classifiable("she's 2 and has a fever of 103 on chemo")
    assert default_screen().screen("my son is 6 and wants to die") is Finding.CRISIS_OTHER


def test_all_in_capitals_is_the_leukemia_unless_the_message_is_shouted() -> None:
    from bot.safety.classifier import spelled_out

    assert spelled_out("relapsed ALL, any studies?") == "relapsed acute lymphoblastic leukemia, any studies?"
    assert spelled_out("I WANT TO END IT ALL") == "I WANT TO END IT ALL"
    assert default_screen().screen("ok so my doctor thinks i might fit a trial?? i have b-cell ALL") is None
    assert default_screen().screen("i want to end it ALL") is Finding.CRISIS
