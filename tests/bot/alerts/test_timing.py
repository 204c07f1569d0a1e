"""When alerts may go out: a place's time zone, quiet hours (DST included) and the weekly cap."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.timing import OFF, QuietHours, time_zone_at, within_weekly_cap

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    """An aware UTC datetime for a wall-clock time in a zone."""
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


# --- time_zone_at ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (36.1627, -86.7816, "America/Chicago"),  # Nashville
        (42.3601, -71.0589, "America/New_York"),  # Boston
        (33.4484, -112.0740, "America/Phoenix"),  # Phoenix: no DST
        (21.3069, -157.8583, "Pacific/Honolulu"),
        (51.5074, -0.1278, "Europe/London"),
    ],
)
def test_time_zone_at_cities(latitude: float, longitude: float, expected: str) -> None:
    assert time_zone_at(latitude, longitude) == expected


def test_time_zone_at_sea_falls_back_to_utc() -> None:
    # Mid-Atlantic: timezonefinder's ocean zone there is Etc/GMT+3, which is not where anybody lives.
    assert time_zone_at(30.0, -40.0) == "UTC"
    assert time_zone_at(0.0, 0.0) == "UTC"  # Gulf of Guinea


@pytest.mark.parametrize(("latitude", "longitude"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_time_zone_at_rejects_impossible_coordinates(latitude: float, longitude: float) -> None:
    with pytest.raises(ValueError):
        time_zone_at(latitude, longitude)


# --- QuietHours.parse ------------------------------------------------------------------------------------------


def test_default_is_nine_pm_to_eight_am() -> None:
    assert QuietHours() == QuietHours(time(21, 0), time(8, 0))
    assert QuietHours.parse("21:00-08:00") == QuietHours()
    assert str(QuietHours()) == "21:00-08:00"


@pytest.mark.parametrize("spec", ["off", "OFF", " Off ", "", "none", "22:00-22:00"])
def test_parse_off_means_no_quiet_hours(spec: str) -> None:
    hours = QuietHours.parse(spec)
    assert hours == OFF
    assert hours.start == hours.end
    assert not hours.enabled
    assert str(hours) == "off"


def test_parse_accepts_spaces_and_single_digit_hours() -> None:
    assert QuietHours.parse(" 9:30 - 17:00 ") == QuietHours(time(9, 30), time(17, 0))


@pytest.mark.parametrize("spec", ["21:00", "25:00-08:00", "21:60-08:00", "21:00-08", "nine to five", "21.00-08.00"])
def test_parse_rejects_nonsense(spec: str) -> None:
    with pytest.raises(ValueError):
        QuietHours.parse(spec)


# --- QuietHours.quiet_at ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (20, 59, False),
        (21, 0, True),  # start is inside the window
        (23, 30, True),
        (0, 0, True),
        (7, 59, True),
        (8, 0, False),  # end is not
        (12, 0, False),
    ],
)
def test_quiet_at_crossing_midnight(hour: int, minute: int, quiet: bool) -> None:
    moment = local("America/Chicago", 2026, 6, 15, hour, minute)
    assert QuietHours().quiet_at(moment, "America/Chicago") is quiet


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(0, 59, False), (1, 0, True), (3, 0, True), (5, 59, True), (6, 0, False), (22, 0, False)],
)
def test_quiet_at_not_crossing_midnight(hour: int, minute: int, quiet: bool) -> None:
    hours = QuietHours.parse("01:00-06:00")
    assert not hours.crosses_midnight
    assert hours.quiet_at(local("Europe/London", 2026, 1, 10, hour, minute), "Europe/London") is quiet


def test_quiet_at_uses_the_persons_zone_not_utc() -> None:
    moment = utc(2026, 6, 15, 3, 0)  # 23:00 the evening before in Boston, 20:00 in Phoenix, 04:00 in London
    hours = QuietHours()
    assert hours.quiet_at(moment, "America/New_York")
    assert not hours.quiet_at(moment, "America/Phoenix")
    assert hours.quiet_at(moment, "Europe/London")
    assert not hours.quiet_at(moment, "Pacific/Honolulu")  # 17:00


def test_off_is_never_quiet() -> None:
    start = utc(2026, 6, 15, 0, 0)
    for quarter_hour in range(24 * 4):
        moment = start + timedelta(minutes=15 * quarter_hour)
        assert not OFF.quiet_at(moment, "America/New_York")
        assert OFF.next_allowed(moment, "America/New_York") == moment


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError):
        QuietHours().quiet_at(datetime(2026, 6, 15, 12, 0), "UTC")
    with pytest.raises(ValueError):
        QuietHours().next_allowed(datetime(2026, 6, 15, 12, 0), "UTC")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "not a zone"])
def test_unknown_zone_is_treated_as_utc_without_logging_it(zone: str, caplog: pytest.LogCaptureFixture) -> None:
    hours = QuietHours()
    with caplog.at_level(logging.DEBUG, logger="bot.alerts.timing"):
        assert hours.quiet_at(utc(2026, 6, 15, 22, 0), zone)
        assert not hours.quiet_at(utc(2026, 6, 15, 12, 0), zone)
        assert hours.next_allowed(utc(2026, 6, 15, 23, 30), zone) == utc(2026, 6, 16, 8, 0)
    if zone:
        assert all(zone not in record.getMessage() for record in caplog.records)


# --- QuietHours.next_allowed -----------------------------------------------------------------------------------


def test_next_allowed_outside_quiet_hours_is_the_moment_itself_in_utc() -> None:
    moment = datetime(2026, 6, 15, 12, 34, 56, 789, tzinfo=NEW_YORK)
    allowed = QuietHours().next_allowed(moment, "America/New_York")
    assert allowed == moment
    assert allowed.utcoffset() == timedelta(0)


def test_next_allowed_late_evening_waits_for_next_local_morning() -> None:
    moment = local("America/Chicago", 2026, 6, 15, 23, 30)
    allowed = QuietHours().next_allowed(moment, "America/Chicago")
    assert allowed == local("America/Chicago", 2026, 6, 16, 8, 0)
    assert allowed == utc(2026, 6, 16, 13, 0)  # CDT is UTC-5
    assert allowed.tzinfo == UTC


def test_next_allowed_early_morning_waits_for_same_morning() -> None:
    moment = local("Pacific/Honolulu", 2026, 1, 5, 2, 15)
    assert QuietHours().next_allowed(moment, "Pacific/Honolulu") == local("Pacific/Honolulu", 2026, 1, 5, 8, 0)


def test_next_allowed_at_start_and_just_before_end() -> None:
    hours = QuietHours()
    zone = "Europe/London"
    assert hours.next_allowed(local(zone, 2026, 1, 5, 21, 0), zone) == local(zone, 2026, 1, 6, 8, 0)
    just_before = local(zone, 2026, 1, 6, 7, 59) + timedelta(seconds=59, microseconds=999_999)
    assert hours.next_allowed(just_before, zone) == local(zone, 2026, 1, 6, 8, 0)


def test_next_allowed_not_crossing_midnight() -> None:
    hours = QuietHours.parse("13:00-15:30")
    zone = "America/Phoenix"
    assert hours.next_allowed(local(zone, 2026, 7, 1, 14, 0), zone) == local(zone, 2026, 7, 1, 15, 30)
    assert hours.next_allowed(local(zone, 2026, 7, 1, 16, 0), zone) == local(zone, 2026, 7, 1, 16, 0)


def test_next_allowed_is_never_quiet_and_never_earlier() -> None:
    hours = QuietHours()
    zone = "America/New_York"
    start = utc(2026, 3, 6, 0, 0)
    for step in range(0, 4 * 24 * 60, 7):  # every 7 minutes across the spring-forward weekend
        moment = start + timedelta(minutes=step)
        allowed = hours.next_allowed(moment, zone)
        assert allowed >= moment
        assert not hours.quiet_at(allowed, zone)
        assert hours.quiet_at(allowed - timedelta(seconds=1), zone) or allowed == moment


# --- DST: America/New_York, 2026-03-08 (02:00 EST -> 03:00 EDT) and 2026-11-01 (02:00 EDT -> 01:00 EST) -----


def test_spring_forward_night_ends_at_eight_edt() -> None:
    moment = local("America/New_York", 2026, 3, 7, 23, 30)  # EST, UTC-5
    assert moment == utc(2026, 3, 8, 4, 30)
    allowed = QuietHours().next_allowed(moment, "America/New_York")
    assert allowed == utc(2026, 3, 8, 12, 0)  # 08:00 EDT, UTC-4: the night is an hour shorter
    assert allowed.astimezone(NEW_YORK).hour == 8


def test_fall_back_night_ends_at_eight_est() -> None:
    moment = local("America/New_York", 2026, 10, 31, 23, 30)  # EDT, UTC-4
    assert moment == utc(2026, 11, 1, 3, 30)
    allowed = QuietHours().next_allowed(moment, "America/New_York")
    assert allowed == utc(2026, 11, 1, 13, 0)  # 08:00 EST, UTC-5: the night is an hour longer
    assert allowed.astimezone(NEW_YORK).hour == 8


def test_quiet_hours_follow_the_local_clock_across_dst() -> None:
    hours = QuietHours()
    zone = "America/New_York"
    # 12:30 UTC is 07:30 EST (quiet) the day before spring forward and 08:30 EDT (allowed) on the day.
    assert hours.quiet_at(utc(2026, 3, 7, 12, 30), zone)
    assert not hours.quiet_at(utc(2026, 3, 8, 12, 30), zone)
    # 12:30 UTC is 08:30 EDT (allowed) the day before fall back and 07:30 EST (quiet) on the day.
    assert not hours.quiet_at(utc(2026, 10, 31, 12, 30), zone)
    assert hours.quiet_at(utc(2026, 11, 1, 12, 30), zone)


def test_window_ending_in_the_spring_forward_gap_ends_when_the_clocks_jump() -> None:
    # 02:30 does not exist on 2026-03-08 in New York: at 07:00 UTC the clock goes from 01:59:59 EST to 03:00 EDT.
    hours = QuietHours.parse("22:00-02:30")
    zone = "America/New_York"
    allowed = hours.next_allowed(local(zone, 2026, 3, 7, 23, 0), zone)
    assert allowed == utc(2026, 3, 8, 7, 0)
    assert allowed.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 0)
    assert hours.quiet_at(allowed - timedelta(seconds=1), zone)


def test_window_ending_at_the_start_of_the_spring_forward_gap() -> None:
    hours = QuietHours.parse("22:00-02:00")
    zone = "America/New_York"
    assert hours.next_allowed(local(zone, 2026, 3, 8, 1, 30), zone) == utc(2026, 3, 8, 7, 0)


def test_window_ending_in_the_repeated_hour_ends_the_first_time() -> None:
    # 01:30 happens twice on 2026-11-01 in New York: 05:30 UTC (EDT) and 06:30 UTC (EST).
    hours = QuietHours.parse("22:00-01:30")
    zone = "America/New_York"
    assert hours.next_allowed(local(zone, 2026, 10, 31, 23, 0), zone) == utc(2026, 11, 1, 5, 30)
    # After the clocks go back, 01:00-01:29 EST is quiet again, until 01:30 EST.
    second_pass = local(zone, 2026, 11, 1, 1, 10, fold=1)
    assert second_pass == utc(2026, 11, 1, 6, 10)
    assert hours.quiet_at(second_pass, zone)
    assert hours.next_allowed(second_pass, zone) == utc(2026, 11, 1, 6, 30)


def test_phoenix_has_no_dst() -> None:
    hours = QuietHours()
    for day in (date(2026, 3, 7), date(2026, 3, 8), date(2026, 10, 31), date(2026, 11, 1)):
        moment = datetime.combine(day, time(23, 30), tzinfo=ZoneInfo("America/Phoenix"))
        allowed = hours.next_allowed(moment, "America/Phoenix")
        assert allowed == datetime.combine(day + timedelta(days=1), time(15, 0), tzinfo=UTC)  # 08:00 MST


# --- within_weekly_cap -----------------------------------------------------------------------------------------


NOW = utc(2026, 5, 20, 12, 0)


def test_cap_zero_means_never() -> None:
    assert not within_weekly_cap([], NOW, 0)


def test_no_alerts_yet() -> None:
    assert within_weekly_cap([], NOW, 1)


def test_cap_reached_and_not_reached() -> None:
    sent = [NOW - timedelta(days=1), NOW - timedelta(days=3)]
    assert within_weekly_cap(sent, NOW, 3)
    assert not within_weekly_cap(sent, NOW, 2)
    assert not within_weekly_cap(sent, NOW, 1)


def test_exactly_seven_days_ago_falls_out_of_the_window() -> None:
    # The window is (now - 7 days, now]: the lower boundary is exclusive.
    assert within_weekly_cap([NOW - timedelta(days=7)], NOW, 1)
    assert not within_weekly_cap([NOW - timedelta(days=7) + timedelta(microseconds=1)], NOW, 1)
    assert within_weekly_cap([NOW - timedelta(days=8)], NOW, 1)


def test_sent_just_now_counts() -> None:
    assert not within_weekly_cap([NOW], NOW, 1)


def test_sent_after_now_counts_to_stay_safe() -> None:
    assert not within_weekly_cap([NOW + timedelta(minutes=5)], NOW, 1)


def test_rolling_window_not_calendar_week() -> None:
    # Two alerts on Monday and Wednesday with a cap of 2: blocked until Monday's has aged a full 7 days.
    monday = utc(2026, 5, 18, 9, 0)
    sent = [monday, monday + timedelta(days=2)]
    assert not within_weekly_cap(sent, monday + timedelta(days=6, hours=23), 2)
    assert not within_weekly_cap(sent, monday + timedelta(days=7) - timedelta(seconds=1), 2)
    assert within_weekly_cap(sent, monday + timedelta(days=7), 2)


def test_cap_compares_instants_not_wall_clocks() -> None:
    # Same instant written in another zone: exactly 7 days ago, so it falls out.
    sent = (NOW - timedelta(days=7)).astimezone(NEW_YORK)
    assert within_weekly_cap([sent], NOW, 1)
    assert not within_weekly_cap([sent + timedelta(seconds=1)], NOW.astimezone(NEW_YORK), 1)


def test_cap_refuses_negative_cap_and_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        within_weekly_cap([], NOW, -1)
    with pytest.raises(ValueError):
        within_weekly_cap([], datetime(2026, 5, 20, 12, 0), 1)
    with pytest.raises(ValueError):
        within_weekly_cap([datetime(2026, 5, 19, 12, 0)], NOW, 1)
