"""The reused action-answer validator accepts and refuses exactly what Rasa's own check does."""

from typing import Any, Dict, List

import pytest
from jsonschema import ValidationError

from bot.core import speedups

ANSWERS: List[Dict[str, Any]] = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "age", "value": 34}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "action", "name": "action_listen"}, {"event": "followup", "name": "utter_greet"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"responses": {"text": "not a list"}},
    {"events": [{"event": "bot", "text": "hello", "data": {"buttons": []}}], "extra": True},
]


def _outcomes(action: Any) -> List[Any]:
    outcomes = []
    for answer in ANSWERS:
        try:
            outcomes.append(action._validate_action_result(answer))
        except ValidationError as error:
            outcomes.append(("refused", error.message, list(error.path)))
    return outcomes


@pytest.mark.slow  # Rasa's action module imports TensorFlow (seconds), so only when this test runs
def test_same_answers_pass_and_the_same_errors_are_raised() -> None:
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_search_trials", None)
    before = _outcomes(action)
    assert before.count(True) >= 3 and any(o is not True for o in before), "the samples cover both cases"
    speedups.install()
    speedups.install()  # idempotent
    assert getattr(RemoteAction._validate_action_result, "trialbot_speedup", False)
    assert _outcomes(action) == before
