"""The medical-emergency word list: every listed phrase is recognised, no listed exclusion is, and the
advice names 911, the emergency room, the care team and its source."""

import yaml

from bot.safety import emergency, phrases


def test_every_listed_phrase_is_recognised_and_no_exclusion_is() -> None:
    data = yaml.safe_load((phrases.DIRECTORY / f"{emergency.LIST}.yml").read_text(encoding="utf-8"))
    listed = [p.replace(phrases.GAP, "") for group in data["phrases"].values() for p in group]
    excluded = [p for group in data["not_matching"].values() for p in group]
    assert [p for p in listed if not emergency.is_emergency(p)] == []
    assert [p for p in excluded if emergency.is_emergency(p)] == []


def test_a_gap_keeps_fever_and_chemotherapy_together_but_not_far_apart() -> None:
    assert emergency.is_emergency("fever of 38.5 since my chemo")
    assert not emergency.is_emergency("fever was never an issue and honestly nothing bad happened during my chemo")


def test_the_advice_says_where_to_go_and_cites_its_source() -> None:
    text = emergency.advice().text
    assert "call 911 or go to the nearest emergency room" in text and "care team" in text
    assert text.endswith(f"Source: {emergency.SOURCE}")
