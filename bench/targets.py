"""The two stacks the benchmark compares, started and stopped one at a time on free loopback ports.

- trialbot as `make run` starts it: `python -m bot.cli run` (launcher, action server, gateway, one
  Rasa worker per core), ready when `/readyz` answers 200.
- plain Rasa serving the same model: `python -m rasa run --enable-api --connector rest` with a
  `python -m rasa_sdk` action server (the same actions, searching the same trials), its tracker in
  SQL on its own SQLite file like trialbot's workers; ready when `/status` and the action server answer.

Each is started in its own process group(s), timed from the first process start to ready, and
stopped like Ctrl-C (SIGINT to the whole group, SIGKILL if it lingers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx
import psutil

from bot.store.db import PROJECT_ROOT

WEBHOOK = "/webhooks/rest/webhook"


class StartError(RuntimeError):
    """A stack did not become ready; the message ends with the tail of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A running target: its process groups, where it answers, how long it took to be ready."""

    name: str
    base_url: str
    groups: List[subprocess.Popen]
    log_path: Path
    started_at: float
    ready_seconds: Optional[float] = None
    details: Dict[str, Any] = field(default_factory=dict)
    classify: Callable[[psutil.Process], str] = lambda process: process.name()

    @property
    def webhook_url(self) -> str:
        """The REST webhook (Rasa's contract, served by both targets)."""
        return self.base_url + WEBHOOK

    def processes(self) -> List[psutil.Process]:
        """Every live process of the stack (group leaders and all their descendants)."""
        found: Dict[int, psutil.Process] = {}
        for leader in self.groups:
            try:
                root = psutil.Process(leader.pid)
                for process in [root, *root.children(recursive=True)]:
                    found[process.pid] = process
            except psutil.NoSuchProcess:
                continue
        return list(found.values())

    def memory(self) -> List[Dict[str, Any]]:
        """RSS (MB) of every process of the stack, with its role; whether it has TensorFlow mapped."""
        rows = []
        for process in self.processes():
            try:
                with process.oneshot():
                    rss = process.memory_info().rss
                    role = self.classify(process)
                    tensorflow = any("tensorflow" in m.path for m in process.memory_maps(grouped=True))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rows.append({"role": role, "pid": process.pid, "rss_mb": round(rss / 2**20, 1), "tensorflow": tensorflow})
        return sorted(rows, key=lambda row: row["role"])

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the stack printed."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 60) -> Dict[str, Any]:
        """Stop every group like Ctrl-C; SIGKILL what is still running after `timeout`. Exit codes and time."""
        started = time.monotonic()
        for leader in self.groups:
            if leader.poll() is None:
                _signal_group(leader.pid, signal.SIGINT)
        codes: List[Optional[int]] = []
        killed = False
        for leader in self.groups:
            try:
                codes.append(leader.wait(timeout=max(1.0, timeout - (time.monotonic() - started))))
            except subprocess.TimeoutExpired:
                killed = True
                _signal_group(leader.pid, signal.SIGKILL)
                codes.append(leader.wait(timeout=10))
        for leader in self.groups:  # children that outlived their leader
            if _group_alive(leader.pid):
                killed = True
                _signal_group(leader.pid, signal.SIGKILL)
        return {"exit_codes": codes, "killed": killed, "stop_s": round(time.monotonic() - started, 1)}


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int, grace: float = 5.0) -> bool:
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def _start(command: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as sink:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait(stack: Stack, is_ready: Callable[[httpx.Client], bool], timeout: float) -> None:
    """Poll every 0.1 s until `is_ready`; record the seconds since the first process started."""
    deadline = stack.started_at + timeout
    try:
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if any(leader.poll() is not None for leader in stack.groups):
                    raise StartError(f"{stack.name} stopped while starting:\n{stack.log_tail()}")
                try:
                    if is_ready(client):
                        stack.ready_seconds = round(time.monotonic() - stack.started_at, 2)
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise StartError(f"{stack.name} was not ready after {timeout:.0f} s:\n{stack.log_tail()}")
    except BaseException:  # not ready, or Ctrl-C while starting: leave nothing running
        stack.stop()
        raise


def _base_env(database_url: str) -> Dict[str, str]:
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)  # everything here is on 127.0.0.1
    env.update(
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",
    )
    return env


