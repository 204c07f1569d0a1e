"""The daily alerts run inside `trialbot run`: APScheduler's cron trigger at ALERTS_TIME (HANDOFF_TIMEZONE).

The job runs in a process of its own (`trialbot alerts run`), so the trial search's memory is given back
when it ends; the outbox then delivers what it queued. A missed run (the gateway was down at that time)
runs when the gateway is up again within the hour; runs never overlap (and the job's own lock makes a
run from cron at the same moment skip).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Optional

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from bot.config import Settings
from bot.gateway.delivery import Outbox

logger = logging.getLogger(__name__)


async def run_once(outbox: Outbox) -> int:
    """`trialbot alerts run` in a new process, then deliver what it queued; returns its exit code."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "alerts", "run", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode:
        logger.error("The alerts run failed (exit %s): %s", process.returncode, err.decode(errors="replace")[-500:])
    else:
        logger.info("Alerts: %s", out.decode(errors="replace").strip())
    await outbox.sweep()
    return int(process.returncode or 0)


def start(settings: Settings, outbox: Outbox) -> Optional[AsyncIOScheduler]:
    """Schedule the daily run (None when ALERTS_TIME is "off"); the caller shuts the scheduler down."""
    if settings.alerts_time == "off":
        return None
    hour, minute = (int(part) for part in settings.alerts_time.split(":"))
    scheduler = AsyncIOScheduler()
    trigger = CronTrigger(hour=hour, minute=minute, timezone=settings.office_hours.zone.key)
    scheduler.add_job(
        run_once, trigger, args=[outbox], id="alerts", coalesce=True, max_instances=1, misfire_grace_time=3600
    )
    scheduler.start()
    return scheduler
