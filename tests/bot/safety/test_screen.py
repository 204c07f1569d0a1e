"""The safety screen decides the order once: crisis, then emergency, then nothing."""

from __future__ import annotations

import pytest

from bot.safety import crisis, emergency
from bot.safety.screen import Finding, first_reply, screen


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("i want to kill myself", Finding.CRISIS),
        ("[photo] i want to kill myself", Finding.CRISIS),
        ("chest pain and i can't breathe", Finding.EMERGENCY),
        ("i want to die, my chest pain is crushing", Finding.CRISIS),
        ("[sticker]", None),
        ("do i have to pay to be in a trial?", None),
    ],
)
def test_screen_finds_a_crisis_before_an_emergency(text: str, finding: Finding | None) -> None:
    assert screen(text) is finding


def test_each_finding_gets_its_own_first_reply() -> None:
    assert first_reply(Finding.CRISIS) == crisis.resources()
    assert first_reply(Finding.EMERGENCY) == emergency.advice()
