"""Missed questions kept for the FAQ: texts attached to a topic, and questions marked for a new topic.

`faq/missed/<topic id>.yml` lists the texts coordinators attached to that topic from the console;
the FAQ build (`trialbot faq build`, through `bot.faq.catalog.load_catalog`) adds them to the
topic's training examples. `faq/missed/new-topics.yml` lists questions marked as needing a topic
that does not exist yet (a person writes it in `faq/topics/`, then removes the entries). Both are
plain YAML, reviewed and committed like any FAQ change; an entry keeps the text, the message's
id, which account did it and when (never the person's name or channel).
"""

from __future__ import annotations

import os
import tempfile
import threading
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import yaml

from bot.store.db import PROJECT_ROOT
from bot.yaml_files import read_yaml

MISSED_DIR = PROJECT_ROOT / "faq" / "missed"
NEW_TOPICS = "new-topics.yml"
"""Not a topic file: topic ids never contain a hyphen."""
MAX_TEXT_CHARS = 300
_LOCK = threading.Lock()
_HEADERS = {
    "attached": (
        "# Questions the bot missed, attached to the FAQ topic {topic!r} from the console.\n"
        "# `trialbot faq build` (make faq) adds each text to the topic's training examples.\n"
    ),
    "new": (
        "# Questions the bot missed that need a new FAQ topic, marked from the console.\n"
        "# Write the topic in faq/topics/, then remove the entries it covers.\n"
    ),
}


class MissedFileError(ValueError):
    """A file in faq/missed/ is malformed; the message names it."""


class AlreadyHandledError(ValueError):
    """The message was already attached to a topic or marked for a new one."""


@dataclass(frozen=True)
class Entry:
    """One attached or marked question."""

    text: str
    message_id: int
    coordinator_id: int
    at: str
    """When, as an ISO 8601 UTC time."""
    note: str = ""
    """For a new topic: what it could be about."""


def clean_text(text: str) -> str:
    """A question as a training example: one line, no control or invisible characters, no Rasa entity
    brackets, at most 300 characters."""
    visible = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text))
    single = " ".join(visible.split())
    for bracket, plain in (("[", "("), ("]", ")"), ("{", "("), ("}", ")")):
        single = single.replace(bracket, plain)
    return single[:MAX_TEXT_CHARS].strip()


def _entries(path: Path, key: str) -> List[Entry]:
    try:
        data = read_yaml(path) or {}
        raw = data.get(key) or []
        return [
            Entry(
                text=clean_text(item["text"]),
                message_id=int(item["message_id"]),
                coordinator_id=int(item["coordinator_id"]),
                at=str(item["at"]),
                note=str(item.get("note") or ""),
            )
            for item in raw
        ]
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise MissedFileError(f"{path.name}: malformed ({error})") from None


def _plain(entry: Entry) -> Dict[str, Any]:
    values = asdict(entry)
    if not values["note"]:
        del values["note"]
    return values


class MissedFolder:
    """The faq/missed/ folder: reads and appends entries (atomically, one writer at a time)."""

    def __init__(self, directory: Path = MISSED_DIR) -> None:
        self.directory = directory

    def attached(self) -> Dict[str, Tuple[Entry, ...]]:
        """Topic id → the entries attached to it, in file order."""
        if not self.directory.is_dir():
            return {}
        return {
            path.stem: tuple(_entries(path, "examples"))
            for path in sorted(self.directory.glob("*.yml"))
            if path.name != NEW_TOPICS
        }

    def new_topics(self) -> Tuple[Entry, ...]:
        """Questions marked for a new topic, oldest first."""
        path = self.directory / NEW_TOPICS
        return tuple(_entries(path, "questions")) if path.is_file() else ()

    def handled_message_ids(self) -> Set[int]:
        """Messages already attached or marked (the console lists them no more)."""
        ids = {entry.message_id for entries in self.attached().values() for entry in entries}
        return ids | {entry.message_id for entry in self.new_topics()}

    def attach(self, topic_id: str, entry: Entry) -> None:
        """Add an example to a topic's file (the caller checked the topic exists and the text is new)."""
        with _LOCK:
            self._refuse_handled(entry)
            path = self.directory / f"{topic_id}.yml"
            entries = _entries(path, "examples") if path.is_file() else []
            body = {"topic": topic_id, "examples": [_plain(e) for e in [*entries, entry]]}
            self._write(path, _HEADERS["attached"].format(topic=topic_id), body)

    def mark_new_topic(self, entry: Entry) -> None:
        """Add a question to the list of questions needing a new topic."""
        with _LOCK:
            self._refuse_handled(entry)
            path = self.directory / NEW_TOPICS
            body = {"questions": [_plain(e) for e in [*self.new_topics(), entry]]}
            self._write(path, _HEADERS["new"], body)

    def _refuse_handled(self, entry: Entry) -> None:
        if entry.message_id in self.handled_message_ids():
            raise AlreadyHandledError(f"message {entry.message_id} was already attached or marked")

    def _write(self, path: Path, header: str, body: Dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        text = header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
