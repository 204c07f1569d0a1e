"""Trial search on the frozen conversation sets: does the person reach the right list of trials?

Run against a running trialbot (`make run`, or any base URL) on the database it searches:
`python -m bot.trials.evaluate [--url http://127.0.0.1:8000] [--set tests/data/search_eval/set_b.yml]`.

Each conversation of a set (`tests/data/search_eval/set_*.yml`, written from a brief only, see its
header) is played through `POST /webhooks/rest/webhook` as the person would: its first messages,
then, whenever the bot asks for the cancer type, the age or the place, the person's own answer to
that question, then the corrections sent after the first results. The conversation passes when the
last list the bot showed is right for the truth (condition, age, place, sex), computed here from
the same trial tables:

- trials within 100 miles: the bot's "I found N" is the truth's count and every trial it lists is
  one of the truth's;
- none within 100 miles (`nearest_expected`): the bot says so and names the nearest matching trial
  (the truth's nearest).

Prints a JSON report: the pass rate per set and per style, and the failures with the bot's last
replies (read those of a consulted set only; see docs/trial-data.md#evaluation).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.db import PROJECT_ROOT, sync_url
from bot.trials import texts
from bot.trials.conditions import ConditionIndex
from bot.trials.geo import Geocoder
from bot.trials.search import SearchQuery, TrialSearch
from bot.yaml_files import read_yaml

EVAL_DIR = PROJECT_ROOT / "tests" / "data" / "search_eval"
DEFAULT_SETS = tuple(sorted(EVAL_DIR.glob("set_*.yml")))
RADIUS = 100.0
MAX_TURNS = 12
_NCT = re.compile(r"NCT\d{8}")
_FOUND = re.compile(r"I found (\d+)")

Chat = Callable[[str, str], List[Dict[str, Any]]]


@dataclass(frozen=True)
class Truth:
    """What a careful expert would search for: a registry condition term, age, place and sex."""

    condition: str
    age: Optional[float]
    place: str
    sex: Optional[str] = None


@dataclass(frozen=True)
class Conversation:
    """One person's conversation: first messages, answers by slot, corrections, and the truth."""

    id: str
    style: str
    turns: Sequence[str]
    answers: Dict[str, str]
    after_results: Sequence[str]
    truth: Truth
    nearest_expected: bool = False


@dataclass(frozen=True)
class Expected:
    """The truth's results: the ids within 100 miles, or the nearest match farther away."""

    ids: frozenset
    total: int
    nearest_id: Optional[str] = None


@dataclass
class Outcome:
    """What happened in one conversation."""

    conversation: Conversation
    passed: bool
    reason: str
    transcript: List[str] = field(default_factory=list)


def load_set(path: Path) -> List[Conversation]:
    """The conversations of a frozen set."""
    data = read_yaml(path) or {}
    conversations = []
    for item in data.get("conversations") or ():
        truth = item["truth"]
        conversations.append(
            Conversation(
                id=str(item["id"]),
                style=str(item.get("style") or "unknown"),
                turns=[str(t) for t in item.get("turns") or ()],
                answers={str(k): str(v) for k, v in (item.get("answers") or {}).items()},
                after_results=[str(t) for t in item.get("after_results") or ()],
                truth=Truth(
                    condition=str(truth["condition"]),
                    age=None if truth.get("age") is None else float(truth["age"]),
                    place=str(truth["place"]),
                    sex=truth.get("sex") or None,
                ),
                nearest_expected=bool(item.get("nearest_expected")),
            )
        )
    return conversations


class Oracle:
    """Computes each truth's results from the trial tables, with the same search the bot uses."""

    def __init__(self, engine: Engine, geocoder: Optional[Geocoder] = None) -> None:
        self._engine = engine
        self._geocoder = geocoder or Geocoder()
        self._index: Optional[ConditionIndex] = None

    def expected(self, truth: Truth) -> Expected:
        place = self._geocoder.locate(truth.place)
        if place is None:
            raise ValueError(f"the truth's place is not on the map: {truth.place!r}")
        with Session(self._engine, future=True) as session:
            if self._index is None:
                self._index = ConditionIndex.load(session)
            search = TrialSearch(session, self._index)

            def query(radius: float, limit: int) -> Any:
                return search.search(
                    SearchQuery(
                        condition=truth.condition,
                        age=truth.age,
                        sex=truth.sex,
                        latitude=place.latitude,
                        longitude=place.longitude,
                        radius_miles=radius,
                        limit=limit,
                    )
                )

            near = query(RADIUS, 100)
            if near.total:
                return Expected(frozenset(m.trial.nct_id for m in near.matches), near.total)
            far = query(13000.0, 1)
            return Expected(frozenset(), 0, far.matches[0].trial.nct_id if far.matches else None)


def _asked_for(replies: Sequence[Dict[str, Any]]) -> Optional[str]:
    """Which search detail the bot's replies ask for (the last question wins)."""
    asked = None
    for reply in replies:
        text = str(reply.get("text") or "")
        for slot, question in texts.QUESTIONS.items():
            if question in text:
                asked = slot
    return asked


