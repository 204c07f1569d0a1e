"""Trials keep what biospecimens a study collects (ClinicalTrials.gov bioSpec), from record to database."""

import copy

from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bot.store.db import alembic_config, migrate
from bot.trials.importer import TrialImporter
from bot.trials.models import Trial
from bot.trials.records import parse_study


def test_a_record_s_biospecimens_are_read(snapshot_record) -> None:  # type: ignore[no-untyped-def]
    study = parse_study(snapshot_record("NCT03797482"))
    assert study.biospec_retention == "SAMPLES_WITH_DNA"
    assert study.biospec_description == "Breast cancer tumor tissue"
    assert parse_study(snapshot_record("NCT05123482")).biospec_retention is None


def test_imports_store_and_update_biospecimens(session, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    record = copy.deepcopy(snapshot_record("NCT03797482"))
    TrialImporter(session).import_records([record])
    trial = session.execute(select(Trial).where(Trial.nct_id == "NCT03797482")).scalar_one()
    assert trial.keeps_biospecimens and trial.biospec_description == "Breast cancer tumor tissue"

    record["protocolSection"]["designModule"]["bioSpec"] = {"retention": "NONE_RETAINED", "description": "Blood"}
    TrialImporter(session).import_records([record])
    session.refresh(trial)
    assert trial.biospec_retention == "NONE_RETAINED" and not trial.keeps_biospecimens


def test_migration_0003_marks_older_rows_for_refreshing(new_database, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    command.upgrade(alembic_config(url), "0002_trials")
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO trials (nct_id, overall_status, phases, content_hash, imported_at, changed_at, "
                "refreshed_at, brief_title) VALUES ('NCT03797482', 'RECRUITING', '', 'abc', "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 'old')"
            )
        )
    migrate(url)
    with Session(engine, future=True) as session:
        trial = session.execute(select(Trial)).scalar_one()
        assert trial.content_hash == "" and trial.biospec_retention is None
        # importing the same records again now fills the new columns instead of skipping the trial
        result = TrialImporter(session).import_records([snapshot_record("NCT03797482")])
        assert result.updated == 1
        assert trial.biospec_description == "Breast cancer tumor tissue" and trial.brief_title != "old"
    engine.dispose()
