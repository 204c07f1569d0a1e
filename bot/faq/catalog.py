"""FAQ topics loaded from `faq/topics/*.yml` and checked against the house rules."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from bot.faq.attached_questions import MissedFileError, MissedFolder
from bot.store.db import PROJECT_ROOT
from bot.yaml_files import read_yaml

FAQ_DIR = PROJECT_ROOT / "faq" / "topics"
MAX_ANSWER_WORDS = 90
MIN_EXAMPLES = 12
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class CatalogError(ValueError):
    """A FAQ file breaks a rule; the message names the file and topic."""


@dataclass(frozen=True)
class FaqTopic:
    """One curated answer: plain-language text, its source, when it was reviewed, how people ask."""

    id: str
    title: str
    answer: str
    source: str
    reviewed: dt.date
    examples: Tuple[str, ...]
    follow_ups: Tuple[str, ...] = ()
    group: str = ""
    # Extra quick replies that start something ({"title", "payload"}), e.g. a trial search.
    actions: Tuple[Tuple[str, str], ...] = ()
    # Questions the bot missed that coordinators attached to this topic (faq/missed/<id>.yml).
    attached: Tuple[str, ...] = ()

    @property
    def canonical_question(self) -> str:
        """The phrasing sent back when a person taps this topic's button."""
        return self.examples[0]

    @property
    def source_name(self) -> str:
        """The source's site name, e.g. "cancer.gov"."""
        host = re.sub(r"^https?://", "", self.source).split("/")[0]
        return host.removeprefix("www.")


@dataclass(frozen=True)
class Catalog:
    """All FAQ topics, in file order, with lookup by id."""

    topics: Tuple[FaqTopic, ...]

    def __iter__(self) -> Iterator[FaqTopic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, topic_id: str) -> Optional[FaqTopic]:
        """The topic with this id, or None."""
        return self._by_id.get(topic_id)

    @cached_property
    def _by_id(self) -> Dict[str, FaqTopic]:
        return {t.id: t for t in self.topics}


def _topic(raw: dict, where: str, group: str) -> FaqTopic:
    try:
        reviewed = raw["reviewed"]
        if isinstance(reviewed, str):
            reviewed = dt.date.fromisoformat(reviewed)
        topic = FaqTopic(
            id=str(raw["id"]),
            title=str(raw["title"]).strip(),
            answer=" ".join(str(raw["answer"]).split()),
            source=str(raw["source"]).strip(),
            reviewed=reviewed,
            examples=tuple(str(e).strip() for e in raw["examples"]),
            follow_ups=tuple(raw.get("follow_ups") or ()),
            group=group,
            actions=tuple((str(b["title"]), str(b["payload"])) for b in raw.get("actions") or ()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CatalogError(f"{where}: missing or malformed field {error}") from None
    problems = []
    if not ID_PATTERN.match(topic.id):
        problems.append("id must be snake_case, at most 40 characters")
    if not topic.source.startswith("https://"):
        problems.append("source must be an https:// URL")
    if not isinstance(topic.reviewed, dt.date):
        problems.append("reviewed must be a date (YYYY-MM-DD)")
    if len(topic.answer.split()) > MAX_ANSWER_WORDS:
        problems.append(f"answer has more than {MAX_ANSWER_WORDS} words")
    if any(c in e for e in topic.examples for c in "[]{}"):
        problems.append("examples may not contain [ ] { } (Rasa entity syntax)")
    if len(set(e.lower() for e in topic.examples)) < MIN_EXAMPLES:
        problems.append(f"needs at least {MIN_EXAMPLES} different examples")
    if problems:
        raise CatalogError(f"{where} ({topic.id}): " + "; ".join(problems))
    return topic


def _with_attached(topics: List[FaqTopic], missed: Path) -> List[FaqTopic]:
    """Add the examples attached from the console to their topics (skipping ones a topic already has)."""
    try:
        attached = MissedFolder(missed).attached()
    except MissedFileError as error:
        raise CatalogError(f"faq/missed/{error}") from None
    owner = {e.lower(): t.id for t in topics for e in t.examples}
    by_id = {t.id: t for t in topics}
    for topic_id, entries in attached.items():
        if topic_id not in by_id:
            raise CatalogError(f"faq/missed/{topic_id}.yml: there is no FAQ topic {topic_id!r}")
        added: List[str] = []
        for entry in entries:
            key = entry.text.lower()
            if owner.get(key, topic_id) != topic_id:
                raise CatalogError(f"faq/missed/{topic_id}.yml: {entry.text!r} is an example of {owner[key]}")
            if entry.text and key not in owner:
                owner[key] = topic_id
                added.append(entry.text)
        by_id[topic_id] = replace(by_id[topic_id], attached=tuple(added))
    return [by_id[t.id] for t in topics]


def load_catalog(directory: Path = FAQ_DIR, missed: Optional[Path] = None) -> Catalog:
    """Read every `*.yml` file in `directory`, then the examples attached in `missed` (by default the
    `missed` folder next to it); raise `CatalogError` on any broken rule."""
    topics: List[FaqTopic] = []
    for path in sorted(directory.glob("*.yml")):
        content = read_yaml(path) or {}
        for index, raw in enumerate(content.get("topics") or ()):
            topics.append(_topic(raw, f"{path.name} topic {index + 1}", group=path.stem))
    ids = [t.id for t in topics]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"duplicate topic ids: {duplicates}")
    known = set(ids)
    for topic in topics:
        missing = [f for f in topic.follow_ups if f not in known or f == topic.id]
        if missing:
            raise CatalogError(f"{topic.id}: unknown follow-up topics {missing}")
    seen: Dict[str, str] = {}
    for topic in topics:
        for example in topic.examples:
            key = example.lower()
            if key in seen and seen[key] != topic.id:
                raise CatalogError(f"example {example!r} is in both {seen[key]} and {topic.id}")
            seen[key] = topic.id
    return Catalog(tuple(_with_attached(topics, missed if missed is not None else directory.parent / "missed")))
