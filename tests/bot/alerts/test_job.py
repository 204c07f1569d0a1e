"""The matching job (`bot.alerts.job`) on a real database (SQLite and PostgreSQL) with real trial records: what is
new and fits, what the message says, quiet hours, the weekly cap, never twice, and a second run at the same time."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.alerts import job, lock
from bot.alerts.models import AlertSent, AlertSubscription, JobLock, SubscriptionStatus
from bot.alerts.timing import QuietHours
from bot.store.models import ChannelIdentity, Conversation, Message, OutboxEntry, Participant
from bot.trials.importer import TrialImporter
from tests.alert_trials import SEATTLE, new_trial

NOON_IN_NASHVILLE = datetime(2026, 12, 7, 18, 0, tzinfo=timezone.utc)
SUBSCRIBED = NOON_IN_NASHVILLE - timedelta(days=2)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:  # a sync engine here (the job's), not conftest's async one
    engine = create_engine(database_url, future=True)
    yield engine
    engine.dispose()


def _import(engine: Engine, records: List[Dict[str, Any]], at: datetime) -> None:
    with Session(engine) as session:
        TrialImporter(session, clock=lambda: at).import_records(records)
        session.commit()


def _subscriber(engine: Engine, terms: Tuple[str, ...] = ("her2_positive",), chat: str = "501") -> int:
    """A Telegram person with an active subscription for breast cancer near Nashville; returns its id."""
    with Session(engine) as session:
        person = Participant()
        session.add(person)
        session.flush()
        identity = ChannelIdentity(channel="telegram", platform_user_id=chat, participant_id=person.id)
        session.add(identity)
        session.flush()
        session.add(
            Conversation(participant_id=person.id, identity_id=identity.id, channel="telegram", thread_key=chat)
        )
        subscription = AlertSubscription(
            participant_id=person.id,
            identity_id=identity.id,
            channel="telegram",
            thread_key=chat,
            status=SubscriptionStatus.ACTIVE.value,
            condition="breast cancer",
            terms=list(terms),
            age=52,
            place_name="Nashville, TN",
            latitude=36.1627,
            longitude=-86.7816,
            radius_miles=100,
            time_zone="America/Chicago",
            created_at=SUBSCRIBED,
            confirmed_at=SUBSCRIBED,
        )
        session.add(subscription)
        session.commit()
        return int(subscription.id)


def _alerts(engine: Engine) -> List[Tuple[str, Optional[datetime], List[str]]]:
    """Every alert stored: (its text, when its outbox row is due, the trials it named)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Message.text, OutboxEntry.next_attempt_at, AlertSent.nct_ids)
            .join(AlertSent, AlertSent.message_id == Message.id)
            .outerjoin(OutboxEntry, OutboxEntry.message_id == Message.id)
            .order_by(AlertSent.id)
        ).all()
        return [(text, due, list(ids)) for text, due, ids in rows]


def test_a_new_trial_that_fits_is_said_once_with_what_it_mentions_and_its_source(engine: Engine) -> None:
    _import(engine, [new_trial("NCT09991000", "An older study")], at=SUBSCRIBED - timedelta(days=30))
    _subscriber(engine)
    _import(
        engine,
        [
            new_trial("NCT09991001", "A new HER2 study"),
            new_trial("NCT09991002", "A new study far away", at=SEATTLE, city="Seattle"),
            new_trial("NCT09991003", "A new lung study", conditions=("Non-small Cell Lung Cancer",), criteria="EGFR"),
            new_trial("NCT09991004", "A closed new study", status="COMPLETED"),
        ],
        at=SUBSCRIBED + timedelta(days=1),
    )
    report = job.run(engine, NOON_IN_NASHVILLE)
    assert (report.subscriptions, report.alerts, report.trials) == (1, 1, 1)
    [(text, due, nct_ids)] = _alerts(engine)
    assert nct_ids == ["NCT09991001"], "not the old one, the far one, the lung one or the closed one"
    assert "This trial mentions HER2-positive" in text and "https://clinicaltrials.gov/study/NCT09991001" in text
    assert "Only the study team can say" in text and "qualify" not in text
    assert due is not None
    assert job.run(engine, NOON_IN_NASHVILLE + timedelta(days=1)).alerts == 0, "never the same trial twice"


def test_trials_that_mention_the_persons_terms_come_first_and_one_message_names_at_most_three(engine: Engine) -> None:
    _subscriber(engine)
    plain = [
        new_trial(f"NCT0999200{n}", f"Breast study {n}", conditions=("Breast Cancer",), criteria="* Adults")
        for n in range(3)
    ]
    her2 = new_trial("NCT09992009", "A HER2 study")
    _import(engine, [*plain, her2], at=SUBSCRIBED + timedelta(hours=1))
    report = job.run(engine, NOON_IN_NASHVILLE)
    assert (report.alerts, report.trials) == (1, 3)
    [(_, _, nct_ids)] = _alerts(engine)
    assert nct_ids[0] == "NCT09992009" and len(nct_ids) == 3


