"""The days a dashboard covers: whole calendar days in the team's time zone, first and last included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
MAX_DAYS = 366


class PeriodError(ValueError):
    """The dates asked for are malformed, reversed or span too long; the message says which."""


@dataclass(frozen=True)
class Period:
    """From `first` to `last` (both included), days counted in `zone` (the team's, as for office hours)."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def days(self) -> Tuple[date, ...]:
        """Every day of the period, in order."""
        return tuple(self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1))

    @property
    def start(self) -> datetime:
        """The first moment of the period (aware, UTC)."""
        return datetime.combine(self.first, time(), self.zone).astimezone(timezone.utc)

    @property
    def end(self) -> datetime:
        """The first moment after the period (aware, UTC)."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(timezone.utc)

    def day_of(self, moment: datetime) -> date:
        """The team's calendar day of a moment (naive moments are UTC, as the database gives them back)."""
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
        return aware.astimezone(self.zone).date()

    def day_of_timestamp(self, seconds: float) -> date:
        """The team's calendar day of an epoch timestamp (how Rasa stores event times)."""
        return datetime.fromtimestamp(seconds, timezone.utc).astimezone(self.zone).date()

    def holds(self, moment: datetime) -> bool:
        """Whether a moment falls within the period."""
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
        return self.start <= aware < self.end

    def query(self) -> str:
        """The period as the dashboard's query string (`from=…&to=…`)."""
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"


def last_days(zone: ZoneInfo, days: int = DEFAULT_DAYS, now: Optional[datetime] = None) -> Period:
    """The `days` days up to and including today in `zone`."""
    today = (now or datetime.now(timezone.utc)).astimezone(zone).date()
    return Period(today - timedelta(days=days - 1), today, zone)


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"The {name} date should look like 2025-01-31.") from None


def from_query(params: Mapping[str, str], zone: ZoneInfo, now: Optional[datetime] = None) -> Period:
    """The period named by `from` and `to` (YYYY-MM-DD); the last 30 days when neither is given."""
    raw_first, raw_last = params.get("from", "")[:20], params.get("to", "")[:20]
    last = _date(raw_last, "end") if raw_last.strip() else last_days(zone, now=now).last
    first = _date(raw_first, "start") if raw_first.strip() else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError("The start date is after the end date.")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"Please choose at most {MAX_DAYS} days.")
    return Period(first, last, zone)
