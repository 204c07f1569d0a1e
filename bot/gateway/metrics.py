"""Prometheus metrics of one gateway, and `GET /metrics` for whoever may read them.

One `Metrics` is built in the app's lifespan, with its own registry (nothing registers at import).
Labels name a channel ("rest", "webchat", "telegram", "slack"), a Rasa worker's index or a queue
priority: never a person, a conversation or words.

Who may read: with METRICS_TOKEN set, anyone sending `Authorization: Bearer <token>` (and nobody
without it, from any address); without it, only clients on this machine (127.0.0.1, ::1). Behind a
reverse proxy on the same machine, uvicorn takes the client's address from X-Forwarded-For, so
a remote scraper is refused unless the proxy drops that header: set METRICS_TOKEN there.
"""

from __future__ import annotations

import ipaddress
import logging
import platform
import secrets
from importlib import metadata
from typing import Dict, Optional, Tuple

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Secret
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.store.models import Conversation, ConversationStatus, Priority

logger = logging.getLogger(__name__)

REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0)
"""Seconds from receiving a message to having its reply (the model's timeout is 30 s by default)."""
MODEL_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
"""Seconds a Rasa worker takes to answer one message."""


class Metrics:
    """The gateway's counters, histograms and gauges, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._received = Counter(
            "trialbot_messages_received",
            "Messages people sent, by channel (stored once; a platform's repeated delivery is not counted).",
            ["channel"],
            registry=self.registry,
        )
        self._replies = Counter(
            "trialbot_replies",
            "Replies the bot gave to people's messages, by channel (coordinators' messages not included).",
            ["channel"],
            registry=self.registry,
        )
        self._reply_seconds = Histogram(
            "trialbot_reply_seconds",
            "Seconds from receiving a message to its replies being ready (stored, before delivery), by channel.",
            ["channel"],
            buckets=REPLY_BUCKETS,
            registry=self.registry,
        )
        self._model_seconds = Histogram(
            "trialbot_model_prediction_seconds",
            "Seconds a Rasa worker took to answer one message, by worker.",
            ["worker"],
            buckets=MODEL_BUCKETS,
            registry=self.registry,
        )
        self._queue = Gauge(
            "trialbot_handoff_queue_length",
            "Conversations waiting for a coordinator, by priority (counted in the database at each scrape).",
            ["priority"],
            registry=self.registry,
        )
        Info("trialbot_build", "The running trialbot and what it is built on.", registry=self.registry).info(
            build_info()
        )

    def received(self, channel: str) -> None:
        """A person's message was stored."""
        self._received.labels(channel).inc()

    def replied(self, channel: str, replies: int, seconds: float) -> None:
        """The bot answered a message with `replies` replies, `seconds` after it was received."""
        self._replies.labels(channel).inc(replies)
        self._reply_seconds.labels(channel).observe(seconds)

    def predicted(self, worker: int, seconds: float) -> None:
        """A Rasa worker answered one message (`CorePool.watch` calls this)."""
        self._model_seconds.labels(str(worker)).observe(seconds)

    async def count_queue(self, session: AsyncSession) -> None:
        """Set the queue gauge from the database (both priorities, 0 when none wait)."""
        rows = await session.execute(
            select(Conversation.priority, func.count())
            .where(Conversation.status == ConversationStatus.WAITING.value)
            .group_by(Conversation.priority)
        )
        waiting = {priority: count for priority, count in rows.all()}
        for priority in Priority:
            self._queue.labels(priority.value).set(waiting.get(priority.value, 0))

    def forget_queue(self) -> None:
        """Drop the queue gauge (the database could not be asked): absent, rather than stale."""
        self._queue.clear()

    def exposition(self, accept: str = "") -> Tuple[bytes, str]:
        """The metrics and their content type: Prometheus text format, or OpenMetrics when the scraper asks."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


def build_info() -> Dict[str, str]:
    """trialbot's, Rasa's and Python's versions (the labels of `trialbot_build_info`)."""

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "unknown"

    return {"version": version("trialbot"), "rasa": version("rasa"), "python": platform.python_version()}


def refusal(request: Request, token: Optional[Secret]) -> Optional[Response]:
    """Why this request may not read the metrics (401 or 403), or None when it may."""
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), str(token).encode()):
            return None
        return PlainTextResponse(
            "The metrics need the METRICS_TOKEN as a bearer token.\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="trialbot metrics"'},
        )
    if _local(request.client.host if request.client else None):
        return None
    return PlainTextResponse(
        "The metrics are only served to this machine (127.0.0.1) unless METRICS_TOKEN is set.\n", status_code=403
    )


def _local(host: Optional[str]) -> bool:
    """Whether the client is on this machine (IPv4 and IPv6 loopback, also IPv4-mapped)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


async def endpoint(request: Request) -> Response:
    """GET /metrics: the exposition, the queue counted first (see the module's docstring for who may read)."""
    state = request.app.state
    refused = refusal(request, state.settings.metrics_token)
    if refused is not None:
        return refused
    metrics: Metrics = state.metrics
    try:
        async with state.sessions() as session:
            await metrics.count_queue(session)
    except Exception as error:  # the database is down: serve the rest, without a stale queue length
        logger.warning("Could not count the handoff queue for /metrics: %s", type(error).__name__)
        metrics.forget_queue()
    body, content_type = metrics.exposition(request.headers.get("accept", ""))
    return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})
