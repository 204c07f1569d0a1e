"""Migrations create exactly the schema the models describe, and undo cleanly, on SQLite and PostgreSQL."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import bot.alerts.models  # registers the alert tables
import bot.trials.models  # noqa: F401  (registers the trial tables)
from bot.store.db import alembic_config, migrate
from bot.store.models import Base


def test_upgrade_matches_the_models_and_downgrade_removes_everything(new_database) -> None:  # type: ignore[no-untyped-def]
    url = new_database()
    migrate(url)
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"conversations", "messages", "trials", "trial_sites"} <= set(inspect(engine).get_table_names())

    command.downgrade(alembic_config(url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    if engine.dialect.name == "postgresql":
        assert inspect(engine).get_sequence_names() == [] and inspect(engine).get_enums() == []
    migrate(url)
    assert "trials" in inspect(engine).get_table_names()
    engine.dispose()
