"""The load generator against a tiny real HTTP server on 127.0.0.1 (no model): bounds, counts, figures."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Set

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.load import LoadSpec, duplicate_deliveries, percentiles_ms, run_load
from tests.conftest import serve

TROUBLE = "Sorry, I'm having trouble answering right now."


class FakeBot:
    """A REST webhook that answers after a short pause and records what it saw."""

    def __init__(self, pause: float = 0.005) -> None:
        self.pause = pause
        self.received: List[Dict[str, Any]] = []
        self.in_flight: Set[str] = set()
        self.overlaps = 0
        self.answered_ids: Set[str] = set()

    async def webhook(self, request: Request) -> JSONResponse:
        payload = await request.json()
        self.received.append(payload)
        sender, text = payload["sender"], payload["message"]
        if sender in self.in_flight:
            self.overlaps += 1  # two messages of one conversation at once: the generator must never do this
        self.in_flight.add(sender)
        try:
            await asyncio.sleep(self.pause)
        finally:
            self.in_flight.discard(sender)
        if text == "boom":
            return JSONResponse({"error": "boom"}, status_code=500)
        if text == "stuck":
            return JSONResponse([{"recipient_id": sender, "text": TROUBLE}])
        if text == "silence":
            return JSONResponse([])
        if payload["message_id"] in self.answered_ids:
            return JSONResponse([])  # a repeated delivery: answered once only
        self.answered_ids.add(payload["message_id"])
        replies = [{"recipient_id": sender, "text": f"you said {text}"}, {"recipient_id": sender, "text": "ok"}]
        return JSONResponse(replies)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/webhooks/rest/webhook", self.webhook, methods=["POST"])])


async def test_stops_at_the_message_count_with_conversations_in_order() -> None:
    bot = FakeBot()
    async with serve(bot.app()) as base:
        spec = LoadSpec(f"{base}/webhooks/rest/webhook", concurrency=4, duration_seconds=60, max_messages=30)
        result = await run_load(spec)
    summary = result.summary()
    assert result.stopped_by == "count"
    assert summary["sent"] == summary["answered"] == len(bot.received) == 30
    assert summary["errors"] == summary["failed"] == summary["empty"] == 0
    assert bot.overlaps == 0
    ids = [p["message_id"] for p in bot.received]
    assert len(set(ids)) == len(ids)
    assert len({p["sender"] for p in bot.received}) >= 4
    assert all(s.replies == 2 for s in result.samples)
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert summary["throughput_per_s"] > 0
    assert result.elapsed < 60
    # each conversation follows the script from its start; a finished script starts a new sender
    first = [p for p in bot.received if p["sender"].endswith("-c0-0")]
    assert [p["message"] for p in first] == [text for _, text in spec.script][: len(first)]


async def test_stops_at_the_time_limit() -> None:
    bot = FakeBot(pause=0.02)
    async with serve(bot.app()) as base:
        spec = LoadSpec(
            f"{base}/webhooks/rest/webhook",
            concurrency=3,
            duration_seconds=0.5,
            max_messages=1_000_000,
            request_timeout=5,
        )
        result = await run_load(spec)
    assert result.stopped_by == "time"
    assert 0 < len(result.samples) < 1_000_000
    assert all(s.sent_at < 0.5 for s in result.samples), "nothing is sent after the duration"
    assert result.elapsed < 0.5 + 5, "in-flight messages end within the request timeout"
    assert result.summary()["sent"] == len(bot.received)


async def test_errors_failures_and_silence_are_not_answers() -> None:
    bot = FakeBot()
    script = (("ok", "hello"), ("error", "boom"), ("failed", "stuck"), ("empty", "silence"))
    async with serve(bot.app()) as base:
        spec = LoadSpec(
            f"{base}/webhooks/rest/webhook",
            concurrency=2,
            duration_seconds=30,
            max_messages=8,
            script=script,
            failure_texts=frozenset({TROUBLE}),
        )
        summary = (await run_load(spec)).summary()
    assert (summary["answered"], summary["errors"], summary["failed"], summary["empty"]) == (2, 2, 2, 2)
    assert summary["error_kinds"] == {"HTTP 500": 2}
    assert summary["by_kind"]["ok"]["answered"] == 2 and summary["by_kind"]["error"]["answered"] == 0


async def test_unreachable_server_is_an_error_not_a_hang() -> None:
    from tests.conftest import free_port

    spec = LoadSpec(f"http://127.0.0.1:{free_port()}/webhooks/rest/webhook", 2, 0.3, 4, request_timeout=2)
    summary = (await run_load(spec)).summary()
    assert summary["answered"] == 0 and summary["errors"] == summary["sent"] >= 1
    assert summary["p50_ms"] is None and summary["throughput_per_s"] == 0


async def test_duplicate_deliveries_share_one_message_id() -> None:
    bot = FakeBot()
    async with serve(bot.app()) as base:
        samples = await duplicate_deliveries(f"{base}/webhooks/rest/webhook", probes=2, run_id="t")
    twice = [s for s in samples if s.kind == "duplicate"]
    assert len(twice) == 6 and len({s.message_id for s in twice}) == 2
    assert [s.kind for s in samples].count("opening") == 1
    for message_id in {s.message_id for s in twice}:
        deliveries = [s for s in twice if s.message_id == message_id]
        assert sum(s.replies > 0 for s in deliveries) == 1


def test_only_loopback_addresses() -> None:
    for url in ("http://example.org/webhooks/rest/webhook", "http://10.0.0.2:8000/", "http://0.0.0.0:8000/"):
        with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
            LoadSpec(url, 1, 1, 1)
    for url in ("http://127.0.0.1:8000/x", "http://localhost:8000/x", "http://[::1]:8000/x"):
        LoadSpec(url, 1, 1, 1)


def test_percentiles() -> None:
    latencies = [i / 1000 for i in range(101)]  # 0..100 ms
    assert percentiles_ms(latencies, (50, 95, 99)) == [50.0, 95.0, 99.0]
    assert percentiles_ms([0.010, 0.020], (50,)) == [15.0]  # interpolated
    assert percentiles_ms([], (50,)) == [None]
