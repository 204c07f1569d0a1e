"""Fixtures for the trial tests: the real snapshot imported once, fresh databases, a fake registry."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import bot.trials.models  # noqa: F401 - registers the trial tables on Base.metadata
from bot.store.models import Base
from bot.trials.cli import SNAPSHOT_PATH, load_bundled_snapshot_if_empty
from bot.trials.conditions import ConditionIndex
from bot.trials.geo import Geocoder
from bot.trials.records import read_studies
from bot.trials.search import TrialSearch


def _foreign_keys_on(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # as the application's engines do
    cursor.close()


def make_engine(path: Path) -> Engine:
    """A SQLite file with the schema created from the models."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _foreign_keys_on)
    Base.metadata.create_all(engine)
    return engine


@pytest.fixture(scope="session")
def snapshot_records() -> list[dict[str, Any]]:
    """The bundled snapshot's raw API v2 records."""
    return [dict(r) for r in read_studies(SNAPSHOT_PATH)]


@pytest.fixture(scope="session")
def snapshot_record(snapshot_records: list[dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """Look up a raw snapshot record by NCT id."""
    by_id = {r["protocolSection"]["identificationModule"]["nctId"]: r for r in snapshot_records}
    return by_id.__getitem__


@dataclass
class SnapshotDatabase:
    engine: Engine
    loaded: int


@pytest.fixture(scope="session")
def snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnapshotDatabase]:
    """The bundled snapshot, loaded once per test session as on a first run."""
    engine = make_engine(tmp_path_factory.mktemp("snapshot") / "trials.db")
    with Session(engine, future=True) as session:
        loaded = load_bundled_snapshot_if_empty(session)
    yield SnapshotDatabase(engine, loaded)
    engine.dispose()


@pytest.fixture
def snapshot_session(snapshot_db: SnapshotDatabase) -> Iterator[Session]:
    """A session on the snapshot database; anything it writes is rolled back."""
    with Session(snapshot_db.engine, future=True) as session:
        yield session
        session.rollback()


@pytest.fixture(scope="session")
def condition_index(snapshot_db: SnapshotDatabase) -> ConditionIndex:
    """The snapshot's condition vocabulary, loaded once."""
    with Session(snapshot_db.engine, future=True) as session:
        return ConditionIndex.load(session)


@pytest.fixture
def search(snapshot_session: Session, condition_index: ConditionIndex) -> TrialSearch:
    return TrialSearch(snapshot_session, condition_index)


@pytest.fixture(scope="session")
def geocoder() -> Geocoder:
    return Geocoder()


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty trial database."""
    engine = make_engine(tmp_path / "trials.db")
    yield engine
    engine.dispose()


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    with Session(empty_engine, future=True) as session:
        yield session


@dataclass
class Reply:
    """One planned answer of the fake registry."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeRegistry:
    """A real HTTP server on 127.0.0.1 speaking the ClinicalTrials.gov API v2 studies endpoint."""

    url: str
    pages: dict[str | None, dict[str, Any]] = field(default_factory=dict)  # by pageToken
    failures: list[Reply] = field(default_factory=list)  # served, in order, before pages
    requests: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def fail(self, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with this status (and headers)."""
        self.failures += [Reply(status, headers or {}) for _ in range(times)]

    def stall(self, seconds: float) -> None:
        """Answer the next request only after `seconds`."""
        self.failures.append(Reply(200, delay=seconds))

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append(query)
        self.paths.append(parts.path)
        reply = self.failures.pop(0) if self.failures else Reply()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            body = json.dumps({"message": "planned failure"}).encode()
        elif parts.path != "/api/v2/studies" or query.get("format") != "json":
            reply, body = Reply(404), b"{}"
        else:
            body = json.dumps(self.pages[query.get("pageToken")]).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)


@pytest.fixture
def registry(snapshot_records: list[dict[str, Any]]) -> Iterator[FakeRegistry]:
    """A fake registry serving three recorded pages of real snapshot studies (3 + 2 + 1)."""
    fake = FakeRegistry(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            fake.serve(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    records = snapshot_records[:6]
    fake.pages = {
        None: {"studies": records[0:3], "nextPageToken": "page-2"},
        "page-2": {"studies": records[3:5], "nextPageToken": "page-3"},
        "page-3": {"studies": records[5:6]},
    }
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
