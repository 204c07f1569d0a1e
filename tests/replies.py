"""A new conversation's first replies start with the "automated assistant" disclosure; most tests
compare what follows it. `after_disclosure` checks the disclosure is there (once) and drops it."""

from typing import Any, List, Sequence, TypeVar

from bot.safety import honesty

R = TypeVar("R")


def _text(reply: Any) -> str:
    return str(reply.get("text") or "") if isinstance(reply, dict) else str(reply.text)


def after_disclosure(replies: Sequence[R]) -> List[R]:
    """The replies without the disclosure (either wording), which must be among them exactly once."""
    wordings = {honesty.DISCLOSURE.text, honesty.AFTER_SAFETY.text}
    texts = [_text(r) for r in replies]
    assert sum(t in wordings for t in texts) == 1, texts
    return [r for r in replies if _text(r) not in wordings]
