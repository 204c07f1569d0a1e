"""Canned responses: short, curated replies a coordinator can send or edit (from canned_responses.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Tuple

from bot.yaml_files import read_yaml

DEFAULT_PATH = Path(__file__).resolve().parent / "canned_responses.yml"
COORDINATOR = "{coordinator}"


@dataclass(frozen=True)
class Canned:
    """One canned reply: a short title for the console and the text the person receives."""

    key: str
    title: str
    text: str

    def for_coordinator(self, name: str) -> str:
        """The text with `{coordinator}` replaced by the coordinator's name."""
        return self.text.replace(COORDINATOR, name)


def parse(data: object) -> Tuple[Canned, ...]:
    """Validate the YAML's content: a list of entries with unique `key`, a `title` and a `text`."""
    if not isinstance(data, list) or not data:
        raise ValueError("canned responses must be a non-empty list")
    found = []
    for entry in data:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in ("key", "title", "text")):
            raise ValueError(f"each canned response needs key, title and text: {entry!r}")
        found.append(Canned(entry["key"].strip(), entry["title"].strip(), " ".join(entry["text"].split())))
    keys = [c.key for c in found]
    if len(set(keys)) != len(keys):
        raise ValueError("canned response keys must be unique")
    return tuple(found)


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT_PATH) -> Tuple[Canned, ...]:
    """The canned responses in the file's order (read once)."""
    return parse(read_yaml(path))
