"""When the action server is down, say so kindly instead of going silent.

Rasa 3.6 logs a failed custom action (action server unreachable, timing out or answering 5xx),
drops its events and stops predicting for that message: the person gets no answer at all, and
our replies (trial search, biobank, FAQ citations) all come from custom actions. `install()`
wraps `RemoteAction.run` in each Rasa worker so that such a failure becomes one friendly bot
message and Rasa listens again; the conversation goes on, and the next message works as soon as
the action server is back. (Left to itself, Rasa predicts the failed action again and again until
its circuit breaker trips, and the conversation never predicts anything again.) A failed
`action_session_start` falls back to Rasa's built-in one, so the session still starts. A form's
validation rejection (`ActionExecutionRejection`) is Rasa's normal control flow and passes through.
"""

from __future__ import annotations

import logging
from typing import Any, List

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    "Sorry, I can't look that up right now: part of me is having trouble. Your message is saved. "
    'Please try again in a few minutes, or say "talk to a person" to reach a trial coordinator.'
)
METADATA_KEY = "trialbot_action_unavailable"
"""Set on the friendly message's metadata (the name of the action that failed), for tests and logs."""


def _unavailable(action: str) -> Any:
    from rasa.shared.core.events import BotUttered

    return BotUttered(text=UNAVAILABLE, metadata={METADATA_KEY: action})


def _said_already(tracker: Any) -> bool:
    """Whether the friendly message was already given in answer to the person's latest message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and METADATA_KEY in (event.metadata or {}):
            return True
    return False


def install() -> None:
    """Wrap `RemoteAction.run` once per process (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart, RemoteAction
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import FollowupAction
    from rasa.shared.exceptions import RasaException

    original = RemoteAction.run
    if getattr(original, "trialbot_outage", False):
        return

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except RasaException as error:
            cause = type(error.__cause__).__name__ if error.__cause__ else "RasaException"
            logger.warning("Custom action %s failed (%s); told the person to try again later", self.name(), cause)
            # Listen next: otherwise the policies predict the same action again until Rasa's circuit
            # breaker trips, which leaves the conversation unable to predict anything ever after.
            if self.name() == ActionSessionStart().name():
                return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
            listen = FollowupAction(ACTION_LISTEN_NAME)
            return [listen] if _said_already(tracker) else [_unavailable(self.name()), listen]

    run.trialbot_outage = True  # type: ignore[attr-defined]
    RemoteAction.run = run
