"""Alembic environment: runs migrations with a plain (sync) engine on the configured URL."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from bot.db import enable_sqlite_wal
from bot.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Apply migrations over a live connection (SQLite in batch mode for ALTERs)."""
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
        future=True,
    )
    enable_sqlite_wal(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
