"""Follow-ups: a message read against the FAQ topic the bot has just answered.

"does it cost anything?", "and for kids?" or "what if I'm 17" only make sense after the last answer.
The Rasa worker finds the topic it has just answered in the conversation (`previous_topic`) and
passes it in the message's metadata (`PREVIOUS_TOPIC_KEY`); the understanding component then reads
a message that looks like a follow-up (`looks_like_follow_up`) twice — alone, and with the previous
topic's title after it — averages the two, and favours the previous topic and its follow-up topics
(`in_context`). A message that does not look like a follow-up is read as it is.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

from bot.nlu.model import Reading

PREVIOUS_TOPIC_KEY = "previous_faq_topic"
FAQ_ACTION = "utter_faq"
SHORT = 8
"""Messages of at most this many words may be follow-ups."""
PREVIOUS_WEIGHT = 1.5
FOLLOW_UP_WEIGHT = 1.5
_REFERRING = re.compile(
    r"^(and|so|but|also|ok|okay|what about|how about|what if)\b|\b(it|that|this|they|them|those|these|there|one)\b",
    re.IGNORECASE,
)


def previous_topic(events: Sequence[Any]) -> Optional[str]:
    """The FAQ topic the bot answered the person's last message with, if it did (tracker events)."""
    answered = False
    for event in reversed(events):
        kind = getattr(event, "type_name", None)
        if kind == "action":
            answered = answered or getattr(event, "action_name", None) == FAQ_ACTION
        elif kind == "user":
            if not answered:
                return None
            parse = getattr(event, "parse_data", None) or {}
            response = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
            key = str(response.get("intent_response_key") or "")
            return key.split("/", 1)[1] if "/" in key else None
    return None


def looks_like_follow_up(text: str) -> bool:
    """Short, or leaning on what was said before ("and …", "what if …", "it", "that")."""
    return len(text.split()) <= SHORT or bool(_REFERRING.search(text))


def in_context(
    text: str,
    previous: str,
    topics: Mapping[str, Tuple[str, Sequence[str]]],
    read: Callable[[str], Reading],
    plain: Optional[Reading] = None,
) -> Reading:
    """The reading of a follow-up to `previous`; `topics` maps topic id → (title, follow-up ids).
    `plain`: the message's own reading, when the caller has it already."""
    plain = plain or read(text)
    if previous not in topics or not looks_like_follow_up(text):
        return plain
    title, follow_ups = topics[previous]
    with_title = dict(read(f"{text} {title}").ranking)
    weights: Dict[str, float] = {f"faq/{previous}": PREVIOUS_WEIGHT}
    weights.update({f"faq/{f}": FOLLOW_UP_WEIGHT for f in follow_ups if f != previous})
    scores = {
        label: (probability + with_title.get(label, 0.0)) / 2 * weights.get(label, 1.0)
        for label, probability in plain.ranking
    }
    total = sum(scores.values()) or 1.0
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return Reading(tuple((label, score / total) for label, score in ranked))
