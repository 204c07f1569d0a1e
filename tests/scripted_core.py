"""A scripted stand-in for the Rasa core (the idea of errbot's TestBackend), for tests of the router's own logic.

The router needs one thing from the core (`bot.router.Core`): `await core.handle(conversation_id, text,
channel, metadata)` returning Rasa's bot messages, the dicts Rasa's REST output gives
(`{"recipient_id", "text", "buttons"}`, or `{"recipient_id", "custom": {...}}` for a custom response).
`ScriptedCore` answers from a script instead of a trained model, so routing, storage, the queue, the safety
screen, "delete my data" and the satisfaction question can be tested in a second without one, and it records
every message it was asked about (`asked`, `texts`), to prove what the model did or did not see.

    core = ScriptedCore().on("hi", "Hello!").on(re.compile("person"), handoff("asked for a person"))

A rule is an exact text or a compiled pattern (`search`ed) and the answers: a string is a text message, a
dict is sent as it is (`text(...)` adds buttons, `handoff(...)` and `FORGET_REQUEST` are the custom messages
the router looks for), an exception is raised (a `CoreError` is the core failing), and a callable
`(asked, earlier)` returns the answers itself (`earlier`: what the core was asked before in that conversation).
The newest rule that matches answers. A message no rule matches fails the test (`NotScriptedError`), unless
`otherwise` gives the answers for anything else. `like_the_model()` answers the messages the router tests
send with the bot's own words (domain.yml, the actions' texts), without a model.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import takewhile
from typing import Any, Callable, Dict, List, Mapping, Optional, Pattern, Sequence, Tuple, Union

from actions.fallback import REASON as FALLBACK_REASON
from actions.trials import QUESTIONS
from bot.faq.catalog import load_catalog
from bot.faq.suggestions import fallback_message
from bot.safety.medical_advice import INTENT as MEDICAL_ADVICE
from bot.store.db import PROJECT_ROOT
from bot.yaml_files import read_yaml

Answer = Union[str, Mapping[str, Any], BaseException, Callable[..., Sequence[Any]]]
Match = Union[str, Pattern[str]]

FORGET_REQUEST: Dict[str, Any] = {"custom": {"privacy": "forget"}}
"""What Rasa sends for `utter_forget_request` (the person asked in words to delete their data)."""


def text(words: str, *buttons: Tuple[str, str]) -> Dict[str, Any]:
    """A text message, with (title, payload) buttons."""
    message: Dict[str, Any] = {"text": words}
    if buttons:
        message["buttons"] = [{"title": title, "payload": payload} for title, payload in buttons]
    return message


def handoff(reason: str = "asked for a person", priority: str = "normal") -> Dict[str, Any]:
    """The custom message that asks the router to queue the conversation for a person."""
    return {"custom": {"handoff": {"reason": reason, "priority": priority}}}


def _domain(response: str) -> Dict[str, Any]:
    """A response of domain.yml as Rasa sends it (its first variation: text, and buttons if any)."""
    [variation, *_] = _responses()[response]
    return {key: variation[key] for key in ("text", "buttons", "custom") if key in variation}


@lru_cache(maxsize=1)
def _responses() -> Dict[str, Any]:
    return dict(read_yaml(PROJECT_ROOT / "domain.yml")["responses"])


# The bot's own answers (domain.yml, the actions' texts) for the messages the router tests send; two FAQ
# answers stand in for the response selector's.
GREETING = _domain("utter_greet")["text"]
I_AM_A_BOT = _domain("utter_iamabot")["text"]
WELCOME = _domain("utter_thank")["text"]
NO_MEDICAL_ADVICE = _domain("utter_no_medical_advice")["text"]
OFFER_COORDINATOR = _domain("utter_offer_coordinator")
ASK_CONDITION = QUESTIONS["condition"]
PLACEBO = "A placebo looks like the study drug but has no active ingredient."
TRIAL = "A clinical trial is a research study that tests a new treatment with people who volunteer."


class NotScriptedError(AssertionError):
    """The core was asked about a message its script has no answer for."""


@dataclass(frozen=True)
class Asked:
    """One message the core was asked about."""

    conversation_id: str
    text: str
    channel: str = "rest"
    metadata: Dict[str, Any] = field(default_factory=dict)


class ScriptedCore:
    """Answers like the Rasa core, from a script; records what it was asked (see the module's docstring)."""

    ready = True
    all_ready = True
    workers_total = 1
    """As a started `CorePool` with one loaded worker, for a gateway that shares this core (`create_app(core=...)`)."""

    def __init__(self, otherwise: Optional[Sequence[Answer]] = None) -> None:
        self._rules: List[Tuple[Match, Tuple[Answer, ...]]] = []
        self._otherwise = None if otherwise is None else tuple(otherwise)
        self._watchers: List[Callable[[int, float], None]] = []
        self.asked: List[Asked] = []

    def status(self) -> str:
        return "ready"

    def worker_info(self) -> List[Dict[str, Any]]:
        return [{"index": 0, "ready": True}]

    def watch(self, observe: Callable[[int, float], None]) -> Callable[[], None]:
        """Call `observe(worker, seconds)` after every answer, as the pool does; returns how to stop."""
        self._watchers.append(observe)
        return lambda: self._watchers.remove(observe)

    def on(self, match: Match, *answers: Answer) -> ScriptedCore:
        """Answer messages that are exactly `match` (or that a compiled pattern finds) with `answers`."""
        self._rules.append((match, answers))
        return self

    @property
    def texts(self) -> List[str]:
        """The texts the core was asked about, in order."""
        return [a.text for a in self.asked]

    def asked_in(self, conversation_id: str) -> List[str]:
        """The texts the core was asked about in one conversation, in order."""
        return [a.text for a in self.asked if a.conversation_id == conversation_id]

    async def handle(
        self,
        conversation_id: str,
        text: str,
        channel: str = "rest",
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        """Rasa-style bot messages for `text`, from the newest matching rule."""
        started = time.perf_counter()
        asked = Asked(conversation_id, text, channel, dict(metadata or {}))
        earlier = [a for a in self.asked if a.conversation_id == conversation_id]
        self.asked.append(asked)
        answers = self._answers_for(text)
        messages: List[Dict[str, Any]] = []
        for answer in answers:
            for message in answer(asked, earlier) if callable(answer) else [answer]:
                if isinstance(message, BaseException):
                    raise message
                body = {"text": message} if isinstance(message, str) else dict(message)
                messages.append({"recipient_id": conversation_id, **body})
        for observe in list(self._watchers):
            observe(0, time.perf_counter() - started)
        return messages

    def _answers_for(self, text: str) -> Tuple[Answer, ...]:
        for match, answers in reversed(self._rules):
            if text == match if isinstance(match, str) else match.search(text):
                return answers
        if self._otherwise is not None:
            return self._otherwise
        raise NotScriptedError(f"the scripted core has no answer for {text!r}")


@lru_cache(maxsize=1)
def _catalog() -> Any:
    return load_catalog()


def _fallback(asked: Asked, earlier: List[Asked]) -> List[Answer]:
    """As `action_suggest_topics` (actions/fallback.py): a second miss in a row brings in a person."""
    misses = 1 + sum(1 for _ in takewhile(lambda a: a.text == "/nlu_fallback", reversed(earlier)))
    message = fallback_message(misses, (), _catalog())
    answers: List[Answer] = [text(message.text, *((b["title"], b["payload"]) for b in message.buttons))]
    return [*answers, handoff(FALLBACK_REASON)] if message.needs_person else answers


def like_the_model(**options: Any) -> ScriptedCore:
    """A scripted core with the bot's answers to what the router tests send: greetings, thanks, "are you a
    bot?", asking for a person (words or `/human_handoff`), the medical-advice intent, the trial search's first
    question, two FAQ answers, "delete my data" in words, and `/nlu_fallback` (twice in a row: a person)."""
    return (
        ScriptedCore(**options)
        .on(re.compile(r"^(hi|hello|hey)\b|^/greet$", re.I), GREETING)
        .on(re.compile(r"^(thanks|thank you)\b|^/thank$", re.I), WELCOME)
        .on(re.compile(r"\bare you a (bot|robot|person)\b", re.I), I_AM_A_BOT)
        .on(re.compile(r"\b(real|actual) person\b|\bsomeone real\b|^human please$|^/human_handoff$", re.I), handoff())
        .on(MEDICAL_ADVICE, NO_MEDICAL_ADVICE, OFFER_COORDINATOR)
        .on(re.compile(r"^/search_trials$|\btrials? near me\b", re.I), ASK_CONDITION)
        .on(re.compile(r"\bplacebo\b", re.I), PLACEBO)
        .on(re.compile(r"\bclinical trial\b", re.I), TRIAL)
        .on(re.compile(r"\b(delete|erase) my data\b", re.I), FORGET_REQUEST)
        .on("/nlu_fallback", _fallback)
    )