def _results(replies: Sequence[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The list (or else the "nothing near, the nearest is …" answer) in these replies, if any."""
    texts_said = [str(reply.get("text") or "") for reply in replies]
    for text in texts_said:
        found = _FOUND.search(text)
        if found:
            listed = [_NCT.search(line) for line in text.splitlines() if re.match(r"^\d+\. ", line)]
            return {"total": int(found.group(1)), "ids": [m.group(0) for m in listed if m]}
    for text in texts_said:
        if texts.NOTHING_NEAR_MARK in text:
            nearest = _NCT.search(text)
            return {"total": 0, "ids": [], "nearest": nearest.group(0) if nearest else None}
    return None


def play(conversation: Conversation, chat: Chat, sender: str) -> tuple[Optional[Dict[str, Any]], List[str]]:
    """Play the conversation; the last results seen and the transcript."""
    transcript: List[str] = []
    last: Optional[Dict[str, Any]] = None
    queue = list(conversation.turns)
    corrections = list(conversation.after_results)
    answered: Dict[str, int] = defaultdict(int)
    for _ in range(MAX_TURNS):
        if not queue:
            if last is not None and corrections:
                queue.append(corrections.pop(0))
            else:
                break
        message = queue.pop(0)
        transcript.append(f"> {message}")
        replies = chat(sender, message)
        transcript.extend(f"< {r.get('text')}" for r in replies if r.get("text"))
        found = _results(replies)
        if found is not None:
            last = found
        asked = _asked_for(replies)
        if asked and not queue and conversation.answers.get(asked) and answered[asked] < 2:
            answered[asked] += 1
            queue.append(conversation.answers[asked])
    return last, transcript


def judge(expected: Expected, last: Optional[Dict[str, Any]], nearest_expected: bool) -> tuple[bool, str]:
    """Whether the last results are right for the truth, and why not."""
    if last is None:
        return False, "no results were shown"
    if expected.total:
        if last["total"] != expected.total:
            return False, f"found {last['total']}, expected {expected.total}"
        wrong = [i for i in last["ids"] if i not in expected.ids]
        if wrong or not last["ids"]:
            return False, f"listed trials not in the truth: {wrong}"
        return True, "right list"
    if last["total"]:
        return False, f"found {last['total']}, expected none within {RADIUS:g} miles"
    if nearest_expected and last.get("nearest") != expected.nearest_id:
        return False, f"nearest named {last.get('nearest')}, expected {expected.nearest_id}"
    return True, "nothing near, nearest named"


def evaluate(conversations: Sequence[Conversation], chat: Chat, oracle: Oracle) -> List[Outcome]:
    """Play and judge every conversation (each with a new sender)."""
    outcomes = []
    for conversation in conversations:
        sender = f"search-eval-{conversation.id}-{secrets.token_hex(4)}"
        last, transcript = play(conversation, chat, sender)
        passed, reason = judge(oracle.expected(conversation.truth), last, conversation.nearest_expected)
        outcomes.append(Outcome(conversation, passed, reason, transcript))
    return outcomes


def report(outcomes: Sequence[Outcome], with_failures: bool = True) -> Dict[str, Any]:
    """Pass rates overall and per style, and the failures (with their transcripts)."""
    styles: Dict[str, List[bool]] = defaultdict(list)
    for outcome in outcomes:
        styles[outcome.conversation.style].append(outcome.passed)
    passed = sum(o.passed for o in outcomes)
    result: Dict[str, Any] = {
        "conversations": len(outcomes),
        "passed": passed,
        "pass_rate": round(passed / len(outcomes), 4) if outcomes else 0.0,
        "per_style": {s: f"{sum(v)}/{len(v)}" for s, v in sorted(styles.items())},
    }
    if with_failures:
        result["failures"] = [
            {"id": o.conversation.id, "reason": o.reason, "transcript": o.transcript} for o in outcomes if not o.passed
        ]
    return result


def rest_chat(base_url: str) -> Chat:
    """Send one message through the REST channel of the trialbot at `base_url`; its replies."""
    client = httpx.Client(timeout=120)

    def chat(sender: str, message: str) -> List[Dict[str, Any]]:
        response = client.post(f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
        response.raise_for_status()
        return list(response.json())

    return chat


def main(argv: Optional[List[str]] = None) -> int:
    """Evaluate the sets against a running trialbot and print the report."""
    from bot.config import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running trialbot (make run)")
    parser.add_argument("--database-url", default=None, help="the database it searches (default: DATABASE_URL)")
    parser.add_argument("--set", action="append", type=Path, help="a set file (default: every set)")
    parser.add_argument("--summary", action="store_true", help="no failures, figures only")
    args = parser.parse_args(argv)
    engine = create_engine(sync_url(args.database_url or load_settings().database_url), future=True)
    oracle = Oracle(engine)
    chat = rest_chat(args.url.rstrip("/"))
    everything = {}
    for path in args.set or DEFAULT_SETS:
        everything[path.stem] = report(evaluate(load_set(path), chat, oracle), with_failures=not args.summary)
    json.dump(everything, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
