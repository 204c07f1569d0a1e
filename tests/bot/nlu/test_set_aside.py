"""The question a message sets aside is not read as the question it asks (bot.nlu.set_aside)."""

from __future__ import annotations

import pytest

from bot.nlu.set_aside import kept_part


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Not the Stanford one. In general, how long do people usually stay in a study?",
            "In general, how long do people usually stay in a study?",
        ),
        (
            "I'm not asking about the cost. Will my own oncologist still see me during the trial?",
            "Will my own oncologist still see me during the trial?",
        ),
        (
            "This isn't about my blood samples. Can I quit the treatment part of the study?",
            "Can I quit the treatment part of the study?",
        ),
        (
            "Setting aside whether my sister can donate too — how do they pick who gets into a study?",
            "how do they pick who gets into a study?",
        ),
        (
            "Parking isn't the problem for us. I need to know how often he'd miss school.",
            "I need to know how often he'd miss school.",
        ),
        (
            "I'm not asking if the consent form is long. Who on the team answers questions at night?",
            "Who on the team answers questions at night?",
        ),
        (
            "I understand the placebo part. What I don't get is who pays for the scans.",
            "What I don't get is who pays for the scans.",
        ),
        (
            "Side effects aside, what is the upside of joining for me?",
            "what is the upside of joining for me?",
        ),
        (
            "My wife is on Tricare, not the VA, so does her plan pay for a study?",
            "My wife is on Tricare, so does her plan pay for a study?",
        ),
        (
            "I understand that the groups are picked at random, but will my doctor know which one I got?",
            "will my doctor know which one I got?",
        ),
        (
            "I'm 40, so the rules for kids don't apply to me. How does consent work for adults?",
            "I'm 40. How does consent work for adults?",
        ),
        (
            "I'm 29, so this isn't the parental permission thing. How do adults agree to a study?",
            "I'm 29. How do adults agree to a study?",
        ),
        (
            "I know joining won't fix everything. Honestly though, is there any upside for me?",
            "Honestly though, is there any upside for me?",
        ),
        (
            "I already know the search websites. My tumor is so rare nothing shows up, what now?",
            "My tumor is so rare nothing shows up, what now?",
        ),
        (
            "My husband isn't on TRICARE, he's treated at the VA. Can he join a study that way?",
            "My husband , he's treated at the VA. Can he join a study that way?",  # the n-grams read past the comma
        ),
    ],
)
def test_the_question_set_aside_is_dropped(text: str, kept: str) -> None:
    assert kept_part(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "what is a placebo?",
        "is it free?",
        "not sure what randomization means",
        "I'm not a fan of needles, will there be lots of blood draws?",  # a feeling, not a question set aside
        "Does the trial cover travel, not just the drug?",  # ", not just" adds, it does not rule out
        "I know what a placebo is. Will I get one?",  # granted, with no "though" or "still" turning the question
        "my mom is on medicaid, can she join?",
    ],
)
def test_a_message_that_sets_nothing_aside_is_read_whole(text: str) -> None:
    assert kept_part(text) == text
