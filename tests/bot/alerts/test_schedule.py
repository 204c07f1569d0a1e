"""The daily alerts run inside `trialbot run` (`bot.alerts.schedule`): APScheduler's cron trigger at ALERTS_TIME in
HANDOFF_TIMEZONE, none when it is "off", and one run as `trialbot alerts run` in its own process, followed by
the outbox delivering what it queued."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, List, Sequence

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.alerts import schedule
from bot.alerts.models import AlertSent
from bot.gateway.delivery import Address, Outbox
from bot.messages import Reply
from bot.trials.importer import TrialImporter
from tests.alert_trials import new_trial
from tests.bot.alerts.test_job import SUBSCRIBED, _subscriber
from tests.conftest import gateway_settings


class Recording:
    def __init__(self) -> None:
        self.sent: List[str] = []

    async def send(self, address: Address, replies: Sequence[Reply]) -> None:
        self.sent.extend(r.text for r in replies)


async def test_the_daily_run_is_scheduled_at_alerts_time_in_the_teams_time_zone() -> None:
    settings = gateway_settings("sqlite:///unused.db", "http://127.0.0.1:1/webhook", Path("unused"), ALERTS_TIME="7:30")
    scheduler = schedule.start(settings, Outbox())
    try:
        job = scheduler.get_job("alerts")
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("7", "30")
        assert str(job.trigger.timezone) == settings.office_hours.zone.key
        assert job.max_instances == 1 and job.coalesce
    finally:
        scheduler.shutdown(wait=False)
    off = type(settings)(**{**settings.__dict__, "alerts_time": "off"})
    assert schedule.start(off, Outbox()) is None


async def test_one_run_in_its_own_process_then_the_outbox_delivers(
    database_url: str, sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(database_url, future=True)
    try:
        _subscriber(engine)
        with Session(engine) as session:
            TrialImporter(session, clock=lambda: SUBSCRIBED + timedelta(hours=1)).import_records(
                [new_trial("NCT09998001", "A new HER2 study")]
            )
            session.commit()
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("ALERTS_QUIET_HOURS", "off")
        outbox = Outbox(sessions)
        platform = Recording()
        outbox.register("telegram", platform)
        assert await schedule.run_once(outbox) == 0
        await outbox.drain()
        assert len(platform.sent) == 1 and "NCT09998001" in platform.sent[0]
        with Session(engine) as session:
            assert [a.nct_ids for a in session.execute(select(AlertSent)).scalars()] == [["NCT09998001"]]
    finally:
        engine.dispose()
