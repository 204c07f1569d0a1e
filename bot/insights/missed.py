"""Questions the bot missed: people's messages that fell back or had low confidence, grouped by similarity.

Each miss (`bot.insights.turns`) is matched to the stored message it came from (same
conversation, the text as the router gave it to the model, the newest such message at or before
the model saw it). Only messages we still keep are shown (retention and "delete my data" remove
them here too), and each is attached or marked by its id; messages already attached to a FAQ
topic or marked for a new one (`bot.faq.attached_questions`) are left out.

Grouping: texts are lower-cased and stripped of English stop words and of the words nearly every
question here has ("cancer", "clinical", "trial", "study": "is there free parking for the trial"
→ "free parking"), turned into TF-IDF vectors of character 3-5-grams within words (robust to typos
and plurals), and clustered by scikit-learn's agglomerative clustering with cosine distance and
complete linkage: within a group every two texts are closer than 0.9 (cosine similarity above
0.1; tried on sample misses, 0.8 split "park" from "parking" and average linkage chained unrelated
questions through shared words). Identical texts are clustered once, in alphabetical order, so the
same messages always give the same groups.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import AbstractSet, Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.insights import turns
from bot.insights.period import Period
from bot.router import MAX_TEXT_CHARS
from bot.store.models import Author, Direction, Message, MessageKind, aware

MAX_QUESTIONS = 1000
"""The newest this many misses of a period are grouped (the clustering's memory grows with the square)."""
DISTANCE_THRESHOLD = 0.9
NGRAMS = (3, 5)
MAX_ID = 2**31 - 1
"""Message ids are 32-bit integers on PostgreSQL: a bigger one cannot exist (and must not reach the query)."""
_WORD = re.compile(r"[a-z0-9]+")
TOPIC_WORDS = frozenset({"cancer", "clinical", "trial", "trials", "study", "studies"})
"""Words nearly every question here has: left out of the grouping like stop words."""


@dataclass(frozen=True)
class MissedQuestion:
    """A person's message the bot fell back on or was unsure about."""

    message_id: int
    conversation_id: str
    channel: str
    text: str
    at: datetime
    fell_back: bool
    topic_guess: Optional[str]
    """The FAQ topic the response selector found closest (a hint for attaching)."""

    @property
    def reason(self) -> str:
        """Why it is listed, in plain words."""
        return "fell back" if self.fell_back else "low confidence"


@dataclass(frozen=True)
class Group:
    """Similar missed questions; `label` is the text most like the others."""

    label: str
    questions: Tuple[MissedQuestion, ...]

    @property
    def count(self) -> int:
        """How many messages are in the group."""
        return len(self.questions)


def as_the_model_saw(text: str) -> str:
    """A stored message's text as the router handed it to the model."""
    return text.strip()[:MAX_TEXT_CHARS]


def _match(misses: Sequence[turns.Turn], messages: Sequence[Message]) -> List[Tuple[turns.Turn, Message]]:
    """Pair each miss with the newest unused stored message of its conversation that the model saw as its text."""
    by_key: Dict[Tuple[str, str], List[Message]] = defaultdict(list)
    for message in messages:
        by_key[(message.conversation_id, as_the_model_saw(message.text))].append(message)
    used: set = set()
    pairs = []
    for miss in sorted(misses, key=lambda t: t.at):
        candidates = [
            m
            for m in by_key.get((miss.conversation_id, miss.text), [])
            if m.id not in used and aware(m.created_at) <= miss.at + timedelta(seconds=1)
        ]
        if candidates:
            message = max(candidates, key=lambda m: (aware(m.created_at), m.id))
            used.add(message.id)
            pairs.append((miss, message))
    return pairs


class MissedQuestions:
    """Finds the period's missed questions among the messages we keep."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    async def find(
        self, period: Period, handled: AbstractSet[int] = frozenset(), limit: int = MAX_QUESTIONS
    ) -> List[MissedQuestion]:
        """The newest `limit` missed questions of the period, newest first, without the `handled` message ids."""
        async with self._sessions() as session:
            replayed = await turns.read(session, period)
            misses = [t for t in replayed.turns if t.missed]
            messages = await self._inbound(session, {t.conversation_id for t in misses}, period)
        found = [
            MissedQuestion(
                message_id=message.id,
                conversation_id=message.conversation_id,
                channel=message.channel,
                text=message.text,
                at=aware(message.created_at),
                fell_back=miss.fell_back,
                topic_guess=miss.faq_topic,
            )
            for miss, message in _match(misses, messages)
            if message.id not in handled
        ]
        found.sort(key=lambda q: (q.at, q.message_id), reverse=True)
        return found[:limit]

    async def one(self, message_id: int) -> Optional[MissedQuestion]:
        """A person's stored message by id, with the model's FAQ guess when its tracker events are kept."""
        if not 0 < message_id <= MAX_ID:
            return None
        async with self._sessions() as session:
            message = await session.get(Message, message_id)
            if message is None or not _is_from_a_person(message):
                return None
            guess = await self._guess(session, message)
        return MissedQuestion(
            message_id=message.id,
            conversation_id=message.conversation_id,
            channel=message.channel,
            text=message.text,
            at=aware(message.created_at),
            fell_back=guess.fell_back if guess else False,
            topic_guess=guess.faq_topic if guess else None,
        )

    @staticmethod
    async def _inbound(session: AsyncSession, conversation_ids: AbstractSet[str], period: Period) -> List[Message]:
        if not conversation_ids:
            return []
        result = await session.execute(
            select(Message).where(
                Message.conversation_id.in_(sorted(conversation_ids)),
                Message.direction == Direction.INBOUND.value,
                Message.author == Author.PARTICIPANT.value,
                Message.kind == MessageKind.TEXT.value,
                Message.created_at >= period.start - turns.SLACK,
                Message.created_at < period.end,
            )
        )
        return list(result.scalars())

    @staticmethod
    async def _guess(session: AsyncSession, message: Message) -> Optional[turns.Turn]:
        """The model's turn for this message: the first one of its conversation after it with its text."""
        at = aware(message.created_at)
        around = Period(at.date(), (at + turns.SLACK).date(), ZoneInfo("UTC"))
        replayed = await turns.read(session, around, message.conversation_id)
        return next(
            (
                t
                for t in replayed.turns
                if t.conversation_id == message.conversation_id
                and t.text == as_the_model_saw(message.text)
                and t.at >= at - timedelta(seconds=1)
            ),
            None,
        )


def _is_from_a_person(message: Message) -> bool:
    return (
        message.direction == Direction.INBOUND.value
        and message.author == Author.PARTICIPANT.value
        and message.kind == MessageKind.TEXT.value
    )


def _words(text: str) -> str:
    """Lower case, without English stop words and the words every question here has (all kept when nothing
    else is left)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = _WORD.findall(text.lower())
    kept = [w for w in words if w not in ENGLISH_STOP_WORDS and w not in TOPIC_WORDS]
    return " ".join(kept or words)


def _clusters(texts: Sequence[str]) -> List[int]:
    """A cluster label for each text (see the module's docstring)."""
    if len(texts) < 2:
        return [0] * len(texts)
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    prepared = [_words(t) for t in texts]
    if not any(prepared):
        return [0] * len(texts)
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, preprocessor=lambda t: t
    ).fit_transform([p or "?" for p in prepared])
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=DISTANCE_THRESHOLD, affinity="cosine", linkage="complete"
    )
    return [int(label) for label in model.fit_predict(vectors.toarray())]


