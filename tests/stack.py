"""Start real trialbot processes (action server, Rasa workers, gateway) for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import httpx
import sqlalchemy

from bot.store.db import PROJECT_ROOT


@dataclass
class Launched:
    """A `trialbot run` process group and what it printed (kept in `log_path` when one was given)."""

    process: subprocess.Popen
    base_url: str
    output: List[str]
    log_path: Optional[Path] = None
    database_url: str = ""

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        """Send `sig` to the whole process group, like Ctrl-C in a terminal; return the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.log_path is not None:
                self.output[:] = self.log_path.read_text(errors="replace").splitlines()
            elif self.process.stdout:
                self.output.extend(self.process.stdout.read().splitlines())
        return code

    def group_alive(self, grace_seconds: float = 10) -> bool:
        """Whether any process of the group is still running after a short grace period."""
        deadline = time.monotonic() + grace_seconds
        while True:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return False
            if time.monotonic() > deadline:
                return True
            time.sleep(0.2)


def environment(database_url: str, port: int, action_port: int, model_path: Path, workers: int) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TRIALBOT_PORT=str(port),
        ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
        MODEL_PATH=str(model_path),
        CORE_WORKERS=str(workers),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def launch(env: Dict[str, str], timeout: float = 420, log_path: Optional[Path] = None) -> Launched:
    """Run `python -m bot.cli run` (what `make run` runs) until it says it is ready.

    Everything the stack prints (stdout and stderr of every process) goes to `log_path` when given
    (a file never fills up like a pipe nobody reads), otherwise to `Launched.output`.
    """
    sink = log_path.open("w") if log_path is not None else subprocess.PIPE
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    finally:
        if log_path is not None:
            sink.close()  # type: ignore[union-attr]
    launched = Launched(process, f"http://127.0.0.1:{env['TRIALBOT_PORT']}", [], log_path)
    if _wait_until_ready(launched, time.monotonic() + timeout):
        return launched
    launched.stop(signal.SIGTERM, timeout=30)
    raise RuntimeError("trialbot did not start:\n" + "\n".join(launched.output[-60:]))


def _wait_until_ready(launched: Launched, deadline: float) -> bool:
    """Read what the stack prints until it says it is ready (False if it stops or takes too long)."""
    process = launched.process
    while time.monotonic() < deadline:
        if launched.log_path is not None:
            lines = launched.log_path.read_text(errors="replace").splitlines()
            launched.output[:] = lines
            if any("trialbot is ready" in line for line in lines):
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.5)
            continue
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            return False
        launched.output.append(line.rstrip("\n"))
        if "trialbot is ready" in line:
            return True
    return False


def chat(base_url: str, sender: str, message: str, message_id: Optional[str] = None) -> list:
    """Send one message through the REST channel and return the replies."""
    payload = {"sender": sender, "message": message}
    if message_id is not None:
        payload["message_id"] = message_id
    response = httpx.post(f"{base_url}/webhooks/rest/webhook", json=payload, timeout=60)
    response.raise_for_status()
    return response.json()


def query(database_url: str, sql: str) -> List[tuple]:
    """Rows of one SQL query on a stack's database (read from the test, beside the running processes)."""
    engine = sqlalchemy.create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql))]
    finally:
        engine.dispose()
