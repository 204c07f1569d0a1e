"""Trial alerts' steps in the conversation (`bot.alerts.chat`, through the router with a scripted core): the yes and
no to an offer, tumor-profile words, what is kept, STOP in its forms, an expired offer, a replaced subscription,
a blocked bot and delete-my-data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, List

import pytest
from sqlalchemy import select

from bot.alerts import subscriptions, texts
from bot.alerts.models import AlertSent, AlertSubscription, SubscriptionStatus
from bot.messages import InboundMessage
from bot.router import Router
from bot.store.models import Conversation, utcnow
from tests.replies import after_disclosure
from tests.scripted_core import ScriptedCore

PERSON = "tg-4242"


def _core() -> ScriptedCore:
    return ScriptedCore(otherwise=[lambda asked, earlier: [f"core: {asked.text}"]])


def _says(text: str) -> InboundMessage:
    return InboundMessage(channel="telegram", platform_user_id=PERSON, text=text, thread_key=PERSON)


async def _texts(router: Router, text: str) -> List[str]:
    replies = (await router.handle(_says(text))).replies
    words = [r.text for r in replies]
    return [r.text for r in after_disclosure(replies)] if any("automated" in w for w in words) else words


async def _offer(sessions: Any, router: Router, created_ago: timedelta = timedelta(0), **profile: Any) -> str:
    """The person has talked with the bot and the action server has made them an offer (breast cancer near
    Nashville unless `profile` says otherwise); returns the conversation."""
    conversation_id = (await router.handle(_says("hello"))).conversation_id
    fields = {
        "condition": "breast cancer",
        "age": 52,
        "place_name": "Nashville, TN",
        "latitude": 36.16,
        "longitude": -86.78,
        "radius_miles": 100,
        "time_zone": "America/Chicago",
        "terms": [],
        **profile,
    }
    async with sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        session.add(
            AlertSubscription(
                participant_id=conversation.participant_id,
                identity_id=conversation.identity_id,
                channel="telegram",
                thread_key=PERSON,
                status=SubscriptionStatus.OFFERED.value,
                created_at=utcnow() - created_ago,
                **fields,
            )
        )
        await session.commit()
    return conversation_id


async def _subscriptions(sessions: Any) -> List[AlertSubscription]:
    async with sessions() as session:
        return list((await session.execute(select(AlertSubscription).order_by(AlertSubscription.id))).scalars())


async def test_terms_then_yes_then_what_is_kept_then_stop(sessions) -> None:  # type: ignore[no-untyped-def]
    core = _core()
    router = Router(sessions, core)
    await _offer(sessions, router)
    [noted] = await _texts(router, "she's her2+ and a brca2 carrier")
    assert "HER2-positive" in noted and "BRCA2" in noted and "Shall I watch" in noted
    [confirmed] = await _texts(router, texts.CONFIRM)
    assert confirmed.startswith("Done: I'm watching for new breast cancer trials near Nashville, TN")
    [subscription] = await _subscriptions(sessions)
    assert subscription.status == "active" and subscription.confirmed_at is not None
    assert {"her2_positive", "brca2"} <= set(subscription.terms)
    [kept] = await _texts(router, "what do you know about me?")
    assert "breast cancer near Nashville, TN (within 100 miles), age 52" in kept and "HER2-positive" in kept
    assert "delete my data" in kept
    assert await _texts(router, "STOP") == [texts.say("stopped")]
    [stopped] = await _subscriptions(sessions)
    assert (stopped.status, stopped.condition, stopped.latitude, stopped.terms) == ("stopped", None, None, None)
    assert "Trial alerts: none." in (await _texts(router, "what info do you have on me"))[0]
    assert not [
        t for t in core.texts if t in (texts.CONFIRM, "STOP", "she's her2+ and a brca2 carrier")
    ], "the model never sees the alerts' own steps"


@pytest.mark.parametrize(
    "words",
    ["stop alerts", "Stop the alerts please", "unsubscribe", "/alerts_stop", "no more alerts", "turn off alerts"],
)
async def test_every_way_of_saying_stop_ends_alerts(sessions, words: str) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    await _offer(sessions, router)
    await _texts(router, texts.CONFIRM)
    assert await _texts(router, words) == [texts.say("stopped")]
    assert [s.status for s in await _subscriptions(sessions)] == ["stopped"]


async def test_a_bare_stop_without_alerts_goes_to_the_model_but_stop_alerts_is_answered(sessions) -> None:  # type: ignore[no-untyped-def]
    core = _core()
    router = Router(sessions, core)
    await router.handle(_says("hello"))
    assert await _texts(router, "stop") == ["core: stop"]
    assert await _texts(router, "stop alerts") == [texts.say("nothing_to_stop")]


async def test_asking_in_words_goes_to_the_model_as_the_offer(sessions) -> None:  # type: ignore[no-untyped-def]
    core = _core()
    router = Router(sessions, core)
    for words in (
        "can you tell me when new trials open?",
        "notify me about new studies",
        "keep me posted pls",
        "let me know if a trial opens near me",
    ):
        assert await _texts(router, words) == [f"core: {texts.OFFER}"]
    for words in (
        "tell me about trials for breast cancer",
        "let me know if this trial is safe",
        "tell me if i qualify for a study",
    ):
        assert await _texts(router, words) == [f"core: {words}"]


async def test_no_thanks_keeps_nothing_and_an_old_offer_has_run_out(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    await _offer(sessions, router)
    assert await _texts(router, texts.CANCEL) == [texts.say("cancelled")]
    assert await _subscriptions(sessions) == []
    await _offer(sessions, router, created_ago=timedelta(days=2))
    assert await _texts(router, texts.CONFIRM) == [texts.say("expired")]


async def test_a_second_subscription_replaces_the_first(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    await _offer(sessions, router)
    await _texts(router, texts.CONFIRM)
    memphis = {"latitude": 35.1, "longitude": -90.0, "radius_miles": 50, "age": None}
    await _offer(sessions, router, condition="lung cancer", place_name="Memphis, TN", **memphis)
    [confirmed] = await _texts(router, texts.CONFIRM)
    assert (
        "lung cancer trials near Memphis" in confirmed
        and "replaces the alerts you had before, for breast cancer" in confirmed
    )
    assert [(s.status, s.stop_reason) for s in await _subscriptions(sessions)] == [
        ("stopped", "replaced"),
        ("active", None),
    ]


async def test_a_person_who_blocked_the_bot_gets_no_more_alerts(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    conversation_id = await _offer(sessions, router)
    await _texts(router, texts.CONFIRM)
    await subscriptions.stop_when_blocked(sessions, conversation_id, "BadRequest")
    assert [s.status for s in await _subscriptions(sessions)] == ["active"], "only a blocked bot ends them"
    await subscriptions.stop_when_blocked(sessions, conversation_id, "Forbidden")
    assert [(s.status, s.stop_reason) for s in await _subscriptions(sessions)] == [("stopped", "blocked the bot")]


async def test_delete_my_data_removes_the_subscription_and_the_record_of_alerts(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, _core())
    await _offer(sessions, router)
    await _texts(router, texts.CONFIRM)
    [subscription] = await _subscriptions(sessions)
    async with sessions() as session:
        session.add(AlertSent(subscription_id=subscription.id, nct_ids=["NCT09990001"], created_at=utcnow()))
        await session.commit()
    await router.handle(_says("/forget"))
    await router.handle(_says("/forget_confirm"))
    assert await _subscriptions(sessions) == []
    async with sessions() as session:
        assert (await session.execute(select(AlertSent))).scalars().all() == []
