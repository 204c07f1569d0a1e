"""GET /metrics after real messages through the gateway (REST and web chat, the real model and databases):
the counts and histograms by channel, the model's time, the handoff queue; and who may read them (a gateway on a
scripted core, `tests/scripted_core.py`: no model needed for that)."""

from __future__ import annotations

import secrets
from typing import Dict, FrozenSet, Optional, Tuple

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families
from starlette.requests import Request

from bot.gateway.metrics import refusal
from tests.channels.webchat.test_webchat import hello, say, socket_url

ALWAYS_OPEN = {"HANDOFF_OFFICE_HOURS": "always", "HANDOFF_TIMEZONE": "UTC"}
TOKEN = "metrics-token-" + "0123456789abcdef"
REMOTE = {"X-Forwarded-For": "203.0.113.9"}
"""uvicorn believes X-Forwarded-For from 127.0.0.1 (a reverse proxy on this machine): a scraper elsewhere."""

Samples = Dict[Tuple[str, FrozenSet[Tuple[str, str]]], float]


def samples(exposition: str) -> Samples:
    """Every sample of a scrape by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(scraped: Samples, name: str, **labels: str) -> Optional[float]:
    return scraped.get((name, frozenset(labels.items())))


async def _rest(http: httpx.AsyncClient, sender: str, text: str, message_id: Optional[str] = None) -> int:
    """Send one REST message; how many replies came back."""
    body = {"sender": sender, "message": text, **({"message_id": message_id} if message_id else {})}
    response = await http.post("/webhooks/rest/webhook", json=body)
    assert response.status_code == 200, response.text
    return len(response.json())


async def test_metrics_count_messages_replies_and_times_by_channel_and_the_queue(gateway) -> None:  # type: ignore[no-untyped-def]
    async with gateway(**ALWAYS_OPEN) as url, httpx.AsyncClient(base_url=url, timeout=120) as http:
        before = samples((await http.get("/metrics")).text)
        assert value(before, "trialbot_handoff_queue_length", priority="normal") == 0
        assert value(before, "trialbot_messages_received_total", channel="rest") is None

        replies = 0
        for text in ("hi", "are you a bot?", "what is a clinical trial?"):
            replies += await _rest(http, "metrics-person", text)
        replies += await _rest(http, "metrics-person", "thanks", message_id="repeated-7f3a")
        await _rest(http, "metrics-person", "thanks", message_id="repeated-7f3a")  # a repeated delivery: not counted
        replies += await _rest(http, "queued-person", "can I talk to someone real")
        async with websockets.connect(socket_url(url)) as ws:
            await hello(ws, secrets.token_hex(16))
            await say(ws, "w1", "hello")

        scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    assert scraped.headers["x-content-type-options"] == "nosniff"
    now = samples(scraped.text)
    assert value(now, "trialbot_messages_received_total", channel="rest") == 5
    assert value(now, "trialbot_messages_received_total", channel="webchat") == 1
    assert value(now, "trialbot_replies_total", channel="rest") == replies
    assert value(now, "trialbot_replies_total", channel="webchat") >= 1  # type: ignore[operator]
    assert value(now, "trialbot_reply_seconds_count", channel="rest") == 5
    assert value(now, "trialbot_reply_seconds_count", channel="webchat") == 1
    assert value(now, "trialbot_reply_seconds_sum", channel="rest") > 0  # type: ignore[operator]
    assert value(now, "trialbot_model_prediction_seconds_count", worker="0") == 6, "every message the model saw"
    assert value(now, "trialbot_model_prediction_seconds_sum", worker="0") > 0  # type: ignore[operator]
    assert value(now, "trialbot_handoff_queue_length", priority="normal") == 1
    assert value(now, "trialbot_handoff_queue_length", priority="urgent") == 0
    [build] = [labels for name, labels in now if name == "trialbot_build_info"]
    assert dict(build)["rasa"] == "3.6.21" and set(dict(build)) == {"version", "rasa", "python"}
    for private in ("metrics-person", "queued-person", "are you a bot", "clinical trial", "repeated-7f3a"):
        assert private not in scraped.text, f"{private!r} is in the metrics"


async def test_without_a_token_only_this_machine_may_read(scripted_gateway) -> None:  # type: ignore[no-untyped-def]
    async with scripted_gateway() as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/metrics")).status_code == 200
        refused = await http.get("/metrics", headers=REMOTE)
        assert refused.status_code == 403 and "127.0.0.1" in refused.text
        assert "trialbot_" not in refused.text


async def test_with_a_token_every_reader_needs_it(scripted_gateway) -> None:  # type: ignore[no-untyped-def]
    async with scripted_gateway(METRICS_TOKEN=TOKEN) as url, httpx.AsyncClient(base_url=url) as http:
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Basic {TOKEN}"}):
            refused = await http.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"].startswith("Bearer") and "trialbot_" not in refused.text
        for headers in ({}, REMOTE):
            allowed = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
            assert allowed.status_code == 200 and "trialbot_build_info" in allowed.text


@pytest.mark.parametrize(
    ("client", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("2001:db8::1", False),
        ("testclient", False),
        (None, False),
    ],
)
def test_this_machine_means_loopback_addresses(client: Optional[str], allowed: bool) -> None:
    peer = (client, 50000) if client else None
    scope = {"type": "http", "method": "GET", "path": "/metrics", "headers": [], "client": peer}
    assert (refusal(Request(scope), None) is None) is allowed
