"""The gateway: one async ASGI app composed at start-up (database, core pool, router, channels)."""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator, Optional

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.config import Settings, load_settings
from bot.core import CoreError, CorePool, CoreSettings
from bot.db import create_engine, create_session_factory, ping, sync_url
from bot.delivery import Outbox
from bot.router import Router
from channels import rest, slack, telegram, webchat

CHANNELS = (rest, slack, telegram, webchat)
"""Channel adapters in mounting order; see `channels/__init__.py` for what each one provides."""

logger = logging.getLogger(__name__)


async def healthz(_: Request) -> JSONResponse:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready to answer: model loaded, database and action server reachable (503 with why)."""
    state = request.app.state
    problems = []
    if not state.core.ready:
        problems.append(f"model: {state.core.status()}")
    try:
        await ping(state.engine)
    except Exception as error:  # any failure means "not ready"; the reason is reported
        problems.append(f"database: {type(error).__name__} (is it running and migrated?)")
    try:
        response = await state.http.get(state.settings.action_server_health_url, timeout=2.0)
        if response.status_code != 200:
            problems.append(f"action server: HTTP {response.status_code}")
    except httpx.HTTPError as error:
        problems.append(f"action server: {type(error).__name__} at {state.settings.action_server_health_url}")
    if problems:
        return JSONResponse({"status": "not ready", "reasons": problems}, status_code=503)
    return JSONResponse({"status": "ready", "workers": state.core.worker_info()})


def create_app(settings: Optional[Settings] = None, core: Optional[CorePool] = None) -> Starlette:
    """Build the gateway; engines, pools and clients are created in the lifespan, not at import.

    `core` lets a caller share an already started pool of Rasa workers (tests do, to load the
    model once); the app then neither starts nor stops it.
    """
    settings = settings or load_settings()
    shared_core = core

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        core = shared_core or CorePool(
            CoreSettings(
                model_path=settings.model_path,
                action_server_url=settings.action_server_url,
                tracker_store_url=sync_url(settings.database_url),
                workers=settings.core_workers,
                timeout_seconds=settings.core_timeout_seconds,
                log_level=settings.log_level,
            )
        )
        if shared_core is None:
            try:
                await core.start()
            except CoreError as error:
                logger.error("%s", error)
        app.state.settings = settings
        app.state.engine = engine
        app.state.core = core
        app.state.http = httpx.AsyncClient()
        app.state.router = Router(create_session_factory(engine), core)
        app.state.outbox = Outbox()
        started = []
        try:
            for channel in CHANNELS:
                if hasattr(channel, "start"):
                    await channel.start(app)
                    started.append(channel)
            yield
        finally:
            for channel in reversed(started):
                if hasattr(channel, "stop"):
                    await channel.stop(app)
            await app.state.outbox.drain()
            if shared_core is None:
                await core.stop()
            await app.state.http.aclose()
            await engine.dispose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *(route for channel in CHANNELS for route in channel.routes(settings)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
