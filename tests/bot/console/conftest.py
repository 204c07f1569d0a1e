"""Console fixtures: a gateway on the session's Rasa worker with its app at hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest_asyncio

from tests.bot.console.browsing import Console, eventually
from tests.conftest import gateway_settings, serve


@pytest_asyncio.fixture
async def console(  # type: ignore[no-untyped-def]
    database_url: str, action_server_url: str, model_path: Path, core_pool: Any, sessions
) -> AsyncIterator[Console]:
    """An in-process gateway on the session's Rasa worker (as the `gateway` fixture), with its app exposed
    so the REST person's channel can be given a recording sender."""
    from bot.gateway.app import create_app

    await eventually(_ready(core_pool), timeout=600, every=0.5)  # the first chat needs the model loaded
    app = create_app(gateway_settings(database_url, action_server_url, model_path), core=core_pool)
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
