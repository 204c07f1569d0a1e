"""A new conversation's first replies start with the "automated assistant" disclosure; most tests
compare what follows it. `after_disclosure` checks the disclosure is there (once) and drops it."""

from typing import Any, List, Sequence, TypeVar

from bot import honesty

R = TypeVar("R")


def _text(reply: Any) -> str:
    return str(reply.get("text") or "") if isinstance(reply, dict) else str(reply.text)


def after_disclosure(replies: Sequence[R]) -> List[R]:
    """The replies without the disclosure, which must be among them exactly once."""
    texts = [_text(r) for r in replies]
    assert texts.count(honesty.DISCLOSURE.text) == 1, texts
    return [r for r in replies if _text(r) != honesty.DISCLOSURE.text]
