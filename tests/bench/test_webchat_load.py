"""A bounded load test from a second process: concurrent web chat conversations against the running stack,
every message stored once and answered once, latency percentiles reported."""

import json
import subprocess
import sys
from pathlib import Path

from bench.ledger import audit
from bench.load import Sample
from bench.webchat_load import socket_url
from bot.store.db import PROJECT_ROOT

CONVERSATIONS = 6
SECONDS = 20


def test_concurrent_web_chat_conversations_are_stored_and_answered_once(running_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "webchat-load.json"
    command = [
        sys.executable,
        "-m",
        "bench.webchat_load",
        running_stack.base_url,
        "--concurrency",
        str(CONVERSATIONS),
        "--seconds",
        str(SECONDS),
        "--out",
        str(out),
    ]
    finished = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=SECONDS + 180)
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(out.read_text())
    summary, samples = result["summary"], [Sample(**s) for s in result["samples"]]
    print(
        f"web chat load: {summary['sent']} messages in {summary['elapsed_s']} s from {CONVERSATIONS} conversations, "
        f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms"
    )
    assert summary["sent"] >= CONVERSATIONS * 3, "every conversation got going"
    assert summary["errors"] == 0 and summary["failed"] == 0 and summary["empty"] == 0, summary
    assert summary["answered"] == summary["sent"] and summary["p95_ms"] is not None
    ledger = audit(running_stack.database_url, samples, channel="webchat")
    assert ledger["stored"] == ledger["answered"] == ledger["sent"] == summary["sent"], ledger
    assert ledger["lost"] == 0 and ledger["duplicated"] == 0, ledger


def test_socket_url() -> None:
    assert socket_url("http://127.0.0.1:8000/") == "ws://127.0.0.1:8000/webchat/ws"
    assert socket_url("https://chat.example.org") == "wss://chat.example.org/webchat/ws"