def test_during_quiet_hours_the_alert_waits_until_they_end_in_the_persons_time_zone(engine: Engine) -> None:
    _subscriber(engine)
    _import(engine, [new_trial("NCT09993001", "A new HER2 study")], at=SUBSCRIBED + timedelta(hours=1))
    late_evening = datetime(2026, 12, 8, 4, 0, tzinfo=timezone.utc)  # 22:00 in Nashville
    report = job.run(engine, late_evening, job.AlertPolicy(quiet_hours=QuietHours.parse("21:00-08:00")))
    assert report.held_for_quiet_hours == 1
    [(_, due, _)] = _alerts(engine)
    assert due is not None
    assert due.replace(tzinfo=timezone.utc) == datetime(2026, 12, 8, 14, 0, tzinfo=timezone.utc), "08:00 in Nashville"


def test_the_weekly_cap_holds_alerts_back(engine: Engine) -> None:
    subscription_id = _subscriber(engine)
    with Session(engine) as session:
        session.add(
            AlertSent(
                subscription_id=subscription_id,
                nct_ids=["NCT00000001"],
                created_at=NOON_IN_NASHVILLE - timedelta(days=2),
            )
        )
        session.commit()
    _import(engine, [new_trial("NCT09994001", "A new HER2 study")], at=SUBSCRIBED + timedelta(hours=1))
    capped = job.run(engine, NOON_IN_NASHVILLE, job.AlertPolicy(weekly_cap=1))
    assert (capped.capped, capped.alerts) == (1, 0)
    later = job.run(engine, NOON_IN_NASHVILLE + timedelta(days=6), job.AlertPolicy(weekly_cap=1))
    assert later.alerts == 1, "a week after the last one, the trial that waited is sent"


def test_a_stopped_subscription_gets_nothing(engine: Engine) -> None:
    subscription_id = _subscriber(engine)
    with Session(engine) as session:
        session.get(AlertSubscription, subscription_id).status = SubscriptionStatus.STOPPED.value
        session.commit()
    _import(engine, [new_trial("NCT09995001", "A new HER2 study")], at=SUBSCRIBED + timedelta(hours=1))
    assert job.run(engine, NOON_IN_NASHVILLE).alerts == 0


def test_a_run_while_another_holds_the_lock_skips_and_a_dead_runs_lock_runs_out(engine: Engine) -> None:
    _subscriber(engine)
    _import(engine, [new_trial("NCT09996001", "A new HER2 study")], at=SUBSCRIBED + timedelta(hours=1))
    with Session(engine) as session:
        assert lock.acquire(session, job.LOCK_NAME, "another run", NOON_IN_NASHVILLE, timedelta(minutes=30))
    assert job.run(engine, NOON_IN_NASHVILLE).skipped
    assert _alerts(engine) == []
    assert job.run(engine, NOON_IN_NASHVILLE + timedelta(hours=1)).alerts == 1, "the other run's lease ran out"
    with Session(engine) as session:
        [held] = session.execute(select(JobLock)).scalars().all()
        assert held.holder == "" and held.until.replace(tzinfo=timezone.utc) == lock.FREE, "given back"
    assert job.run(engine, NOON_IN_NASHVILLE - timedelta(days=1)).skipped is False, "free for a run at any time"


def test_two_runs_started_at_once_send_each_alert_once(engine: Engine) -> None:
    for n in range(4):
        _subscriber(engine, chat=str(600 + n))
    _import(engine, [new_trial("NCT09997001", "A new HER2 study")], at=SUBSCRIBED + timedelta(hours=1))
    reports: List[job.RunReport] = []
    threads = [threading.Thread(target=lambda: reports.append(job.run(engine, NOON_IN_NASHVILLE))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.alerts for r in reports) == [0, 4], "one run sent them; the other skipped or found nothing new"
    assert len(_alerts(engine)) == 4, "one alert per person, whichever run sent it"


def test_a_trial_that_opens_is_news_and_one_that_was_only_edited_is_not(engine: Engine) -> None:
    before = SUBSCRIBED - timedelta(days=30)
    _import(
        engine,
        [
            new_trial("NCT09999101", "Was closed, opens", status="ACTIVE_NOT_RECRUITING"),
            new_trial("NCT09999102", "Was open, edited"),
        ],
        at=before,
    )
    _subscriber(engine)
    _import(
        engine,
        [new_trial("NCT09999101", "Was closed, opens"), new_trial("NCT09999102", "Was open, edited (new title)")],
        at=SUBSCRIBED + timedelta(days=1),
    )
    job.run(engine, NOON_IN_NASHVILLE)
    assert [ids for _, _, ids in _alerts(engine)] == [["NCT09999101"]]
