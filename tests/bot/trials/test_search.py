"""Tests of trial search on the real snapshot: every filter, the ranking, both query plans, indexes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bot.trials.geo import distance_miles
from bot.trials.models import OPEN_STATUSES
from bot.trials.search import (
    BROADER,
    EXACT,
    KEYWORD,
    Plan,
    SearchQuery,
    SearchResults,
    TrialSearch,
    normalize_phase,
)

BOSTON = (42.35843, -71.05977)  # where the registry puts Boston's sites
NEW_YORK = (40.7128, -74.0060)
DUARTE = (34.13945, -117.97729)  # City of Hope; NCT05123482's site there has COMPLETED


def run(search: TrialSearch, where: tuple[float, float] | None = None, **fields: Any) -> SearchResults:
    if where is not None:
        fields["latitude"], fields["longitude"] = where
    fields.setdefault("limit", 100)
    return search.search(SearchQuery(**fields))


def ids(results: SearchResults) -> list[str]:
    return [m.trial.nct_id for m in results.matches]


def test_finds_real_trials_by_condition_near_a_place(search: TrialSearch) -> None:
    results = run(search, BOSTON, condition="breast cancer")

    assert "NCT05123482" in ids(results)
    found = next(m for m in results.matches if m.trial.nct_id == "NCT05123482")
    assert (found.site.city, found.site.state, found.site.status) == ("Boston", "Massachusetts", "RECRUITING")
    assert found.distance_miles == 0.0
    assert found.relevance == EXACT
    assert results.total == len(results.matches)
    assert results.condition is not None and results.condition.phrases == ("breast cancer",)


def test_age(search: TrialSearch) -> None:
    # NCT07390539 (B7-H3 CAR T cells for CNS tumours, Boston) takes 2 to 21 year olds.
    def found(age: float) -> bool:
        return "NCT07390539" in ids(run(search, BOSTON, condition="brain tumor", age=age))

    assert found(10) and found(2) and found(21)
    assert not found(30) and not found(1)
    for match in run(search, BOSTON, condition="brain tumor", age=30).matches:
        low, high = match.trial.eligibility.minimum_age_years, match.trial.eligibility.maximum_age_years
        assert (low is None or low <= 30) and (high is None or high >= 30)


def test_sex(search: TrialSearch) -> None:
    # NCT06989112 (DESTINY-Endometrial01) is for women only.
    women = run(search, condition="endometrial cancer", sex="female")
    men = run(search, condition="endometrial cancer", sex="M")

    assert "NCT06989112" in ids(women)
    assert "NCT06989112" not in ids(men)
    assert {m.trial.eligibility.sex for m in men.matches} <= {"ALL", "MALE"}


def test_location_and_radius(search: TrialSearch) -> None:
    # NCT07390539's only sites are in Boston, about 190 miles from New York.
    within_100 = run(search, NEW_YORK, condition="brain tumor", age=10)
    within_250 = run(search, NEW_YORK, condition="brain tumor", age=10, radius_miles=250)

    assert "NCT07390539" not in ids(within_100)
    found = next(m for m in within_250.matches if m.trial.nct_id == "NCT07390539")
    assert found.site.city == "Boston"
    assert found.distance_miles == pytest.approx(distance_miles(NEW_YORK, BOSTON), abs=0.1)
    assert all(m.distance_miles <= 100 for m in within_100.matches)
    assert all(m.distance_miles <= 250 for m in within_250.matches)


def test_a_site_without_its_own_status_takes_the_trials(search: TrialSearch) -> None:
    # NCT07390539 is NOT_YET_RECRUITING and its two Boston sites have no status of their own.
    found = next(m for m in run(search, BOSTON, condition="medulloblastoma").matches if m.trial.nct_id == "NCT07390539")
    assert found.site.status is None
    assert found.trial.overall_status == "NOT_YET_RECRUITING"


def test_status(search: TrialSearch) -> None:
    # NCT00057759 (sildenafil after prostate cancer treatment) has COMPLETED.
    assert "NCT00057759" not in ids(run(search, condition="prostate cancer"))
    completed = run(search, condition="prostate cancer", statuses=("COMPLETED",))
    assert "NCT00057759" in ids(completed)
    assert {m.trial.overall_status for m in completed.matches} == {"COMPLETED"}
    assert "NCT00057759" in ids(run(search, condition="prostate cancer", statuses=()))
    assert {m.trial.overall_status for m in run(search, condition="cancer").matches} <= set(OPEN_STATUSES)


def test_phase(search: TrialSearch) -> None:
    early = run(search, phases=("early phase 1",))
    assert "NCT06454955" in ids(early)  # B7-H3 affibody PET imaging, EARLY_PHASE1
    assert all("EARLY_PHASE1" in m.trial.phase_list for m in early.matches)
    assert "NCT06454955" not in ids(run(search, phases=("1",)))
    # NCT05123482 is PHASE1,PHASE2: found when asking for either.
    assert "NCT05123482" in ids(run(search, condition="breast cancer", phases=("Phase 2",)))
    assert "NCT05123482" in ids(run(search, condition="breast cancer", phases=("I",)))
    assert "NCT05123482" not in ids(run(search, condition="breast cancer", phases=("3",)))
    both = run(search, condition="lung cancer", phases=("2", "3"))
    assert all({"PHASE2", "PHASE3"} & set(m.trial.phase_list) for m in both.matches)


def test_healthy_volunteers(search: TrialSearch) -> None:
    # NCT05635643 (CHS-114 in advanced solid tumours) accepts healthy volunteers.
    accepting = run(search, healthy_volunteers=True)
    assert "NCT05635643" in ids(accepting)
    assert all(m.trial.eligibility.healthy_volunteers for m in accepting.matches)
    assert "NCT05635643" not in ids(run(search, healthy_volunteers=False))


def test_the_nearest_open_site_is_chosen(search: TrialSearch, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    results = run(search, DUARTE, condition="breast cancer", radius_miles=150)
    found = next(m for m in results.matches if m.trial.nct_id == "NCT05123482")

    locations = snapshot_record("NCT05123482")["protocolSection"]["contactsLocationsModule"]["locations"]
    open_sites = [
        (distance_miles(DUARTE, (loc["geoPoint"]["lat"], loc["geoPoint"]["lon"])), loc["city"])
        for loc in locations
        if loc.get("geoPoint") and loc.get("status") in (*OPEN_STATUSES, None)
    ]
    nearest_miles, nearest_city = min(open_sites)
    assert found.site.city == nearest_city != "Duarte"
    assert found.site.status in OPEN_STATUSES
    assert found.distance_miles == pytest.approx(nearest_miles, abs=0.1)


def test_ranking_puts_the_condition_asked_about_first(search: TrialSearch) -> None:
    results = run(search, condition="small cell lung cancer")
    relevance = [m.relevance for m in results.matches]
    position = {m.trial.nct_id: i for i, m in enumerate(results.matches)}

    assert relevance == sorted(relevance, reverse=True)
    assert results.matches[position["NCT06780137"]].relevance == EXACT  # "Small Cell Lung Cancer"
    assert results.matches[position["NCT06194448"]].relevance == BROADER  # only "Lung Cancer"


def test_ranking_then_by_distance_then_by_recency(search: TrialSearch) -> None:
    results = run(search, BOSTON, condition="breast cancer", radius_miles=300)
    order = [(-m.relevance, m.distance_miles, -m.trial.last_update_date.toordinal()) for m in results.matches]
    position = {m.trial.nct_id: i for i, m in enumerate(results.matches)}

    assert order == sorted(order)
    # In Boston, then Providence (about 41 miles), then Westbury NY (about 171 miles).
    assert position["NCT05123482"] < position["NCT04961996"] < position["NCT05296798"]
    # A trial matched only by a keyword comes after every exact match, however near.
    assert results.matches[position["NCT06330064"]].relevance == KEYWORD
    assert all(m.relevance == EXACT for m in results.matches[: position["NCT06330064"]])


def test_without_a_place_more_recently_updated_trials_come_first(search: TrialSearch) -> None:
    results = run(search, condition="melanoma")
    order = [(-m.relevance, -m.trial.last_update_date.toordinal()) for m in results.matches]
    assert order == sorted(order)
    assert all(m.site is None and m.distance_miles is None for m in results.matches)


def test_a_place_alone_lists_the_nearest_trials(search: TrialSearch) -> None:
    results = run(search, BOSTON, radius_miles=50)
    assert results.total > 10
    distances = [m.distance_miles for m in results.matches]
    assert distances == sorted(distances) and distances[-1] <= 50
    assert all(m.site.status in (*OPEN_STATUSES, None) for m in results.matches)


@pytest.mark.parametrize(
    ("condition", "where", "radius"),
    [
        ("breast cancer", BOSTON, 300),
        ("cancer", NEW_YORK, 100),
        ("leukemia", DUARTE, 1000),  # the one open US leukemia site is in Aurora, CO
        (None, NEW_YORK, 60),
        ("brain tumor", BOSTON, 1000),
    ],
)
def test_both_plans_give_the_same_answer(search: TrialSearch, condition, where, radius) -> None:  # type: ignore[no-untyped-def]
    query = SearchQuery(condition=condition, latitude=where[0], longitude=where[1], radius_miles=radius, limit=100)
    by_condition = search.search(query, Plan.BY_CONDITION)
    by_location = search.search(query, Plan.BY_LOCATION)

    def summary(results: SearchResults) -> list[tuple]:
        return [(m.trial.nct_id, m.relevance, m.distance_miles, m.site.id) for m in results.matches]

    assert by_condition.total == by_location.total > 0
    assert summary(by_condition) == summary(by_location)


def test_pages(search: TrialSearch) -> None:
    everything = run(search, BOSTON, condition="cancer", radius_miles=200)
    first = run(search, BOSTON, condition="cancer", radius_miles=200, limit=5)
    second = run(search, BOSTON, condition="cancer", radius_miles=200, limit=5, offset=5)
    beyond = run(search, BOSTON, condition="cancer", radius_miles=200, limit=5, offset=10_000)

    assert ids(first) + ids(second) == ids(everything)[:10]
    assert first.total == second.total == beyond.total == everything.total > 10
    assert beyond.matches == []


def test_typos_find_the_same_trials(search: TrialSearch) -> None:
    assert ids(run(search, condition="brest cancr")) == ids(run(search, condition="breast cancer"))


def test_lay_terms_find_trials(search: TrialSearch) -> None:
    assert "NCT07390539" in ids(run(search, condition="brain tumour"))
    tnbc = run(search, condition="TNBC")
    assert tnbc.total > 0
    assert all(
        any("triple" in c.term.name.lower() or "tnbc" in c.term.name.lower() for c in m.trial.conditions)
        for m in tnbc.matches
    )


def test_a_condition_of_filler_words_is_no_condition(search: TrialSearch) -> None:
    assert ids(run(search, BOSTON, condition="any trials near me?")) == ids(run(search, BOSTON))


def test_an_unknown_condition_finds_nothing(search: TrialSearch) -> None:
    results = run(search, BOSTON, condition="xyzzy")
    assert results.matches == [] and results.total == 0
    assert results.condition is not None and results.condition.is_empty


def test_searching_across_the_antimeridian(search: TrialSearch) -> None:
    # 0.5° east of the antimeridian: Tauranga (176.2° E) is 245 miles away, Auckland 317.
    results = run(search, (-36.85, -179.5), radius_miles=400)
    assert "NCT05170204" in ids(results)
    assert {m.site.country for m in results.matches} == {"New Zealand"}
    assert all(240 < m.distance_miles <= 400 for m in results.matches)
    assert results.matches[0].site.city == "Tauranga"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2", "PHASE2"),
        ("Phase II", "PHASE2"),
        ("PHASE3", "PHASE3"),
        ("early phase 1", "EARLY_PHASE1"),
        ("iv", "PHASE4"),
    ],
)
def test_normalize_phase(text: str, code: str) -> None:
    assert normalize_phase(text) == code


@pytest.mark.parametrize(
    "fields",
    [
        {"latitude": 42.0},
        {"sex": "x"},
        {"phases": ("7",)},
        {"limit": 0},
        {"offset": -1},
        {"radius_miles": 0},
    ],
)
def test_invalid_queries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SearchQuery(**fields)


@pytest.mark.parametrize(
    ("condition", "where", "plan"),
    [
        ("breast cancer", BOSTON, Plan.BY_CONDITION),
        ("cancer", NEW_YORK, Plan.BY_LOCATION),
        (None, NEW_YORK, Plan.AUTO),
        ("melanoma", None, Plan.AUTO),
    ],
)
def test_searches_read_through_indexes_not_whole_tables(
    search: TrialSearch, snapshot_session, condition, where, plan
) -> None:  # type: ignore[no-untyped-def]
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    engine = snapshot_session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        lat, lon = where if where else (None, None)
        search.search(SearchQuery(condition=condition, latitude=lat, longitude=lon), plan)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    ranking, parameters = next((s, p) for s, p in statements if s.lstrip().startswith(("WITH", "SELECT trials.id AS")))
    steps = [
        row[3] for row in snapshot_session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {ranking}", parameters)
    ]

    scans = [step for step in steps if step.startswith("SCAN") and "trial" in step and "INDEX" not in step]
    assert scans == [], steps
    assert not any(step.startswith("SCAN trial_sites") or step.startswith("SCAN trial_conditions") for step in steps)
    if where:
        assert any("ix_trial_sites_geo" in step or "ix_trial_sites_trial_geo" in step for step in steps), steps