def start_trialbot(model_path: Path, database_url: str, workers: int, log: Path, timeout: float = 600) -> Stack:
    """`python -m bot.cli run` with `workers` Rasa workers, on free ports; ready when /readyz says so."""
    port, action_port = free_port(), free_port()
    env = _base_env(database_url)
    env.update(
        TRIALBOT_HOST="127.0.0.1",
        TRIALBOT_PORT=str(port),
        ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
        MODEL_PATH=str(model_path),
        CORE_WORKERS=str(workers),
        RETENTION_DAYS="0",
    )
    started = time.monotonic()
    leader = _start([sys.executable, "-m", "bot.cli", "run"], env, log)
    stack = Stack("trialbot", f"http://127.0.0.1:{port}", [leader], log, started)

    def ready(client: httpx.Client) -> bool:
        response = client.get(f"{stack.base_url}/readyz")
        if response.status_code != 200:
            return False
        stack.details["workers"] = response.json().get("workers", [])
        return True

    def fully_loaded(client: httpx.Client) -> bool:
        body = client.get(f"{stack.base_url}/readyz").json()
        stack.details["workers"] = body.get("workers", [])
        return bool(body.get("workers_ready")) and body.get("workers_ready") == body.get("workers_total")

    _wait(stack, ready, timeout)
    # The first worker answers at once; the others load one after another. Measure the load at
    # full strength: wait for all of them (and record when that was).
    first_ready = stack.ready_seconds
    _wait(stack, fully_loaded, timeout)
    stack.details["all_workers_ready_seconds"] = stack.ready_seconds
    stack.ready_seconds = first_ready
    worker_pids = {w.get("pid"): w.get("index") for w in stack.details.get("workers", [])}

    def classify(process: psutil.Process) -> str:
        if process.pid == leader.pid:
            return "launcher (bot.cli run)"
        if process.pid in worker_pids:
            return f"rasa worker {worker_pids[process.pid]}"
        command = " ".join(process.cmdline())
        if "bot.core.action_server" in command:
            return "action server"
        if "bot.cli serve" in command:
            return "gateway"
        if "resource_tracker" in command:
            return "multiprocessing resource tracker"
        return process.name()

    stack.classify = classify
    return stack


def start_plain_rasa(
    model_path: Path, database_url: str, tracker_db: Path, workdir: Path, log: Path, timeout: float = 600
) -> Stack:
    """`rasa run` on the same model with a `rasa_sdk` action server; ready when both answer."""
    port, action_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker_db}\n"
    )
    env = _base_env(database_url)
    started = time.monotonic()
    actions = _start([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)], env, log)
    rasa = _start(
        [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--enable-api",
            "--connector",
            "rest",
            "-m",
            str(model_path),
            "--endpoints",
            str(endpoints),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
        log,
    )
    stack = Stack("plain rasa", f"http://127.0.0.1:{port}", [rasa, actions], log, started)
    stack.details["endpoints"] = endpoints.read_text()

    def ready(client: httpx.Client) -> bool:
        status = client.get(f"{stack.base_url}/status")
        health = client.get(f"http://127.0.0.1:{action_port}/health")
        return status.status_code == 200 and health.status_code == 200

    _wait(stack, ready, timeout)

    def classify(process: psutil.Process) -> str:
        if process.pid == rasa.pid:
            return "rasa run"
        if process.pid == actions.pid:
            return "action server (rasa_sdk)"
        return process.name()

    stack.classify = classify
    return stack
