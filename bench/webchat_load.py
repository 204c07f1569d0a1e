"""Load generator for the web chat: concurrent WebSocket conversations, bounded in time and in count.

Like `bench.load` (same script, same bounds, same `Sample`s and summary), but each conversation
is a browser tab's socket at `/webchat/ws`: `hello` with a new session, then each message as a
`message` frame, timed until its answer is complete (the `typing` off frame after the `replies`).
A `retry` frame (rate limit, database busy) is honoured as the widget does: wait, send again.
A sample's `message_id` is what trialbot stores as the platform message id (`session:client id`),
so `bench.ledger.audit(..., channel="webchat")` checks every message was stored and answered once.

Usage: python -m bench.webchat_load http://127.0.0.1:8000 [--concurrency 10] [--seconds 20] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import secrets
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional

import websockets

from bench.load import ANSWERED, EMPTY, ERROR, FAILED, LoadResult, LoadSpec, Sample, run_conversations


def socket_url(base_url: str) -> str:
    """`http://host:port` → `ws://host:port/webchat/ws`."""
    return base_url.rstrip("/").replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/webchat/ws"


async def _receive(socket: Any, timeout: float) -> Dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(socket.recv(), timeout)))


async def send_message(
    socket: Any, session: str, client_id: str, text: str, kind: str, started: float, spec: LoadSpec
) -> Sample:
    """Send one message frame and read frames until its answer is complete (or it fails)."""
    message_id = f"{session}:{client_id}"
    sent = time.perf_counter()
    replies = 0
    texts: List[str] = []
    try:
        await socket.send(json.dumps({"type": "message", "id": client_id, "text": text}))
        while True:
            frame = await _receive(socket, spec.request_timeout)
            if frame.get("type") == "retry" and frame.get("id") == client_id:
                await asyncio.sleep(float(frame.get("retry_after", 1)))
                await socket.send(json.dumps({"type": "message", "id": client_id, "text": text}))
            elif frame.get("type") == "error":
                latency = time.perf_counter() - sent
                return Sample(session, message_id, kind, sent - started, latency, ERROR, error=str(frame.get("code")))
            elif frame.get("type") == "ack" and frame.get("duplicate"):
                break
            elif frame.get("type") == "replies" and frame.get("in_reply_to") == client_id:
                replies += len(frame.get("messages", []))
                texts += [m.get("text", "") for m in frame.get("messages", [])]
            elif frame.get("type") == "typing" and frame.get("on") is False:
                break
    except (asyncio.TimeoutError, websockets.WebSocketException, OSError) as error:
        latency = time.perf_counter() - sent
        return Sample(session, message_id, kind, sent - started, latency, ERROR, error=type(error).__name__)
    latency = time.perf_counter() - sent
    outcome = FAILED if set(texts) & spec.failure_texts else ANSWERED if replies else EMPTY
    return Sample(session, message_id, kind, sent - started, latency, outcome, status=101, replies=replies)


async def run_webchat_load(spec: LoadSpec) -> LoadResult:
    """Run `spec.concurrency` web chat conversations until the time or the count runs out."""
    result = LoadResult(spec)
    remaining = [spec.max_messages]
    started = time.perf_counter()
    deadline = started + spec.duration_seconds
    url = socket_url(spec.url)

    async def conversation(slot: int) -> None:
        for _ in itertools.count():
            if time.perf_counter() >= deadline or remaining[0] <= 0:
                return
            session = secrets.token_hex(16)
            async with websockets.connect(url, open_timeout=spec.request_timeout, max_size=2**20) as socket:
                await socket.send(json.dumps({"type": "hello", "session": session}))
                hello = await _receive(socket, spec.request_timeout)
                if hello.get("type") != "history":
                    raise RuntimeError(f"the web chat did not accept the session: {hello}")
                for index, (kind, text) in enumerate(spec.script):
                    if time.perf_counter() >= deadline or remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                    sample = await send_message(socket, session, f"m{slot}x{index}", text, kind, started, spec)
                    result.samples.append(sample)

    await run_conversations(conversation, spec, result, remaining, started)
    return result


def main(argv: Optional[List[str]] = None) -> int:
    """Run one load level against a gateway; print the summary and write it with every sample to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the gateway, e.g. http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-messages", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--out", type=Path, help="write {summary, samples} as JSON here")
    args = parser.parse_args(argv)
    spec = LoadSpec(args.url, args.concurrency, args.seconds, args.max_messages, request_timeout=args.timeout)
    result = asyncio.run(run_webchat_load(spec))
    summary = result.summary()
    print(json.dumps(summary, indent=2))
    if args.out is not None:
        args.out.write_text(json.dumps({"summary": summary, "samples": [asdict(s) for s in result.samples]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
