"""Hypothesis strategies for hostile text, and lookups of what was stored of it.

`messages()` mixes what people (and attackers) really send: nothing at all, whitespace only, control
characters (NUL included), emoji and ZWJ sequences, right-to-left text and bidi overrides, HTML and
script, template syntax, SQL metacharacters, Slack markup, and texts of every size up to and beyond
100 KB. Lone surrogates are included when asked for: every channel here carries JSON, whose
`"\\ud800"` escape is the only way to send one.
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any, List, Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.store.models import ChannelIdentity, Conversation, Direction, Message

EMOJI = ["😀", "👍🏽", "👩‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏿‍⚕️", "❤️‍🔥", "🇺🇸", "1️⃣", "🫶", "💀💀💀"]
RIGHT_TO_LEFT = [
    "مرحبا، هل توجد تجربة سريرية؟",
    "שלום, יש ניסוי קליני?",
    "\u202e",  # right-to-left override
    "\u202d",  # left-to-right override
    "\u202b",
    "\u202a",
    "\u202c",
    "\u2066",  # isolates
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200f",  # marks
    "\u200e",
    "\u061c",
    "abc\u202edcba",
]
MARKUP = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)>",
    "</textarea></li></ol><b>bold</b>",
    "javascript:alert(1)",
    "https://example.org/<script>",
    "&lt;b&gt; &amp; &quot;",
    "<!-- -->",
    "{{ 7*7 }}",
    "{% if true %}x{% endif %}",
    "${7*7}",
    "*bold* _it_ `code` ~strike~",
    "<@U0TRIALBOT>",
    "<!channel>",
    "<https://example.org|click here>",
]
SQL = [
    "'; DROP TABLE messages; --",
    "' OR '1'='1",
    '" OR ""="',
    "1; SELECT pg_sleep(10); --",
    "\\'; --",
    "%",
    "_",
    "\\",
    "' UNION SELECT password_hash FROM coordinators --",
    "$1",
    ":name",
    "?",
    "/*",
]
WHITESPACE = [" ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\u180e"]
SIZES = [999, 1_000, 1_001, 4_000, 4_001, 16_384, 65_000, 100_000, 102_400, 120_000]
"""Around the web chat's 1,000 characters, the router's 4,000 for the model, and up to and beyond 100 KB."""


def through_a_gateway(max_examples: int) -> settings:
    """Settings for a property test that sends every example through one running gateway (a function-scoped
    fixture, reused on purpose): few examples, no deadline (the real model answers), no speed checks."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def pieces(surrogates: bool = True) -> st.SearchStrategy[str]:
    """One fragment of hostile text."""
    kinds = [
        st.text(max_size=12),
        st.characters(categories=["Cc"]),  # control characters, NUL included
        st.characters(categories=["Cf", "Zl", "Zp", "Mn"]),  # format characters, separators, combining marks
        st.sampled_from(EMOJI),
        st.sampled_from(RIGHT_TO_LEFT),
        st.sampled_from(MARKUP),
        st.sampled_from(SQL),
        st.sampled_from(WHITESPACE),
    ]
    if surrogates:
        kinds.append(st.characters(categories=["Cs"]))
    return st.one_of(kinds)


def _repeat_to(unit: str, size: int) -> str:
    unit = unit or "x"
    return (unit * (size // len(unit) + 1))[:size]


def messages(surrogates: bool = True) -> st.SearchStrategy[str]:
    """A whole message: empty, whitespace only, a mix of hostile fragments, or one repeated to a limit's size."""
    fragment = pieces(surrogates)
    return st.one_of(
        st.just(""),
        st.lists(st.sampled_from(WHITESPACE), min_size=1, max_size=8).map("".join),
        st.lists(fragment, min_size=1, max_size=12).map("".join),
        st.builds(_repeat_to, st.lists(fragment, min_size=1, max_size=4).map("".join), st.sampled_from(SIZES)),
    )


def received(text: str) -> str:
    """What a JSON transport delivers of `text`: the same, except that a high surrogate followed by a low one
    (two code points in Python) arrives as the one character they encode."""
    return str(json.loads(json.dumps(text)))


_counter = itertools.count(1)


def new_id(prefix: str = "p") -> str:
    """A fresh id for each example (a new person, so every example starts a conversation with the bot)."""
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:8]}"


def new_number() -> int:
    """A fresh positive whole number (Telegram user ids)."""
    return 10_000_000 + next(_counter) * 1_000 + uuid.uuid4().int % 1_000


async def stored(sessions: Any, channel: str, platform_user_id: str, direction: Direction) -> List[Message]:
    """The person's messages in one direction, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
            .where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.platform_user_id == platform_user_id,
                Message.direction == direction.value,
            )
            .order_by(Message.id)
        )
        return list(rows.scalars())


async def inbound_texts(sessions: Any, channel: str, platform_user_id: str) -> List[str]:
    """What was stored of the person's own messages, oldest first."""
    return [m.text for m in await stored(sessions, channel, platform_user_id, Direction.INBOUND)]


def friendly(texts: Sequence[str]) -> bool:
    """At least one reply, and every reply has words in it."""
    return bool(texts) and all(isinstance(t, str) and t.strip() for t in texts)
