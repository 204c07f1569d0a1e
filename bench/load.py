"""Load generator: concurrent conversations over Rasa's REST webhook, bounded in time and in count.

C conversations run at once; each sends its messages strictly one after another (the next only
after the previous one's answer), following a script of what people ask (FAQ questions, a trial
search, "show more", chit-chat, something the bot cannot understand). When a conversation reaches
the end of the script it starts a new conversation (a new sender). Every message carries a unique
`message_id` (trialbot's REST channel de-duplicates on it; plain Rasa ignores it).

The run stops sending when `duration_seconds` have passed or `max_messages` were sent, whichever
comes first; messages in flight then finish (each bounded by `request_timeout`). Only loopback
addresses are accepted: this is a benchmark of a stack on the same machine, never of someone's server.

Usage: python -m bench.load URL [--concurrency 10] [--seconds 20] [--max-messages 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import itertools
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import httpx
import numpy

Step = Tuple[str, str]
"""(kind, text): what a person sends, with a label used to break latency down."""

SCRIPT: Tuple[Step, ...] = (
    ("greeting", "hi"),
    ("faq", "what is a clinical trial?"),
    ("search", "I'm 34 with breast cancer in 77030"),
    ("show_more", "show more"),
    ("faq", "will I get a placebo?"),
    ("chitchat", "thanks, that helps"),
    ("fallback", "purple monkey dishwasher"),
    ("faq", "who pays for the tests in a trial?"),
    ("goodbye", "bye"),
)
"""One realistic conversation; no safety words (crisis, emergency, delete my data), which skip the model."""

ANSWERED, EMPTY, FAILED, ERROR = "answered", "empty", "failed", "error"


@dataclass(frozen=True)
class LoadSpec:
    """What to send, where, and the bounds of the run."""

    url: str
    concurrency: int
    duration_seconds: float
    max_messages: int
    script: Sequence[Step] = SCRIPT
    request_timeout: float = 60.0
    run_id: str = ""
    failure_texts: FrozenSet[str] = frozenset()
    """Reply texts that mean the bot could not answer (trialbot's "having trouble" reply)."""

    def __post_init__(self) -> None:
        check_loopback(self.url)
        if self.concurrency < 1 or self.max_messages < 0 or self.duration_seconds <= 0:
            raise ValueError("concurrency must be >= 1, max_messages >= 0 and duration_seconds > 0")
        if not self.script:
            raise ValueError("the script has no messages")


@dataclass(frozen=True)
class Sample:
    """One message sent and what came back."""

    sender: str
    message_id: str
    kind: str
    sent_at: float
    """Seconds since the start of the run."""
    latency: float
    """Seconds from sending to the full answer (or to the error)."""
    outcome: str
    """`answered` (HTTP 200 with replies), `empty` (200, no reply), `failed` (a failure text), `error`."""
    status: Optional[int] = None
    replies: int = 0
    error: Optional[str] = None


@dataclass
class LoadResult:
    """Every sample of a run, how long it took and why it stopped."""

    spec: LoadSpec
    samples: List[Sample] = field(default_factory=list)
    elapsed: float = 0.0
    stopped_by: str = "time"
    """`time` (duration reached), `count` (max_messages sent) or `deadline` (in-flight requests cut off)."""

    def summary(self) -> Dict[str, Any]:
        """The run's figures: counts, outcomes, latency percentiles (ms) of answered messages, throughput."""
        outcomes = Counter(s.outcome for s in self.samples)
        answered = [s.latency for s in self.samples if s.outcome == ANSWERED]
        by_kind: Dict[str, Dict[str, Any]] = {}
        for kind in dict.fromkeys(s.kind for s in self.samples):
            latencies = [s.latency for s in self.samples if s.kind == kind and s.outcome == ANSWERED]
            p50, p95 = percentiles_ms(latencies, (50, 95))
            by_kind[kind] = {"answered": len(latencies), "p50_ms": p50, "p95_ms": p95}
        p50, p95, p99 = percentiles_ms(answered, (50, 95, 99))
        return {
            "concurrency": self.spec.concurrency,
            "elapsed_s": round(self.elapsed, 2),
            "stopped_by": self.stopped_by,
            "sent": len(self.samples),
            "answered": outcomes[ANSWERED],
            "empty": outcomes[EMPTY],
            "failed": outcomes[FAILED],
            "errors": outcomes[ERROR],
            "error_kinds": dict(Counter(s.error for s in self.samples if s.error)),
            "p50_ms": p50,
            "p95_ms": p95,
            "p99_ms": p99,
            "mean_ms": round(float(numpy.mean(answered)) * 1000, 1) if answered else None,
            "max_ms": round(max(answered) * 1000, 1) if answered else None,
            "throughput_per_s": round(len(answered) / self.elapsed, 2) if self.elapsed > 0 else None,
            "by_kind": by_kind,
        }


def check_loopback(url: str) -> None:
    """Refuse any URL that is not on this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the load generator only talks to 127.0.0.1 (got {host or url!r})")


def percentiles_ms(latencies: Sequence[float], points: Sequence[float]) -> List[Optional[float]]:
    """Percentiles (linear interpolation) of latencies in seconds, in milliseconds to 0.1 ms; None if empty."""
    if not latencies:
        return [None for _ in points]
    values = numpy.percentile(numpy.asarray(latencies, dtype=float) * 1000, list(points))
    return [round(float(v), 1) for v in values]


async def post(
    client: httpx.AsyncClient,
    url: str,
    sender: str,
    text: str,
    message_id: str,
    kind: str,
    started: float,
    failure_texts: FrozenSet[str] = frozenset(),
) -> Sample:
    """Send one message to the REST webhook and time its answer."""
    sent = time.perf_counter()
    payload = {"sender": sender, "message": text, "message_id": message_id}
    try:
        response = await client.post(url, json=payload)
        latency = time.perf_counter() - sent
    except httpx.HTTPError as error:
        latency = time.perf_counter() - sent
        return Sample(sender, message_id, kind, sent - started, latency, ERROR, error=type(error).__name__)
    common = {"sent_at": sent - started, "latency": latency, "status": response.status_code}
    if response.status_code != 200:
        return Sample(sender, message_id, kind, outcome=ERROR, error=f"HTTP {response.status_code}", **common)
    try:
        replies = response.json()
    except ValueError:
        replies = None
    if not isinstance(replies, list):
        return Sample(sender, message_id, kind, outcome=ERROR, error="not a JSON list", **common)
    texts = {r.get("text") for r in replies if isinstance(r, dict)}
    outcome = FAILED if texts & failure_texts else ANSWERED if replies else EMPTY
    return Sample(sender, message_id, kind, outcome=outcome, replies=len(replies), **common)


def new_client(concurrency: int, timeout: float) -> httpx.AsyncClient:
    """An HTTP client with one kept-alive connection per conversation, and no proxy from the environment."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False)


async def run_load(spec: LoadSpec, client: Optional[httpx.AsyncClient] = None) -> LoadResult:
    """Run `spec.concurrency` conversations until the time or the count runs out; every sample is kept."""
    run_id = spec.run_id or uuid.uuid4().hex[:8]
    result = LoadResult(spec)
    remaining = [spec.max_messages]
    started = time.perf_counter()
    deadline = started + spec.duration_seconds
    own_client = client is None
    http = client or new_client(spec.concurrency, spec.request_timeout)

    async def conversation(slot: int) -> None:
        for number in itertools.count():
            sender = f"{run_id}-c{slot}-{number}"
            for index, (kind, text) in enumerate(spec.script):
                if time.perf_counter() >= deadline or remaining[0] <= 0:
                    return
                remaining[0] -= 1
                message_id = f"{sender}-m{index}"
                result.samples.append(
                    await post(http, spec.url, sender, text, message_id, kind, started, spec.failure_texts)
                )

    try:
        await run_conversations(conversation, spec, result, remaining, started)
    finally:
        if own_client:
            await http.aclose()
    return result


async def run_conversations(
    conversation: Callable[[int], Awaitable[None]],
    spec: LoadSpec,
    result: LoadResult,
    remaining: List[int],
    started: float,
) -> None:
    """Run `spec.concurrency` conversations within the hard bound: nothing is sent after the duration,
    and in-flight messages end within their timeout. Sets `result.stopped_by` and `result.elapsed`."""
    tasks = [asyncio.ensure_future(conversation(slot)) for slot in range(spec.concurrency)]
    try:
        done, pending = await asyncio.wait(tasks, timeout=spec.duration_seconds + spec.request_timeout + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        result.stopped_by = "deadline" if pending else "count" if remaining[0] <= 0 else "time"
        for task in done:
            task.result()
    finally:
        result.elapsed = time.perf_counter() - started


async def duplicate_deliveries(
    url: str, probes: int, run_id: str, text: str = "what is a clinical trial?", timeout: float = 60.0
) -> List[Sample]:
    """Deliver messages twice at once with the same `message_id` (a platform's retry), then once more later.

    Half the probes are a conversation's first message, half come after a first exchange. Returns
    every delivery's sample (kind `duplicate`, or `opening` for the first exchanges).
    """
    check_loopback(url)
    samples: List[Sample] = []
    async with new_client(4, timeout) as client:
        started = time.perf_counter()
        for probe in range(probes):
            sender = f"{run_id}-dup{probe}"
            if probe % 2:
                samples.append(await post(client, url, sender, "hi", f"{sender}-m0", "opening", started))
            message_id = f"{sender}-twice"
            both = await asyncio.gather(
                *(post(client, url, sender, text, message_id, "duplicate", started) for _ in range(2))
            )
            samples.extend(both)
            samples.append(await post(client, url, sender, text, message_id, "duplicate", started))
    return samples


def main(argv: Optional[List[str]] = None) -> int:
    """Run one load level against a URL and print its summary as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="e.g. http://127.0.0.1:8000/webhooks/rest/webhook")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-messages", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    spec = LoadSpec(args.url, args.concurrency, args.seconds, args.max_messages, request_timeout=args.timeout)
    print(json.dumps(asyncio.run(run_load(spec)).summary(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
