"""The bundled snapshot on PostgreSQL: loaded as on a first run (a database migrated with Alembic), then
searched and re-imported with the same results as on SQLite (`snapshot_db`, the other tests' database)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.trials.cli import load_snapshot
from bot.trials.conditions import ConditionIndex
from bot.trials.importer import TrialImporter
from bot.trials.models import ConditionTerm, Trial, TrialCondition, TrialContact, TrialEligibility, TrialSite
from bot.trials.search import Plan, SearchQuery, SearchResults, TrialSearch

BOSTON = (42.35843, -71.05977)
NEW_YORK = (40.7128, -74.0060)
DUARTE = (34.13945, -117.97729)
NEAR_THE_ANTIMERIDIAN = (-36.85, -179.5)


@pytest.fixture(scope="module")
def postgres_engine(postgres_databases) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A PostgreSQL database migrated with Alembic and loaded with the snapshot, as `make run` does."""
    url = postgres_databases.new()
    assert load_snapshot(url) == 489
    engine = create_engine(url, future=True)
    yield engine
    engine.dispose()
    postgres_databases.drop(url)


@pytest.fixture
def postgres_session(postgres_engine: Engine) -> Iterator[Session]:
    """A session on the PostgreSQL snapshot; anything it writes is rolled back."""
    with Session(postgres_engine, future=True) as session:
        yield session
        session.rollback()


@pytest.fixture(scope="module")
def postgres_conditions(postgres_engine: Engine) -> ConditionIndex:
    with Session(postgres_engine, future=True) as session:
        return ConditionIndex.load(session)


def summary(results: SearchResults) -> tuple:
    """What a person sees of a search (database ids left out), and how the condition was understood."""
    condition = results.condition
    return (
        results.total,
        condition
        and (condition.phrases, len(condition.broad_ids), len(condition.narrow_ids), round(condition.share, 6)),
        [
            (
                m.trial.nct_id,
                m.relevance,
                m.distance_miles,
                m.site and (m.site.facility, m.site.city, m.site.status),
            )
            for m in results.matches
        ],
    )


def test_the_snapshot_loads_the_same(snapshot_session: Session, postgres_session: Session) -> None:
    for model in (Trial, TrialEligibility, TrialSite, TrialContact, TrialCondition, ConditionTerm):
        counts = [
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for session in (snapshot_session, postgres_session)
        ]
        assert counts[0] == counts[1] > 0, model.__tablename__
    trial = postgres_session.execute(select(Trial).where(Trial.nct_id == "NCT05123482")).scalar_one()
    assert trial.phase_list == ["PHASE1", "PHASE2"] and trial.eligibility.sex == "ALL"


SEARCHES: list[tuple[dict[str, Any], Plan]] = [
    ({"condition": "breast cancer", "where": BOSTON, "radius_miles": 300}, Plan.BY_CONDITION),
    ({"condition": "breast cancer", "where": BOSTON, "radius_miles": 300}, Plan.BY_LOCATION),
    ({"condition": "cancer", "where": NEW_YORK, "age": 60, "sex": "female"}, Plan.AUTO),
    ({"condition": "brest cancr", "phases": ("2",)}, Plan.AUTO),
    ({"condition": "leukemia", "where": DUARTE, "radius_miles": 1000}, Plan.AUTO),
    ({"condition": "brain tumor", "where": BOSTON, "age": 10}, Plan.AUTO),
    ({"condition": "prostate cancer", "statuses": ("COMPLETED",)}, Plan.AUTO),
    ({"condition": "TNBC"}, Plan.AUTO),
    ({"where": BOSTON, "radius_miles": 50, "healthy_volunteers": False}, Plan.AUTO),
    ({"where": NEAR_THE_ANTIMERIDIAN, "radius_miles": 400}, Plan.AUTO),
    ({"where": BOSTON, "condition": "cancer", "radius_miles": 200, "limit": 5, "offset": 5}, Plan.AUTO),
    ({"where": BOSTON, "condition": "cancer", "limit": 5, "offset": 10_000}, Plan.AUTO),
    ({"condition": "xyzzy"}, Plan.AUTO),
]


@pytest.mark.parametrize(("fields", "plan"), SEARCHES)
def test_searches_find_the_same_trials_in_the_same_order(
    search: TrialSearch, postgres_session: Session, postgres_conditions: ConditionIndex, fields: dict, plan: Plan
) -> None:
    fields = dict(fields)
    if "where" in fields:
        fields["latitude"], fields["longitude"] = fields.pop("where")
    fields.setdefault("limit", 100)
    query = SearchQuery(**fields)
    on_postgres = TrialSearch(postgres_session, postgres_conditions).search(query, plan)
    assert summary(on_postgres) == summary(search.search(query, plan))
    assert on_postgres.total > 0 or fields.get("condition") == "xyzzy"


def test_importing_again_updates_in_place(postgres_session: Session, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    def near_boston() -> list[str]:
        query = SearchQuery(condition="breast cancer", latitude=BOSTON[0], longitude=BOSTON[1], limit=100)
        return [m.trial.nct_id for m in TrialSearch(postgres_session).search(query).matches]

    importer = TrialImporter(postgres_session)
    assert importer.import_records([snapshot_record("NCT05123482")]).unchanged == 1
    assert "NCT05123482" in near_boston()

    record = copy.deepcopy(snapshot_record("NCT05123482"))
    locations = record["protocolSection"]["contactsLocationsModule"]["locations"]
    for location in locations:
        if location.get("city") == "Boston":
            location["status"] = "COMPLETED"
    del locations[-1]
    assert importer.import_records([record]).updated == 1
    postgres_session.expire_all()
    trial = postgres_session.execute(select(Trial).where(Trial.nct_id == "NCT05123482")).scalar_one()
    assert len(trial.sites) == len(locations)
    assert {s.status for s in trial.sites if s.city == "Boston"} == {"COMPLETED"}
    assert "NCT05123482" not in near_boston(), "its only site near Boston has completed"
