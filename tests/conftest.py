"""Shared fixtures: a migrated database per test, the trained model, and one event loop per session."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import pytest_asyncio
import uvloop
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.training import ensure_model
from bot.store.db import PROJECT_ROOT, create_engine, create_session_factory, migrate

MODEL_PATH = PROJECT_ROOT / "models" / "trialbot.tar.gz"

# uvloop's event loop policy from the start, as in a Rasa worker. Importing Rasa's channels installs a new one
# (aiogram does it on import, unconditionally; Sanic when none is there), and a policy replaced half-way through
# the session drops the session's event loop: so aiogram is imported here, before any loop exists.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
importlib.import_module("aiogram")


MODEL_FIXTURES = frozenset({"model_path", "core_pool", "action_server_url", "running_stack", "gateway"})
"""Fixtures that need the trained model (or start what only runs with it): a test using one, directly or
through other fixtures, is marked `model`."""
STACK_FIXTURES = frozenset({"running_stack"})
POSTGRES_FIXTURES = frozenset({"postgres_databases"})
BROWSER_FIXTURES = frozenset({"browser"})


def pytest_configure(config: pytest.Config) -> None:
    """Train the safety classifier (unless it is cached) in a process of its own, started before tests are
    collected: it trains while the `-n` workers start and collect, and a worker that needs it first waits for
    it (`load` locks the cache) instead of training the same classifier again."""
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    training = subprocess.Popen([sys.executable, "-m", "bot.safety.classifier"], cwd=PROJECT_ROOT)
    config.add_cleanup(training.wait)


def pytest_collection_modifyitems(items: list) -> None:
    """Run every async test on the session's event loop, so session fixtures can be shared; and mark what
    each test needs from its fixtures (`model`, `stack`, `postgres`, `browser`), so `-m` can leave it out."""
    marker = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if pytest_asyncio.is_async_test(item):
            item.add_marker(marker, append=False)
        for name in sorted(needs(item)):
            if not item.get_closest_marker(name):
                item.add_marker(getattr(pytest.mark, name))


def needs(item: Any) -> set:
    """The markers a test's fixtures call for: `item.fixturenames` is the whole closure (fixtures of
    fixtures included); a database fixture parametrised "postgresql" fetches PostgreSQL itself."""
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    found = set()
    if names & MODEL_FIXTURES:
        found.add("model")
    if names & STACK_FIXTURES:
        found.add("stack")
    if names & POSTGRES_FIXTURES or "postgresql" in [p for p in params if isinstance(p, str)]:
        found.add("postgres")
    if names & BROWSER_FIXTURES:
        found.add("browser")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def model_path(request: pytest.FixtureRequest) -> Path:
    """The trained model; trained here only if `make train` has not already built it.

    In a run that leaves out the `model` tests (`make test-fast`) a test that still gets here is missing its
    mark: it fails at once instead of training or loading a model."""
    if "not model" in (request.config.option.markexpr or ""):
        pytest.fail("this test needs the trained model but is not marked `model` (pytest.mark.model)")
    ensure_model(MODEL_PATH)
    return MODEL_PATH


@pytest.fixture(scope="session")
def postgres_databases():  # type: ignore[no-untyped-def]
    """A PostgreSQL server for the session (`tests/postgres.py`) handing out a fresh database per test."""
    from tests.postgres import Databases, server

    with server(free_port()) as admin_url:
        databases = Databases(admin_url)
        yield databases
        databases.close()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated with Alembic once per session: each test's database is a copy of it (a
    file copy instead of running every migration again; the migrations themselves are tested in
    tests/bot/store/test_migrations.py)."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh database migrated to the newest schema: every test that uses it runs on a SQLite
    file and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "trialbot.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        yield f"sqlite:///{path}"
        return
    databases = request.getfixturevalue("postgres_databases")
    url = databases.new()
    yield url
    databases.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Makes empty databases, not migrated (`new_database()` returns a sync URL): SQLite files, and in a second
    run of the test PostgreSQL databases (dropped afterwards)."""
    databases = request.getfixturevalue("postgres_databases") if request.param == "postgresql" else None
    made = []

    def make() -> str:
        url = databases.new(migrated=False) if databases else f"sqlite:///{tmp_path / f'db{len(made)}.sqlite'}"
        made.append(url)
        return url

    yield make
    for url in made if databases else []:
        databases.drop(url)


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    return create_session_factory(engine)


