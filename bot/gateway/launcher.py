"""`make run`: prepare the database (migrate; purge old transcripts when RETENTION_DAYS is set) and model,
start the action server and gateway, stop both on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import List
from urllib.parse import urlsplit

import httpx

from bot.config import Settings
from bot.core.training import TrainingError, ensure_model, is_current
from bot.privacy.retention import run_purge
from bot.store.db import PROJECT_ROOT, migrate
from bot.trials.cli import load_snapshot


def _start(command: List[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)


def _stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(settings: Settings, processes: List[subprocess.Popen], timeout: float = 600) -> bool:
    url = f"http://{settings.host}:{settings.port}/readyz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def run(settings: Settings) -> int:
    """Run everything in the foreground; Ctrl-C (or SIGTERM) stops every process started here."""
    print("Preparing the database…", flush=True)
    migrate(settings.database_url)
    if settings.retention_days:
        purged = run_purge(settings.database_url, settings.retention_days)
        print(f"Deleted what is older than {settings.retention_days} days: {purged.summary()}.", flush=True)
    loaded = load_snapshot(settings.database_url)
    if loaded:
        print(f"Loaded {loaded} trials from the bundled ClinicalTrials.gov snapshot.", flush=True)
    if is_current(settings.model_path):
        print("Model is up to date; not retraining.", flush=True)
    else:
        # Rasa's own output (progress bars, TensorFlow's notices, deprecation warnings) is for LOG_LEVEL=DEBUG.
        model = settings.model_path if settings.model_path.is_absolute() else PROJECT_ROOT / settings.model_path
        log = None if settings.log_level == "DEBUG" else model.parent / "training.log"
        where = f"; Rasa's output goes to {log}" if log else ""
        print(f"Training the model (its data, domain or config changed; a few minutes{where})…", flush=True)
        try:
            ensure_model(settings.model_path, log=log)
        except TrainingError as error:
            print(f"Training failed: {error}", file=sys.stderr, flush=True)
            return 1
        print("Model trained.", flush=True)

    env = dict(os.environ)
    action = urlsplit(settings.action_server_url)
    env["SANIC_HOST"] = action.hostname or "127.0.0.1"
    processes = [
        _start(
            [
                sys.executable,
                "-m",
                "bot.core.action_server",
                "--actions",
                "actions",
                "--port",
                str(action.port or 5055),
            ],
            env,
        ),
        _start([sys.executable, "-m", "bot.cli", "serve"], env),
    ]

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    # Python leaves SIGINT ignored when it started ignored (a job started with "&" by a shell without job
    # control, as CI runners do): Ctrl-C sent to the process group must still stop everything.
    signal.signal(signal.SIGINT, on_signal)
    try:
        if _wait_ready(settings, processes):
            base = f"http://{settings.host}:{settings.port}"
            print(
                f"\ntrialbot is ready at {base}\n"
                f'  web chat: {base}/  (embed it with <script src="{base}/widget.js"></script>)\n'
                f"  console:  {base}/console  (first admin: .venv/bin/trialbot coordinators add EMAIL "
                "--name NAME --role admin)\n"
                f"  REST:     curl -s -X POST {base}/webhooks/rest/webhook "
                '-H \'Content-Type: application/json\' -d \'{"sender":"me","message":"hi"}\'\n'
                f"  health:   {base}/readyz\n"
                "Press Ctrl-C to stop.\n",
                flush=True,
            )
        else:
            print("trialbot did not become ready; see the messages above.", file=sys.stderr)
            return 1
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A trialbot process stopped; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping trialbot…", flush=True)
        return 0
    finally:
        _stop(processes)
