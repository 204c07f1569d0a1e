"""The safety answers' wording, read once from `answers.yml` (one place for clinical review and translation)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

from bot.messages import Reply
from bot.yaml_files import read_yaml

PATH = Path(__file__).resolve().parent / "answers.yml"


@lru_cache(maxsize=1)
def _entries() -> Dict[str, Dict[str, str]]:
    return dict(read_yaml(PATH))


def answer(name: str) -> Reply:
    """The answer called `name` in answers.yml, with its source on a line of its own when it has one."""
    entry = _entries()[name]
    text = " ".join(str(entry["text"]).split())
    source = entry.get("source")
    return Reply(text=f"{text}\n\nSource: {source}" if source else text)
