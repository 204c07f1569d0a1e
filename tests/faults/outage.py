"""A database that is briefly unavailable, for real: locked (SQLite) or refusing connections (PostgreSQL).

SQLite: another connection holds an exclusive lock, so every write waits for the gateway's busy
timeout and then fails with "database is locked". PostgreSQL: the database stops accepting
connections and every open one is terminated (the gateway's pooled connections die with them).
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any, Iterator

import sqlalchemy
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def database_outage(database_url: str, postgres: Any = None) -> Iterator[None]:
    """Make `database_url` unavailable inside the block; `postgres` is the session's `Databases` for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        lock = sqlite3.connect(url.database, isolation_level=None, timeout=30)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    admin = sqlalchemy.create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT", future=True)
    name = url.database
    try:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                sqlalchemy.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(sqlalchemy.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()
