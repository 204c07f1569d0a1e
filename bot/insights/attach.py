"""Attaching a missed question to a FAQ topic (a training example at the next FAQ build), or marking it for a
new topic: the checks, then the entry in faq/missed/ (`bot.faq.attached_questions`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

from bot.faq.attached_questions import AlreadyHandledError, Entry, MissedFolder, clean_text
from bot.faq.catalog import FAQ_DIR, Catalog, CatalogError, FaqTopic, load_catalog
from bot.store.models import utcnow

MIN_TEXT_CHARS = 2
MAX_NOTE_CHARS = 200


class AttachError(ValueError):
    """Why a question could not be attached or marked, in words for the coordinator."""


@dataclass(frozen=True)
class Attacher:
    """Writes attached and marked questions into `folder`, checked against the FAQ topics in `topics`."""

    folder: MissedFolder
    topics: Path = FAQ_DIR

    def catalog(self) -> Catalog:
        """The FAQ topics with what is attached so far (AttachError if the files are broken)."""
        try:
            return load_catalog(self.topics, self.folder.directory)
        except CatalogError as error:
            raise AttachError(f"The FAQ files need fixing first: {error}") from None

    def attach(
        self, message_id: int, topic_id: str, text: str, coordinator_id: int, now: Optional[datetime] = None
    ) -> FaqTopic:
        """Add `text` (tidied) as an example of the topic; returns the topic."""
        catalog = self.catalog()
        topic = catalog.get(topic_id)
        if topic is None:
            raise AttachError("Please choose one of the FAQ topics.")
        cleaned = self._text(text)
        for other in catalog:
            if cleaned.lower() in {e.lower() for e in (*other.examples, *other.attached)}:
                raise AttachError(f"“{cleaned}” is already an example of “{other.title}”.")
        self._write(lambda entry: self.folder.attach(topic.id, entry), message_id, cleaned, coordinator_id, now)
        return topic

    def mark_new_topic(
        self, message_id: int, text: str, note: str, coordinator_id: int, now: Optional[datetime] = None
    ) -> None:
        """Add the question to the list of questions needing a new FAQ topic."""
        cleaned = self._text(text)
        note = clean_text(note)[:MAX_NOTE_CHARS]
        self._write(self.folder.mark_new_topic, message_id, cleaned, coordinator_id, now, note)

    @staticmethod
    def _text(text: str) -> str:
        cleaned = clean_text(text)
        if len(cleaned) < MIN_TEXT_CHARS:
            raise AttachError("The question's text is empty.")
        return cleaned

    @staticmethod
    def _write(
        write: Callable[[Entry], None],
        message_id: int,
        text: str,
        coordinator_id: int,
        now: Optional[datetime],
        note: str = "",
    ) -> None:
        moment = (now or utcnow()).isoformat(timespec="seconds")
        try:
            write(Entry(text=text, message_id=message_id, coordinator_id=coordinator_id, at=moment, note=note))
        except AlreadyHandledError:
            raise AttachError("This message was already attached to a topic or marked for a new one.") from None