@pytest.fixture(scope="session")
def snapshot_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated with Alembic and loaded with the bundled trial snapshot, as on first run."""
    from bot.trials.cli import load_snapshot

    url = f"sqlite:///{tmp_path_factory.mktemp('snapshot') / 'trialbot.db'}"
    migrate(url)
    assert load_snapshot(url) > 400
    return url


@pytest.fixture(scope="session")
def action_server_url(tmp_path_factory: pytest.TempPathFactory, snapshot_database_url: str):  # type: ignore[no-untyped-def]
    """A real action server (rasa_sdk with our actions) on 127.0.0.1, searching the snapshot."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    log = (tmp_path_factory.mktemp("actions") / "actions.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=dict(os.environ, SANIC_HOST="127.0.0.1", DATABASE_URL=snapshot_database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("the action server did not start")
    yield f"http://127.0.0.1:{port}/webhook"
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest_asyncio.fixture(scope="session")
async def core_pool(model_path: Path, action_server_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One real pool of Rasa workers (the trained model) shared by the whole session."""
    from bot.core.pool import CorePool, CoreSettings

    tracker_db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    pool = CorePool(
        CoreSettings(
            model_path=model_path,
            action_server_url=action_server_url,
            tracker_store_url=f"sqlite:///{tracker_db}",
            workers=1,
            log_level="WARNING",
        )
    )
    await pool.start()
    await wait_until_ready(pool)
    yield pool
    await pool.stop()


async def wait_until_ready(pool: Any, timeout: float = 600) -> None:
    """Wait until a worker has loaded the model (slow on a busy machine), failing with the pool's reason."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not pool.ready:
        if "could not load" in pool.status() or time.monotonic() > deadline:
            raise RuntimeError(f"the Rasa workers are not ready: {pool.status()}")
        await asyncio.sleep(0.2)


@pytest.fixture(scope="session")
def running_stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The whole stack as `make run` starts it (two Rasa workers), shared by REST-level tests."""
    from tests.stack import environment, launch

    database = tmp_path_factory.mktemp("stack") / "trialbot.db"
    env = environment(f"sqlite:///{database}", free_port(), free_port(), model_path, workers=2)
    launched = launch(env)
    launched.database_url = env["DATABASE_URL"]
    yield launched
    launched.stop()


@contextlib.asynccontextmanager
async def serve(app: Any, port: int = 0) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port unless given) in this event loop; yield its base URL."""
    import asyncio

    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    )
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def gateway_settings(database_url: str, action_server_url: str, model_path: Path, **environ: str) -> Any:
    """Settings for an in-process gateway on a test database, with extra variables (channel credentials)."""
    from bot.config import load_settings

    env = {
        "DATABASE_URL": database_url,
        "ACTION_SERVER_URL": action_server_url,
        "MODEL_PATH": str(model_path),
        "LOG_LEVEL": "WARNING",
        "ALERTS_TIME": "off",  # no daily alerts run in the middle of a test (tests/bot/alerts test the schedule)
        **environ,
    }
    return load_settings(env, env_file=Path("/nonexistent"))


@pytest_asyncio.fixture
async def gateway(database_url: str, action_server_url: str, model_path: Path, core_pool: Any):  # type: ignore[no-untyped-def]
    """Start an in-process gateway that shares the session's Rasa workers: `async with gateway(**env) as url:`."""
    from bot.gateway.app import create_app

    def start(**environ: str) -> Any:
        settings = gateway_settings(database_url, action_server_url, model_path, **environ)
        return serve(create_app(settings, core=core_pool))

    return start


NO_ACTION_SERVER = "http://127.0.0.1:9/webhook"
"""Where a gateway on a scripted core is told the action server is (nothing listens: the core never asks it)."""
NO_MODEL = Path("/nonexistent/trialbot.tar.gz")


@pytest_asyncio.fixture
async def scripted_gateway(database_url: str):  # type: ignore[no-untyped-def]
    """As `gateway`, without a model: the in-process gateway routes to a scripted core (`tests/scripted_core.py`,
    `like_the_model()` unless given): `async with scripted_gateway(core=..., **env) as url:`."""
    from bot.gateway.app import create_app
    from tests.scripted_core import like_the_model

    def start(core: Any = None, **environ: str) -> Any:
        settings = gateway_settings(database_url, NO_ACTION_SERVER, NO_MODEL, **environ)
        return serve(create_app(settings, core=core or like_the_model()))

    return start


@pytest_asyncio.fixture(scope="session")
async def browser():  # type: ignore[no-untyped-def]
    """Debian's headless Chromium driven by Playwright, shared by the session's browser tests."""
    from tests.browser import chromium

    async with chromium() as browser:
        yield browser
