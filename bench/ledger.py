"""Lost and duplicated messages: what the load sent, checked against what trialbot stored.

For every `message_id` the load generator sent (several deliveries of one id count once):
- stored: exactly one inbound row with that platform message id;
- answered: at least one bot reply stored with `in_reply_to_id` pointing at that row;
- answered twice: more than one inbound row, or more stored replies than the fullest answer a
  delivery received (one answer's replies are stored together; a second answer adds as many again).
Lost = sent − answered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Dict, Iterable, List

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.load import ANSWERED, Sample
from bot.store.db import sync_url
from bot.store.models import Direction, Message

CHANNEL = "rest"


def audit(database_url: str, samples: Iterable[Sample], examples: int = 5, channel: str = CHANNEL) -> Dict[str, Any]:
    """Count sent, stored, answered, lost and duplicated messages (with a few example ids of each problem)."""
    deliveries: Dict[str, List[Sample]] = defaultdict(list)
    for sample in samples:
        deliveries[sample.message_id].append(sample)
    engine = create_engine(sync_url(database_url), future=True)
    try:
        with Session(engine, future=True) as session:
            inbound: Dict[str, List[int]] = defaultdict(list)
            for platform_id, row_id in session.execute(
                select(Message.platform_message_id, Message.id).where(
                    Message.channel == channel,
                    Message.direction == Direction.INBOUND.value,
                    Message.platform_message_id.is_not(None),
                )
            ):
                inbound[platform_id].append(row_id)
            replies: Counter = Counter(
                dict(
                    session.execute(
                        select(Message.in_reply_to_id, func.count())
                        .where(Message.direction == Direction.OUTBOUND.value, Message.in_reply_to_id.is_not(None))
                        .group_by(Message.in_reply_to_id)
                    ).all()
                )
            )
    finally:
        engine.dispose()

    problems: Dict[str, List[str]] = {
        kind: [] for kind in ("not_stored", "not_answered", "answered_twice", "client_unanswered")
    }
    stored = answered = 0
    for message_id, sent in deliveries.items():
        rows = inbound.get(message_id, [])
        stored += bool(rows)
        reply_rows = sum(replies[row] for row in rows)
        if reply_rows:
            answered += 1
        elif rows:
            problems["not_answered"].append(message_id)
        else:
            problems["not_stored"].append(message_id)
        fullest = max(s.replies for s in sent)
        if len(rows) > 1 or (fullest and reply_rows > fullest):
            problems["answered_twice"].append(message_id)
        if not any(s.outcome == ANSWERED for s in sent):
            problems["client_unanswered"].append(message_id)
    return {
        "sent": len(deliveries),
        "deliveries": sum(len(d) for d in deliveries.values()),
        "stored": stored,
        "answered": answered,
        "lost": len(deliveries) - answered,
        "duplicated": len(problems["answered_twice"]),
        "client_unanswered": len(problems["client_unanswered"]),
        "examples": {kind: ids[:examples] for kind, ids in problems.items() if ids},
    }


def duplicate_probes(samples: Iterable[Sample]) -> Dict[str, Any]:
    """For deliberate repeated deliveries: how many ids got exactly one answer across their deliveries.

    The two simultaneous deliveries of an id must produce one answer between them (the other gets
    the stored answer if it was ready, or nothing); the later repeat must get the stored answer.
    """
    by_id: Dict[str, List[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.kind == "duplicate":
            by_id[sample.message_id].append(sample)
    consistent = 0
    for deliveries in by_id.values():
        first_two, later = deliveries[:2], deliveries[2:]
        fullest = max(s.replies for s in deliveries)
        answered = [s for s in first_two if s.outcome == ANSWERED]
        if answered and all(s.replies in (0, fullest) for s in first_two) and all(s.replies == fullest for s in later):
            consistent += 1
    return {"ids": len(by_id), "deliveries": sum(len(d) for d in by_id.values()), "consistent": consistent}
