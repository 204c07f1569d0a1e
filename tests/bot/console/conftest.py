"""Console fixtures: a gateway with its app at hand, on a scripted core (`console`) or the session's Rasa worker
(`model_console`, for what only the real model and its tracker show)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from tests.bot.console.browsing import Console, eventually
from tests.conftest import NO_ACTION_SERVER, NO_MODEL, gateway_settings, serve
from tests.scripted_core import like_the_model


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords hashed in these tests are still argon2id, with the cheapest settings (as Django advises for
    tests): production's memory-hard settings cost a second a hash on a busy machine, and no test here is about
    them. Hashes made elsewhere (the CLI, the timing guard) keep their own settings when verified."""
    from argon2 import PasswordHasher

    from bot.console import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest_asyncio.fixture
async def console(database_url: str, sessions) -> AsyncIterator[Console]:  # type: ignore[no-untyped-def]
    """An in-process gateway on a scripted core (`tests/scripted_core.py`: the console never depends on what
    the model says), with its app exposed so the REST person's channel can be given a recording sender."""
    core = like_the_model(otherwise=["Sorry, I'm not sure I understood."])  # people here may say anything
    async with _console(database_url, NO_ACTION_SERVER, NO_MODEL, core, sessions) as helper:
        yield helper


@pytest_asyncio.fixture
async def model_console(  # type: ignore[no-untyped-def]
    database_url: str, action_server_url: str, model_path: Path, core_pool: Any, sessions
) -> AsyncIterator[Console]:
    """As `console`, on the session's Rasa worker (as the `gateway` fixture)."""
    await eventually(_ready(core_pool), timeout=600, every=0.5)  # the first chat needs the model loaded
    async with _console(database_url, action_server_url, model_path, core_pool, sessions) as helper:
        yield helper


@contextlib.asynccontextmanager
async def _console(  # type: ignore[no-untyped-def]
    database_url: str, action_server_url: str, model_path: Path, core: Any, sessions
) -> AsyncIterator[Console]:
    from bot.gateway.app import create_app

    app = create_app(gateway_settings(database_url, action_server_url, model_path), core=core)
    async with serve(app) as base_url:
        helper = Console(app, base_url, sessions)
        app.state.outbox.register("rest", helper.channel)
        try:
            yield helper
        finally:
            await helper.aclose()


def _ready(core_pool: Any) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool(core_pool.ready)

    return check
