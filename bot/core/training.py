"""Train the Rasa model, but only when its inputs (training data, domain, config, FAQ) changed."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from bot.store.db import PROJECT_ROOT

TRAINING_DATA_DIRS = ("data/nlu", "data/stories", "data/rules")
MODEL_INPUTS = (*TRAINING_DATA_DIRS, "faq", "domain.yml", "config.yml", "bot/nlu")
LOG_TAIL_LINES = 40
"""How much of a failed training's log is shown."""


class TrainingError(RuntimeError):
    """`rasa train` failed; the message ends with the last lines of its log."""


def input_files(root: Path, inputs: Iterable[str] = MODEL_INPUTS) -> List[Path]:
    """Every file the model is built from, in a stable order."""
    files: List[Path] = []
    for name in inputs:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(files)


def fingerprint(root: Path, inputs: Iterable[str] = MODEL_INPUTS) -> str:
    """A hash of the names and contents of the model's inputs."""
    digest = hashlib.sha256()
    for path in input_files(root, inputs):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def stamp_path(model_path: Path) -> Path:
    """Where the fingerprint of the inputs a model was trained from is kept."""
    return model_path.with_name(model_path.name + ".fingerprint")


def record_path(model_path: Path) -> Path:
    """Where how long the model took to train is kept (JSON, next to the fingerprint stamp)."""
    return model_path.with_name(model_path.name + ".training.json")


def write_record(model_path: Path, seconds: float, inputs_fingerprint: str) -> Dict[str, Any]:
    """Record how long a training took, on which inputs and which machine (read by `make bench`)."""
    record = {
        "seconds": round(seconds, 1),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "fingerprint": inputs_fingerprint,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    record_path(model_path).write_text(json.dumps(record, indent=2) + "\n")
    return record


def read_record(model_path: Path) -> Optional[Dict[str, Any]]:
    """The training record of a model, or None when there is none (trained before records were kept)."""
    try:
        record = json.loads(record_path(model_path).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("seconds"), int | float) else None


def is_current(model_path: Path, root: Path = PROJECT_ROOT) -> bool:
    """True when the model exists and was trained from exactly the current inputs."""
    model_path = model_path if model_path.is_absolute() else root / model_path
    stamp = stamp_path(model_path)
    return model_path.is_file() and stamp.is_file() and stamp.read_text().strip() == fingerprint(root)


def train(model_path: Path, root: Path = PROJECT_ROOT, log: Optional[Path] = None) -> None:
    """Train a model with `rasa train` into `model_path`; record its fingerprint and how long it took.

    With `log`, Rasa's output (its progress bars, TensorFlow's notices, libraries' deprecation warnings)
    goes to that file instead of the terminal, and a failed training raises with the log's last lines."""
    model_path = model_path if model_path.is_absolute() else root / model_path
    model_path.parent.mkdir(parents=True, exist_ok=True)
    before = fingerprint(root)
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
        "--data",
        *TRAINING_DATA_DIRS,
        "--out",
        str(model_path.parent),
        "--fixed-model-name",
        model_path.name.removesuffix(".tar.gz"),
        "--force",
    ]
    started = time.monotonic()
    if log is None:
        subprocess.run(command, cwd=root, check=True)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as output:
            done = subprocess.run(command, cwd=root, stdout=output, stderr=subprocess.STDOUT)
        if done.returncode:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
            raise TrainingError(f"rasa train failed (exit {done.returncode}); the end of {log}:\n{tail}")
    seconds = time.monotonic() - started
    stamp_path(model_path).write_text(before + "\n")
    write_record(model_path, seconds, before)


def ensure_model(model_path: Path, root: Path = PROJECT_ROOT, force: bool = False, log: Optional[Path] = None) -> bool:
    """Train when the inputs changed since the last model; return True if it trained.

    A lock file next to the model makes concurrent callers (parallel test runs, `make run` while
    tests run) wait for one training instead of training the same model twice at once.
    """
    absolute = model_path if model_path.is_absolute() else root / model_path
    absolute.parent.mkdir(parents=True, exist_ok=True)
    with (absolute.parent / ".training.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and is_current(absolute, root):
            return False
        train(absolute, root, log)
        return True
