"""The dashboard's figures match a seeded set of conversations exactly, on SQLite and PostgreSQL."""

from datetime import date, datetime, timezone

import pytest

from bot.faq.catalog import load_catalog
from bot.insights.figures import Figures, median, p90
from bot.insights.period import Period, PeriodError, from_query
from bot.insights.turns import region_of
from tests.bot.insights import scenario
from tests.bot.insights.seeding import Seeder


async def test_every_figure_matches_the_seeded_conversations(sessions, database_url: str) -> None:  # type: ignore[no-untyped-def]
    seeder = Seeder(sessions, database_url)
    seeded = await scenario.seed(seeder)
    await scenario.seed_satisfaction(seeder, seeded)
    titles = {t.id: t.title for t in load_catalog()}

    d = await Figures(sessions, titles).dashboard(scenario.PERIOD)

    assert d.conversations.days == scenario.PERIOD.days
    assert d.conversations.names == scenario.CONVERSATIONS["names"]
    assert d.conversations.counts == scenario.CONVERSATIONS["counts"]
    assert [(e.key, e.label, e.count) for e in d.faq_topics] == [
        (key, titles[key], count) for key, count in scenario.FAQ_TOPICS
    ]
    assert [(e.label, e.count) for e in d.searches_by_cancer_type] == scenario.SEARCHES_BY_CANCER_TYPE
    assert [(e.label, e.count) for e in d.searches_by_region] == scenario.SEARCHES_BY_REGION
    assert d.searches == 3
    assert [(h.day, h.handoffs, h.answered, h.median_seconds, h.p90_seconds) for h in d.handoffs] == scenario.HANDOFFS
    overall = d.handoffs_overall
    assert (
        overall.handoffs,
        overall.answered,
        overall.median_seconds,
        overall.p90_seconds,
    ) == scenario.HANDOFFS_OVERALL
    assert overall.unanswered == 1
    assert [(f.day, f.messages, f.fallbacks) for f in d.fallbacks] == scenario.FALLBACKS
    assert (d.fallbacks_overall.messages, d.fallbacks_overall.fallbacks) == scenario.FALLBACKS_OVERALL
    assert d.fallbacks[0].rate == pytest.approx(2 / 6)
    assert d.satisfaction is not None
    assert d.satisfaction.names == ("up", "down")
    assert d.satisfaction.counts == ((1, 0), (0, 0), (1, 1))


async def test_an_empty_database_gives_zeros(sessions) -> None:  # type: ignore[no-untyped-def]
    d = await Figures(sessions).dashboard(scenario.PERIOD)
    assert d.conversations.names == () and d.conversations.total == 0
    assert d.faq_topics == () and d.searches_by_region == () and d.searches == 0
    assert [(h.handoffs, h.median_seconds) for h in d.handoffs] == [(0, None)] * 3
    assert [(f.messages, f.rate) for f in d.fallbacks] == [(0, None)] * 3
    assert d.satisfaction is not None and d.satisfaction.counts == ((0, 0),) * 3


def test_median_and_nearest_rank_p90() -> None:
    assert median([]) is None and p90([]) is None
    assert median([300.0, 60.0]) == 180.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    minutes = [float(m) for m in range(1, 21)]  # 1..20
    assert p90(minutes) == 18.0, "18 of the 20 values (90%) are at or below 18"
    assert p90([7.0]) == 7.0
    assert p90([float(m) for m in range(1, 11)]) == 9.0


def test_regions_of_the_places_the_bot_locates() -> None:
    assert region_of("Columbus, OH 43215") == "OH"
    assert region_of("Columbus, OH") == "OH"
    assert region_of("Toronto, Ontario") == "Ontario"
    assert region_of("Paris, France") == "France"
    assert region_of("Springfield") == "Springfield"


def test_a_period_is_whole_days_in_the_team_time_zone() -> None:
    period = scenario.PERIOD
    assert period.start == datetime(2025, 3, 10, 4, tzinfo=timezone.utc)  # midnight in New York (EDT)
    assert period.end == datetime(2025, 3, 13, 4, tzinfo=timezone.utc)
    assert period.day_of(datetime(2025, 3, 11, 2, 0)) == date(2025, 3, 10), "naive times are UTC"
    now = datetime(2025, 3, 12, 3, tzinfo=timezone.utc)  # still the 11th in New York
    default = from_query({}, scenario.ZONE, now=now)
    assert (default.first, default.last) == (date(2025, 2, 10), date(2025, 3, 11))
    assert from_query({"from": "2025-03-10", "to": "2025-03-12"}, scenario.ZONE) == Period(
        date(2025, 3, 10), date(2025, 3, 12), scenario.ZONE
    )
    for bad in (
        {"from": "yesterday"},
        {"from": "2025-03-12", "to": "2025-03-10"},
        {"from": "2020-01-01", "to": "2025-01-01"},
    ):
        with pytest.raises(PeriodError):
            from_query(bad, scenario.ZONE)
