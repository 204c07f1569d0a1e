"""A named lock with a lease in the database, so a job started twice at once runs once.

`acquire` inserts the lock's row the first time and then takes it with one conditional UPDATE (free,
or its lease ran out: the holder died); only the caller whose UPDATE changed the row holds it. Works
the same on SQLite and PostgreSQL and across machines sharing the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.alerts.models import JobLock

FREE = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""The lease of a lock nobody holds: before any clock a run may use (tests run the job at chosen times)."""


def holder_id() -> str:
    """A fresh name for one run (the lock's holder)."""
    return uuid.uuid4().hex


def acquire(session: Session, name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """Take the lock until `now + lease` (True), or find it held by a live run (False). Commits."""
    try:
        with session.begin_nested():
            session.add(JobLock(name=name, holder="", until=FREE))
    except IntegrityError:
        pass  # it exists: take it below if it is free
    taken = session.execute(
        update(JobLock)
        .where(JobLock.name == name, or_(JobLock.until < now, JobLock.holder == holder))
        .values(holder=holder, until=now + lease)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return taken.rowcount == 1


def release(session: Session, name: str, holder: str) -> None:
    """Give the lock back (only if this run still holds it). Commits."""
    session.execute(
        update(JobLock)
        .where(JobLock.name == name, JobLock.holder == holder)
        .values(holder="", until=FREE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
