"""When a trial alert may go out: quiet hours in the person's own time zone, a weekly cap, a place's time zone.

All moments passed in and returned are timezone-aware; returned ones are in UTC. Local times are worked out
with `zoneinfo`, so daylight-saving changes are handled by the tz database, not by fixed offsets.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timezonefinder import TimezoneFinder

logger = logging.getLogger(__name__)

FALLBACK_ZONE = "UTC"
WEEK = timedelta(days=7)

_SPEC = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_OFF_SPECS = frozenset({"", "off", "none"})

# TimezoneFinder is not thread-safe (it reads shared memory-mapped files); one instance, one lookup at a time.
_finder_lock = threading.Lock()


@lru_cache(maxsize=1)
def _finder() -> TimezoneFinder:
    """The process-wide TimezoneFinder, built on first use (loading it takes about a second)."""
    return TimezoneFinder()


def time_zone_at(latitude: float, longitude: float) -> str:
    """The IANA time zone name at a point, e.g. "America/Chicago"; "UTC" at sea or where none is known.

    Only land zones count: the ocean zones ("Etc/GMT+3") are nautical, so a point at sea gets "UTC".
    Raises ValueError for coordinates that are not finite or out of range (latitude -90..90, longitude -180..180).
    """
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise ValueError("coordinates must be finite numbers")
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ValueError("coordinates out of range")
    with _finder_lock:
        name = _finder().timezone_at_land(lng=longitude, lat=latitude)
    return name or FALLBACK_ZONE


@lru_cache(maxsize=512)
def _zone(name: str) -> tzinfo:
    """The tz for a zone name; UTC for an unknown or malformed name (logged without the name itself)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        logger.warning("unknown time zone name; using UTC")
        return timezone.utc


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")


def _exists(naive: datetime, zone: tzinfo) -> bool:
    """Whether a local wall-clock time happens in the zone (False inside a spring-forward gap)."""
    local = naive.replace(tzinfo=zone)
    return local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == naive


@dataclass(frozen=True)
class QuietHours:
    """A daily window of local wall-clock time, [start, end), in which no alert is sent.

    `start` is inside the window and `end` is not: with 21:00-08:00, 20:59 and 08:00 are allowed, 21:00 and
    07:59 are quiet. A window with start > end crosses midnight. start == end means no quiet hours at all
    (what `parse("off")` returns; see `OFF`).
    """

    start: time = time(21, 0)
    end: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local wall-clock times without a time zone")

    @classmethod
    def parse(cls, spec: str) -> QuietHours:
        """Read "21:00-08:00" (24-hour HH:MM-HH:MM); "off", "none", "" or equal times ("22:00-22:00") give `OFF`.

        Raises ValueError for anything else.
        """
        text = spec.strip().lower()
        if text in _OFF_SPECS:
            return OFF
        match = _SPEC.match(text)
        if match is None:
            raise ValueError(f"quiet hours must look like 21:00-08:00 or 'off', not {spec!r}")
        hour1, minute1, hour2, minute2 = (int(part) for part in match.groups())
        try:
            start, end = time(hour1, minute1), time(hour2, minute2)
        except ValueError:
            raise ValueError(f"quiet hours must be valid times of day, not {spec!r}") from None
        return OFF if start == end else cls(start, end)

    @property
    def enabled(self) -> bool:
        """Whether there are quiet hours at all (start != end)."""
        return self.start != self.end

    @property
    def crosses_midnight(self) -> bool:
        """Whether the window runs past midnight into the next day (e.g. 21:00-08:00)."""
        return self.start > self.end

    def __str__(self) -> str:
        if not self.enabled:
            return "off"
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def _quiet_wall_time(self, wall: time) -> bool:
        if not self.enabled:
            return False
        if self.crosses_midnight:
            return wall >= self.start or wall < self.end
        return self.start <= wall < self.end

    def _quiet_in(self, moment: datetime, zone: tzinfo) -> bool:
        return self._quiet_wall_time(moment.astimezone(zone).time())

    def quiet_at(self, moment: datetime, zone: str) -> bool:
        """Whether an aware moment falls in quiet hours on the local clock of `zone` (unknown zone: UTC)."""
        _require_aware(moment, "moment")
        return self._quiet_in(moment, _zone(zone))

    def next_allowed(self, moment: datetime, zone: str) -> datetime:
        """The earliest aware UTC datetime at or after `moment` that is outside quiet hours in `zone`.

        `moment` itself (in UTC) when it is not quiet. Otherwise the instant the local clock reaches `end`;
        if that wall-clock time is skipped by a spring-forward change, the instant the clocks jump past it;
        if it happens twice (fall back), the first time after `moment`.
        """
        _require_aware(moment, "moment")
        tz = _zone(zone)
        moment_utc = moment.astimezone(timezone.utc)
        if not self._quiet_in(moment_utc, tz):
            return moment_utc
        local = moment_utc.astimezone(tz)
        end_day = local.date()
        if self.crosses_midnight and local.time() >= self.start:
            end_day += timedelta(days=1)
        # The window normally ends on end_day; the later days only matter in pathological cases (a window end
        # skipped by a gap that lands back inside quiet hours).
        for offset in range(3):
            found = self._end_instant(end_day + timedelta(days=offset), moment_utc, tz)
            if found is not None:
                return found
        raise AssertionError("no time outside quiet hours within three days")  # pragma: no cover

    def _end_instant(self, day: date, moment_utc: datetime, tz: tzinfo) -> datetime | None:
        """The first allowed instant at or after moment_utc at which the local clock reaches `end` on `day`."""
        naive = datetime.combine(day, self.end)
        # fold=0 and fold=1: the same instant normally, two instants when the time is repeated or skipped.
        instants = sorted({naive.replace(tzinfo=tz, fold=fold).astimezone(timezone.utc) for fold in (0, 1)})
        for instant in instants:
            if instant >= moment_utc and not self._quiet_in(instant, tz):
                if _exists(naive, tz):
                    return instant
                return self._first_allowed_between(moment_utc, instant, tz)
        return None

    def _first_allowed_between(self, quiet: datetime, allowed: datetime, tz: tzinfo) -> datetime:
        """The first allowed instant in (quiet, allowed], to the second, when the clock jumps over `end`.

        Everything from `quiet` to the jump is quiet and everything after it up to `allowed` is not, and tz
        transitions fall on whole seconds, so a binary search over whole seconds finds the jump exactly.
        """
        base = quiet.replace(microsecond=0)
        low, high = 0, math.ceil((allowed - base).total_seconds())  # base + low is quiet, base + high is not
        while high - low > 1:
            middle = (low + high) // 2
            if self._quiet_in(base + timedelta(seconds=middle), tz):
                low = middle
            else:
                high = middle
        return min(base + timedelta(seconds=high), allowed)


OFF = QuietHours(time(0, 0), time(0, 0))
"""No quiet hours: start == end."""


def within_weekly_cap(sent_at: Sequence[datetime], now: datetime, cap: int) -> bool:
    """Whether one more alert may go out at `now` with at most `cap` alerts in any rolling 7 days.

    The window is (now - 7 days, now]: an alert sent exactly 7 days before `now` no longer counts, one sent a
    microsecond later still does. Times after `now` (clock skew) count too, to stay on the safe side.
    cap 0 means never; a negative cap is an error. All datetimes must be timezone-aware.
    """
    if cap < 0:
        raise ValueError("cap must not be negative")
    _require_aware(now, "now")
    if cap == 0:
        return False
    window_start = now - WEEK
    recent = 0
    for sent in sent_at:
        _require_aware(sent, "sent_at")
        if sent > window_start:
            recent += 1
    return recent < cap
