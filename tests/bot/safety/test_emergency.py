"""The medical-emergency word list: every listed phrase is recognised, no listed exclusion is, and the
advice names 911, the emergency room, the care team and its source; then the router answering one first."""

from bot.router import Router
from bot.safety import emergency, honesty, phrases
from bot.yaml_files import read_yaml
from tests.routing import OPEN, inbound, stored_conversation, take_as_coordinator
from tests.scripted_core import PLACEBO, like_the_model


def test_every_listed_phrase_is_recognised_and_no_exclusion_is() -> None:
    data = read_yaml(phrases.DIRECTORY / f"{emergency.LIST}.yml")
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
    assert text.endswith("Source: https://www.cancer.gov/about-cancer/treatment/side-effects/infection")


# Through the router, on a scripted core (`tests/scripted_core.py`).


async def test_an_emergency_gets_the_advice_first_and_the_model_never_sees_it(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    result = await router.handle(inbound("fever of 38.5 since my chemo", "feverish"))
    assert list(result.replies) == [emergency.advice(), honesty.AFTER_SAFETY], "the advice first, the disclosure after"
    assert core.texts == []
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == ("bot", "normal"), "nobody is queued"
    later = await router.handle(inbound("what is a placebo", "feverish"))
    assert [r.text for r in later.replies] == [PLACEBO], "the bot carries on, introduced once"
    assert core.texts == ["what is a placebo"]


async def test_while_a_person_owns_the_conversation_an_emergency_still_gets_the_advice(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    queued = await router.handle(inbound("/human_handoff", "waits-feverish"))
    await take_as_coordinator(sessions, queued.conversation_id)
    result = await router.handle(inbound("fever of 38.5 since my chemo", "waits-feverish"))
    assert list(result.replies) == [emergency.advice()]
    assert core.texts == ["/human_handoff"]
    assert (await stored_conversation(sessions, queued.conversation_id)).status == "with_coordinator"