def _label(texts: Sequence[str], counts: Dict[str, int]) -> str:
    """The group's text most like the others (ties: the most frequent, then the shortest, then alphabetical)."""
    if len(texts) == 1:
        return texts[0]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True).fit_transform(
        [_words(t) or "?" for t in texts]
    )
    closeness = cosine_similarity(vectors).sum(axis=1)
    best = sorted(
        range(len(texts)), key=lambda i: (-round(float(closeness[i]), 9), -counts[texts[i]], len(texts[i]), texts[i])
    )
    return texts[best[0]]


def group_similar(questions: Sequence[MissedQuestion]) -> List[Group]:
    """Group similar questions (deterministic); biggest groups first, each group's newest messages first."""
    by_text: Dict[str, List[MissedQuestion]] = defaultdict(list)
    for question in questions:
        by_text[" ".join(question.text.split()).lower()].append(question)
    texts = sorted(by_text)
    members: Dict[int, List[str]] = defaultdict(list)
    for text, label in zip(texts, _clusters(texts), strict=True):
        members[label].append(text)
    groups = []
    for grouped in members.values():
        counts = {t: len(by_text[t]) for t in grouped}
        inside = sorted((q for t in grouped for q in by_text[t]), key=lambda q: (q.at, q.message_id), reverse=True)
        label_text = _label(grouped, counts)
        groups.append(Group(by_text[label_text][0].text.strip(), tuple(inside)))
    return sorted(groups, key=lambda g: (-g.count, g.label.lower()))
