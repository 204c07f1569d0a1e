"""A throwaway PostgreSQL server for the tests, started from the installed binaries.

`TRIALBOT_TEST_POSTGRES_URL` (e.g. `postgresql://postgres@127.0.0.1:5432/postgres`) points the
tests at a server that is already running. Otherwise the newest installed PostgreSQL
(`/usr/lib/postgresql/*/bin`, or `initdb` on the PATH) gets a fresh cluster in a temporary
directory on a free port of 127.0.0.1, trusting local connections, run as the `postgres` user
when the tests run as root (PostgreSQL refuses root), and stopped at the end of the session.
Each test gets its own database, copied from a migrated template (fast: no migration per test).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Iterator, List, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.store.db import migrate

TEMPLATE = "trialbot_template"


class PostgresUnavailable(RuntimeError):  # noqa: N818 (a condition, reported as a skip or a failure)
    """No PostgreSQL server could be reached or started."""


def _bin_dir() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres_user() -> List[str]:
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")  # raises KeyError when there is no such user
    return ["runuser", "-u", "postgres", "--"]


@contextlib.contextmanager
def server(port: int) -> Iterator[str]:
    """A running server's admin URL (the configured one, or a fresh cluster started here)."""
    configured = os.environ.get("TRIALBOT_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (no initdb); set TRIALBOT_TEST_POSTGRES_URL")
    prefix = _as_postgres_user()
    home = Path(tempfile.mkdtemp(prefix="trialbot-pg-"))
    data, sockets = home / "data", home / "sockets"
    sockets.mkdir()
    if prefix:
        shutil.chown(home, "postgres")
        shutil.chown(sockets, "postgres")
    run = [*prefix, str(bin_dir / "pg_ctl")]
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c max_connections=200"
    subprocess.run(
        [*run, "-D", str(data), "-o", options, "-l", str(home / "server.log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run, "-D", str(data), "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        shutil.rmtree(home, ignore_errors=True)


class Databases:
    """Creates a migrated database per test on one server, from a template migrated once."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
        self._template_ready = False

    def _url(self, name: str) -> str:
        return str(make_url(self.admin_url).set(database=name))

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(sql))

    def new(self, migrated: bool = True) -> str:
        """A new database at the newest schema, or empty when not `migrated` (its URL)."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        if not migrated:
            self._execute(f"CREATE DATABASE {name}")
            return self._url(name)
        if not self._template_ready:
            self._execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            self._execute(f"CREATE DATABASE {TEMPLATE}")
            migrate(self._url(TEMPLATE))
            self._template_ready = True
        self._execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self._url(name)

    def drop(self, url: str) -> None:
        """Drop a test's database (closing whatever is still connected to it)."""
        name = make_url(url).database
        self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self._admin.dispose()
