"""Office hours: parsing, open/closed, and the next opening in plain words."""

from datetime import datetime, timezone

import pytest

from bot.handoff.office_hours import OfficeHours

HOURS = OfficeHours.parse("Mon-Fri 09:00-17:00", "America/New_York")


@pytest.mark.parametrize(
    ("utc", "is_open"),
    [
        (datetime(2026, 11, 23, 14, 0), True),  # Monday 9:00 in New York
        (datetime(2026, 11, 23, 13, 59), False),  # Monday 8:59
        (datetime(2026, 11, 23, 22, 0), False),  # Monday 17:00: closed
        (datetime(2026, 11, 21, 16, 0), False),  # Saturday
    ],
)
def test_open_and_closed(utc: datetime, is_open: bool) -> None:
    assert HOURS.is_open(utc.replace(tzinfo=timezone.utc)) is is_open


def test_next_opening_is_said_in_plain_words() -> None:
    saturday = datetime(2026, 11, 21, 16, 0, tzinfo=timezone.utc)
    assert HOURS.describe_opening(saturday) == "Monday at 9:00 AM (America/New_York time)"
    early_monday = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert HOURS.describe_opening(early_monday) == "today at 9:00 AM (America/New_York time)"
    friday_evening = datetime(2026, 11, 27, 23, 0, tzinfo=timezone.utc)
    assert HOURS.describe_opening(friday_evening).startswith("Monday")


def test_weekend_wraps_and_always() -> None:
    weekend = OfficeHours.parse("Sat-Sun 10:00-14:00", "UTC")
    assert weekend.is_open(datetime(2026, 11, 22, 11, 0, tzinfo=timezone.utc))
    assert not weekend.is_open(datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc))
    assert OfficeHours.parse("always", "UTC").is_open(datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    ("spec", "zone"),
    [("whenever", "UTC"), ("Mon-Fri 17:00-09:00", "UTC"), ("Mon-Fry 09:00-17:00", "UTC"), ("always", "Mars/Base")],
)
def test_malformed_specs_are_refused(spec: str, zone: str) -> None:
    with pytest.raises(ValueError):
        OfficeHours.parse(spec, zone)
