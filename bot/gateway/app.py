"""The gateway: one async ASGI app composed at start-up (database, core pool, router, channels)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from datetime import datetime, timedelta
from typing import AsyncIterator, Optional

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.alerts import schedule as alert_schedule
from bot.alerts import subscriptions
from bot.config import Settings, load_settings
from bot.console.views import routes as console_routes
from bot.core.pool import CoreError, CorePool, CoreSettings
from bot.gateway import recovery
from bot.gateway.delivery import DeliveryPolicy, Outbox
from bot.gateway.live_updates import LiveUpdates
from bot.gateway.metrics import Metrics
from bot.gateway.metrics import endpoint as metrics_endpoint
from bot.gateway.rate_limit import SenderLimiter
from bot.gateway.security_headers import SecurityHeaders
from bot.handoff.coordination import Coordination
from bot.handoff.machine import QueuePolicy
from bot.router import Router
from bot.store.db import create_engine, create_session_factory, ping, sync_url
from bot.store.models import utcnow
from channels import rest
from channels.slack import mount as slack
from channels.telegram import mount as telegram
from channels.webchat import adapter as webchat

CHANNELS = (rest, slack, telegram, webchat)
"""Channel adapters in mounting order; see `channels/__init__.py` for what each one provides."""

logger = logging.getLogger(__name__)


async def healthz(_: Request) -> JSONResponse:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def favicon(_: Request) -> Response:
    """No icon (browsers ask for one on every page); an empty answer instead of a 404 in their consoles."""
    return Response(status_code=204)


async def readyz(request: Request) -> JSONResponse:
    """Ready to answer: model loaded in at least one worker, database and action server reachable
    (503 with why). The body says how many workers have loaded (the others are still loading)."""
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
    workers = state.core.worker_info()
    return JSONResponse(
        {
            "status": "ready",
            "workers": workers,
            "workers_ready": sum(bool(w.get("ready")) for w in workers),
            "workers_total": state.core.workers_total,
        }
    )


async def _offer_loop(coordination: Coordination, every_seconds: float = 15.0) -> None:
    """Offer "keep waiting or back to the bot?" to people who waited too long, every few seconds."""
    while True:
        try:
            await coordination.send_due_offers()
        except Exception:  # keep the loop alive; the next round retries
            logger.exception("Could not send the waiting offers")
        await asyncio.sleep(every_seconds)


async def _recover(app: Starlette, started_at: datetime, poll_seconds: float = 0.5) -> None:
    """Once the model answers, answer what the last run left unanswered (`bot.gateway.recovery`)."""
    state = app.state
    while not state.core.ready:
        await asyncio.sleep(poll_seconds)
    window = timedelta(minutes=state.settings.recover_minutes)
    try:
        await recovery.answer_unanswered(state.sessions, state.router, state.outbox, window, started_at)
    except Exception:  # the database went away, say; what is left is answered at the next start
        logger.exception("Could not answer the messages left unanswered")


def create_app(settings: Optional[Settings] = None, core: Optional[CorePool] = None) -> Starlette:
    """Build the gateway; engines, pools and clients are created in the lifespan, not at import.

    `core` lets a caller share an already started pool of Rasa workers (tests do, to load the
    model once); the app then neither starts nor stops it.
    """
    settings = settings or load_settings()
    shared_core = core

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started_at = utcnow()
        engine = create_engine(settings.database_url)
        core = shared_core or CorePool(
            CoreSettings(
                model_path=settings.model_path,
                action_server_url=settings.action_server_url,
                tracker_store_url=sync_url(settings.database_url),
                workers=settings.core_workers,
                tf_threads=max(1, (os.cpu_count() or 1) // settings.core_workers),
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
        sessions = create_session_factory(engine)
        policy = QueuePolicy(office_hours=settings.office_hours, wait=timedelta(minutes=settings.handoff_wait_minutes))
        app.state.sessions = sessions
        app.state.events = LiveUpdates()
        app.state.rate_limit = SenderLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        app.state.metrics = Metrics()
        stop_watching = core.watch(app.state.metrics.predicted)
        app.state.router = Router(sessions, core, policy, app.state.events, app.state.metrics)
        app.state.outbox = Outbox(
            sessions,
            DeliveryPolicy(
                lease=timedelta(seconds=settings.outbox_lease_seconds), poll_seconds=settings.outbox_poll_seconds
            ),
        )
        app.state.coordination = Coordination(sessions, app.state.outbox, app.state.events, policy)
        watcher = asyncio.get_running_loop().create_task(_offer_loop(app.state.coordination), name="wait-offers")
        started = []
        delivering: Optional[asyncio.Task[None]] = None
        recovering: Optional[asyncio.Task[None]] = None
        scheduler = None
        try:
            for channel in CHANNELS:
                if hasattr(channel, "start"):
                    await channel.start(app)
                    started.append(channel)
            app.state.outbox.on_refused(functools.partial(subscriptions.stop_when_blocked, sessions))
            delivering = asyncio.get_running_loop().create_task(app.state.outbox.run(), name="outbox")
            scheduler = alert_schedule.start(settings, app.state.outbox)
            recovering = asyncio.get_running_loop().create_task(_recover(app, started_at), name="recovery")
            yield
        finally:
            for task in (delivering, recovering):
                if task is not None:
                    task.cancel()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            for channel in reversed(started):
                if hasattr(channel, "stop"):
                    await channel.stop(app)
            watcher.cancel()
            stop_watching()
            await app.state.outbox.drain()
            if shared_core is None:
                await core.stop()
            await app.state.http.aclose()
            await engine.dispose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *(route for channel in CHANNELS for route in channel.routes(settings)),
        *console_routes(settings),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)])
