"""Train the Rasa model, but only when its inputs (training data, domain, config, FAQ) changed."""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List

from bot.db import PROJECT_ROOT

TRAINING_DATA_DIRS = ("data/nlu", "data/stories", "data/rules")
MODEL_INPUTS = (*TRAINING_DATA_DIRS, "faq", "domain.yml", "config.yml")


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


def is_current(model_path: Path, root: Path = PROJECT_ROOT) -> bool:
    """True when the model exists and was trained from exactly the current inputs."""
    model_path = model_path if model_path.is_absolute() else root / model_path
    stamp = stamp_path(model_path)
    return (
        model_path.is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == fingerprint(root)
    )


def train(model_path: Path, root: Path = PROJECT_ROOT) -> None:
    """Train a model with `rasa train` into `model_path` and record its fingerprint."""
    model_path = model_path if model_path.is_absolute() else root / model_path
    model_path.parent.mkdir(parents=True, exist_ok=True)
    before = fingerprint(root)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--domain", "domain.yml",
        "--config", "config.yml",
        "--data", *TRAINING_DATA_DIRS,
        "--out", str(model_path.parent),
        "--fixed-model-name", model_path.name.removesuffix(".tar.gz"),
        "--force",
    ]
    subprocess.run(command, cwd=root, check=True)
    stamp_path(model_path).write_text(before + "\n")


def ensure_model(model_path: Path, root: Path = PROJECT_ROOT, force: bool = False) -> bool:
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
        train(absolute, root)
        return True
