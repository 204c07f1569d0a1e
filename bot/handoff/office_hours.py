"""When coordinators are at work: parse "Mon-Fri 09:00-17:00" in a time zone, and find the next opening."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import FrozenSet
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*(\w{3})(?:\s*-\s*(\w{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class OfficeHours:
    """Opening days and one daily window in a time zone; `always` means 24/7."""

    days: FrozenSet[int]
    opens: time
    closes: time
    zone: ZoneInfo
    always: bool = False

    @classmethod
    def parse(cls, spec: str, zone: str) -> OfficeHours:
        """Read "Mon-Fri 09:00-17:00", "Sat 10:00-14:00" or "always"; raise ValueError if malformed."""
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} (use a name like America/New_York)") from None
        if spec.strip().lower() in {"always", "24/7"}:
            return cls(frozenset(range(7)), time(0), time(0), tz, always=True)
        match = _SPEC.match(spec.lower())
        if not match:
            raise ValueError(f"{spec!r} should look like 'Mon-Fri 09:00-17:00' or 'always'")
        first, last, oh, om, ch, cm = match.groups()
        if first not in DAYS or (last or first) not in DAYS:
            raise ValueError(f"days must be among {', '.join(d.title() for d in DAYS)}")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days = frozenset((start + i) % 7 for i in range((end - start) % 7 + 1))
        opens, closes = time(int(oh), int(om)), time(int(ch), int(cm))
        if opens >= closes:
            raise ValueError("the opening time must be before the closing time")
        return cls(days, opens, closes, tz)

    def is_open(self, now: datetime) -> bool:
        """Whether a coordinator is expected to be at work at `now` (an aware datetime)."""
        if self.always:
            return True
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, now: datetime) -> datetime:
        """The next moment the office opens after `now` (or `now` itself when open)."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            opening = datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise AssertionError("office hours open on at least one day a week")  # parse guarantees days

    def describe_opening(self, now: datetime) -> str:
        """Plain words for the next opening, e.g. "Monday at 9:00 AM (America/New_York time)"."""
        opening = self.next_opening(now)
        local_now = now.astimezone(self.zone)
        if opening.date() == local_now.date():
            day = "today"
        elif opening.date() == (local_now + timedelta(days=1)).date():
            day = "tomorrow"
        else:
            day = opening.strftime("%A")
        clock = opening.strftime("%I:%M %p").lstrip("0")
        return f"{day} at {clock} ({self.zone.key} time)"
