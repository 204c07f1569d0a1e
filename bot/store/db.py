"""Database access: engines and session factories built once at start-up, and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(database_url: str) -> str:
    """The async-driver form of a plain SQLAlchemy URL (sqlite → aiosqlite, postgresql → asyncpg)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return str(url.set(drivername=_ASYNC_DRIVERS[backend]))


def sync_url(database_url: str) -> str:
    """The plain (sync-driver) form of a URL, for migrations and Rasa's tracker store."""
    url = make_url(database_url)
    return str(url.set(drivername=url.get_backend_name()))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # dbapi_connection: the driver's connection (aiosqlite's, wrapped by SQLAlchemy); _record: the pool's entry
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(database_url: str) -> AsyncEngine:
    """Build the gateway's async engine (one per process, at start-up).

    `hide_parameters` keeps bound values (people's words) out of database errors, and so out of logged tracebacks.
    """
    url = async_url(database_url)
    if not url.startswith("sqlite"):
        return create_async_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    options: dict = {}
    if make_url(url).database not in (None, "", ":memory:"):
        # SQLAlchemy opens a new SQLite connection (and aiosqlite a new thread) for every session
        # by default; a small pool of open connections saves that on every message.
        options = {"poolclass": AsyncAdaptedQueuePool, "pool_size": 5, "max_overflow": 10}
    engine = create_async_engine(url, future=True, hide_parameters=True, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> sessionmaker:
    """A factory of `AsyncSession`s bound to the engine."""
    return sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, future=True)


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database cannot be reached or has not been migrated (`trialbot migrate`)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT version_num FROM alembic_version"))


def alembic_config(database_url: str) -> Config:
    """The Alembic configuration of this project, pointed at `database_url`."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def migrate(database_url: str) -> None:
    """Create or upgrade the database schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def enable_sqlite_wal(engine: Engine) -> None:
    """Switch a SQLite file to write-ahead logging so readers and one writer coexist."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
