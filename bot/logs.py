"""How trialbot's processes log, and what never reaches a log line.

Our own log calls name a conversation by its id (a random UUID of ours) and never include what
people wrote or who they are on a platform. As a second line of defence, every handler we set up
(gateway, Rasa workers, action server) formats through `MaskingFormatter`, which masks obvious
identifiers in the final line (message and traceback alike), in this order:

- e-mail addresses                                            → `[email]`
- IPv4 addresses, except loopback (127.x) and 0.0.0.0         → `[ip]`
- phone numbers: `+` then 8-15 digits (spaces, dots, dashes or brackets between them), or a North
  American number with separators (`713-555-0123`, `(713) 555-0123`, `1 713.555.0123`) → `[phone]`
- Slack ids: U, W, C, D, G or T, then 8 or more capitals and digits with at least one digit
  (`U012AB3CD45`, `C0123456789`)                              → `[slack-id]`
- runs of 7 or more digits that are not part of a word or a decimal fraction (Telegram user and chat
  ids such as `-1001234567890`, 10-digit phone numbers without separators) → `[number]`

What it cannot recognise: names, ages, ZIP codes, places, free text, IPv6 addresses. Times, ports,
process ids, our conversation ids and NCT numbers are left alone (the patterns need a word
boundary, so digits inside a hex id or after "NCT" are never touched).

Some libraries log people's words at DEBUG; `QUIET` keeps them at INFO or above whatever
LOG_LEVEL says. `CHATTY` libraries log a line per routine event (httpx: every health-check request
while the gateway waits for the action server) and speak only from WARNING unless LOG_LEVEL is DEBUG.

Libraries' deprecation warnings (Rasa's dependencies print a dozen at every start) are not for the
person running trialbot: `deprecations_at_debug` (installed when the `bot` package is imported, so
before any library in any of our processes) sends them to the `py.warnings` logger at DEBUG; those
raised before logging is set up are kept and logged once it is (`log_early_deprecations`).
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Iterable, List, Mapping, Optional, Sequence, TextIO, Tuple

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

MASKS: Sequence[Tuple[str, re.Pattern[str], str]] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    ("ip", re.compile(r"(?<![\w.])(?!127\.|0\.0\.0\.0(?![\d.]))(?:\d{1,3}\.){3}\d{1,3}(?![\w.]?\d)"), "[ip]"),
    (
        "phone",
        re.compile(
            r"(?<![\w+])\+\d(?:[ .()-]{0,2}\d){7,14}(?!\w)"
            r"|(?<![\w+])(?:1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)"
        ),
        "[phone]",
    ),
    ("slack-id", re.compile(r"(?<!\w)[UWCDGT](?=[A-Z0-9]*\d)[A-Z0-9]{8,}(?!\w)"), "[slack-id]"),
    ("number", re.compile(r"(?<![\w.])\d{7,}(?!\w)"), "[number]"),
)
"""What `mask` replaces, in order (see the module's docstring for the reasons)."""

QUIET: Mapping[str, int] = {
    "aiosqlite": logging.INFO,  # every SQL statement with its parameters (people's words) at DEBUG
    "uvicorn.error": logging.INFO,  # websockets logs each web chat frame (people's words) here at DEBUG
    "websockets": logging.INFO,  # the same frames, for sockets not opened by uvicorn
    "rasa": logging.INFO,  # each message's text, intents, entities and slots at DEBUG
    "rasa_sdk": logging.INFO,  # the events of every tracker sent to an action at DEBUG
}
"""Loggers that never go below these levels, and why."""

CHATTY: Sequence[str] = ("httpx", "httpcore")
"""Loggers that speak only from WARNING unless the process logs at DEBUG (a line per HTTP request)."""

DEPRECATIONS: Tuple[type[Warning], ...] = (DeprecationWarning, PendingDeprecationWarning)
"""Warning categories that go to DEBUG (subclasses too: SQLAlchemy's and pyparsing's are)."""

_early: List[str] = []
_previous_showwarning = warnings.showwarning


def mask(text: str) -> str:
    """The text with e-mail addresses, IPv4 addresses, phone numbers, Slack ids and long digit runs masked."""
    for _, pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


class MaskingFormatter(logging.Formatter):
    """Formats a record like the formatter it wraps, then masks identifiers in the whole result."""

    def __init__(self, inner: Optional[logging.Formatter] = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return mask(self.inner.format(record))


def mask_handlers(loggers: Iterable[logging.Logger] = ()) -> None:
    """Wrap the formatter of every handler of the root logger (and of `loggers`) in a `MaskingFormatter`."""
    for logger in (logging.getLogger(), *loggers):
        for handler in logger.handlers:
            if not isinstance(handler.formatter, MaskingFormatter):
                handler.setFormatter(MaskingFormatter(handler.formatter))


def level_for_libraries(level: str) -> str:
    """LOG_LEVEL for libraries that log people's words below INFO: DEBUG becomes INFO."""
    return "INFO" if logging.getLevelName(level) < logging.INFO else level


def quiet_libraries() -> None:
    """Keep the loggers in `QUIET` at their floor (a level already above it is kept)."""
    for name, floor in QUIET.items():
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < floor:
            library.setLevel(floor)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Optional[TextIO] = None,
    line: Optional[str] = None,
) -> None:
    if not issubclass(category, DEPRECATIONS):
        _previous_showwarning(message, category, filename, lineno, file, line)
        return
    text = f"{filename}:{lineno}: {category.__name__}: {message}"
    if logging.getLogger().handlers:
        logging.getLogger("py.warnings").debug("%s", text)
    elif len(_early) < 100:
        _early.append(text)


def deprecations_at_debug() -> None:
    """Send deprecation warnings to the `py.warnings` logger at DEBUG instead of printing them."""
    warnings.showwarning = _show_warning


def quiet_chatty_libraries(level: str | int) -> None:
    """Raise `CHATTY` loggers to WARNING unless `level` is DEBUG."""
    number = logging.getLevelName(level) if isinstance(level, str) else level
    if number > logging.DEBUG:
        for name in CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)


def configure(level: str) -> None:
    """Set up a process's logging: one masked handler on stderr, `level`, the libraries in `QUIET` kept quiet."""
    logging.basicConfig(level=level, format=FORMAT)
    quiet_libraries()
    quiet_chatty_libraries(level)
    mask_handlers()
    log_early_deprecations()


def log_early_deprecations() -> None:
    """Log (at DEBUG) the deprecation warnings raised before this process's logging was set up."""
    for text in _early:
        logging.getLogger("py.warnings").debug("%s", text)
    _early.clear()
