"""Make Rasa 3.6 cheaper per message in our workers without changing what it does.

Profiling a worker under load showed about a third of its busy time in one place: after every
custom action Rasa validates the action server's answer with `jsonschema.validate()`, which
first checks the (constant) schema itself against JSON Schema's meta-schema, every time. Here the
schema is checked once and its validator reused: the same answers pass, the same bad answers are
refused with the same error (the best match, with Rasa's own explanation appended).

`install()` is called once by each Rasa worker (`bot.core.worker`) before it loads the model; it
refuses to patch a Rasa whose method is not the one this was written against.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict

RASA_METHOD_SOURCE_MARK = "validate(result, self.action_response_format_spec())"
"""What `RemoteAction._validate_action_result` does in the Rasa versions this replaces."""


class UnexpectedRasaError(RuntimeError):
    """The installed Rasa is not the one these speed-ups were written for."""


def install() -> None:
    """Reuse one schema validator for action server answers (idempotent)."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    current = RemoteAction._validate_action_result
    if getattr(current, "trialbot_speedup", False):
        return
    if RASA_METHOD_SOURCE_MARK not in inspect.getsource(current):
        raise UnexpectedRasaError("RemoteAction._validate_action_result changed; review bot/core/speedups.py")

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every action
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    _validate_action_result.trialbot_speedup = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result
