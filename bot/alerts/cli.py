"""The `alerts` command group: `trialbot alerts run` runs the matching job once (cron can call it; `trialbot
run` also runs it daily at ALERTS_TIME, `bot.alerts.schedule`)."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from sqlalchemy import create_engine

from bot.alerts.job import AlertPolicy, run
from bot.alerts.timing import QuietHours
from bot.config import Settings
from bot.store.db import sync_url


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `alerts run [--now ISO-8601] [--database-url URL]`."""
    alerts = subparsers.add_parser("alerts", help="trial alerts for people who asked to hear about new trials")
    commands = alerts.add_subparsers(dest="alerts_command", metavar="COMMAND", required=True)
    once = commands.add_parser("run", help="find new trials that fit each subscription and queue the alerts")
    once.add_argument("--now", type=_moment, default=None, help="the job's clock (ISO 8601, for tests); default: now")
    once.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    once.set_defaults(func=handle_run)


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def policy_of(settings: Settings) -> AlertPolicy:
    """The limits the configuration sets."""
    return AlertPolicy(
        weekly_cap=settings.alerts_weekly_cap,
        max_trials=settings.alerts_max_trials,
        quiet_hours=QuietHours.parse(settings.alerts_quiet_hours),
    )


def handle_run(args: argparse.Namespace) -> int:
    """`alerts run`: one run; prints what it did (a run already in progress makes this one skip)."""
    settings: Settings = args.settings
    engine = create_engine(sync_url(args.database_url or settings.database_url), future=True)
    try:
        report = run(engine, args.now or datetime.now(timezone.utc), policy_of(settings))
    finally:
        engine.dispose()
    print(report.summary())
    return 0
