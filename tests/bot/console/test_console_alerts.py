"""Trial alerts as the team sees them: the conversation page's "Trial alerts" card, and the insights figures
(subscribed, alerts sent, stopped, "tell me more" taps after an alert) on seeded rows."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.alerts.models import AlertSent, AlertSubscription, SubscriptionStatus
from bot.insights import alert_activity
from bot.insights.period import Period
from bot.store.models import Conversation, Direction, Message, MessageKind
from tests.bot.console.browsing import Console

ZONE = ZoneInfo("America/New_York")


async def _subscribe(console: Console, sender: str, status: str = SubscriptionStatus.ACTIVE.value) -> Conversation:
    await console.say(sender, "hello")
    conversation = await console.conversation(sender)
    async with console.sessions() as session:
        subscription = AlertSubscription(
            participant_id=conversation.participant_id,
            identity_id=conversation.identity_id,
            channel=conversation.channel,
            thread_key=conversation.thread_key,
            status=status,
            condition="breast cancer",
            terms=["her2_positive"],
            place_name="Nashville, TN",
            latitude=36.16,
            longitude=-86.78,
            radius_miles=100,
            confirmed_at=datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc),
        )
        session.add(subscription)
        await session.flush()
        alert = Message(
            conversation_id=conversation.id,
            channel=conversation.channel,
            direction=Direction.OUTBOUND.value,
            author="bot",
            kind=MessageKind.TEXT.value,
            text="New trial that may fit … NCT09990001",
        )
        session.add(alert)
        await session.flush()
        session.add(
            AlertSent(
                subscription_id=subscription.id,
                message_id=alert.id,
                nct_ids=["NCT09990001"],
                created_at=datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc),
            )
        )
        await session.commit()
    return conversation


async def test_the_conversation_page_shows_the_subscription_and_the_alerts_sent(console: Console) -> None:
    browser = await console.signed_in("di@example.org", "Di")
    conversation = await _subscribe(console, "alert-person")
    page = (await browser.http.get(f"/console/conversations/{conversation.id}")).text
    card = page.split("<h2>Trial alerts</h2>", 1)[1].split("</section>", 1)[0]
    assert "Subscribed since 2026-12-01" in card
    assert "breast cancer near Nashville, TN (within 100 miles)" in card and "HER2-positive" in card
    assert 'href="https://clinicaltrials.gov/study/NCT09990001"' in card and "2026-12-02 15:00 UTC" in card

    await console.say("someone-else", "hello")
    other = await console.conversation("someone-else")
    page = (await browser.http.get(f"/console/conversations/{other.id}")).text
    assert "Not subscribed." in page.split("<h2>Trial alerts</h2>", 1)[1].split("</section>", 1)[0]


async def test_insights_count_subscriptions_alerts_stops_and_taps_after_an_alert(console: Console) -> None:
    conversation = await _subscribe(console, "counted-person")
    async with console.sessions() as session:
        for text, day in (
            ("tell me more about NCT09990001", 3),  # a tap on the alert's trial: counted
            ("tell me more about NCT01234567", 3),  # a trial the alert did not name: not counted
        ):
            session.add(
                Message(
                    conversation_id=conversation.id,
                    channel=conversation.channel,
                    direction=Direction.INBOUND.value,
                    author="participant",
                    kind=MessageKind.TEXT.value,
                    text=text,
                    created_at=datetime(2026, 12, day, 16, 0, tzinfo=timezone.utc),
                )
            )
        [subscription] = (await session.execute(select(AlertSubscription))).scalars().all()
        subscription.status = SubscriptionStatus.STOPPED.value
        subscription.stopped_at = datetime(2026, 12, 4, 16, 0, tzinfo=timezone.utc)
        subscription.stop_reason = "asked"
        await session.commit()
        series = await alert_activity.per_day(session, Period(date(2026, 12, 1), date(2026, 12, 4), ZONE))
    assert [
        (
            day.isoformat(),
            series.on(day, "subscribed"),
            series.on(day, "alerts sent"),
            series.on(day, "tell me more"),
            series.on(day, "stopped"),
        )
        for day in series.days
    ] == [
        ("2026-12-01", 1, 0, 0, 0),
        ("2026-12-02", 0, 1, 0, 0),
        ("2026-12-03", 0, 0, 1, 0),
        ("2026-12-04", 0, 0, 0, 1),
    ]
