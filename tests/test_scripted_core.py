"""The scripted core answers like Rasa from its script, and fails loudly on anything it was not told."""

import re

import pytest

from bot.core.pool import CoreError
from bot.privacy import forget
from bot.router import handoff_request
from bot.store.models import Priority
from tests.scripted_core import FORGET_REQUEST, NotScriptedError, ScriptedCore, handoff, like_the_model, text


async def test_answers_in_rasas_shape_and_records_what_it_was_asked() -> None:
    core = ScriptedCore().on("hi", "Hello!", text("Pick one", ("Yes", "/affirm")))
    answers = await core.handle("c1", "hi", "telegram", {"chat": 5})
    assert answers == [
        {"recipient_id": "c1", "text": "Hello!"},
        {"recipient_id": "c1", "text": "Pick one", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
    ]
    [asked] = core.asked
    assert (asked.conversation_id, asked.text, asked.channel, asked.metadata) == ("c1", "hi", "telegram", {"chat": 5})


async def test_an_unscripted_message_fails_unless_told_otherwise() -> None:
    with pytest.raises(NotScriptedError, match="'what now'"):
        await ScriptedCore().handle("c1", "what now")
    assert await ScriptedCore(otherwise=["Hmm."]).handle("c1", "what now") == [{"recipient_id": "c1", "text": "Hmm."}]


async def test_the_newest_matching_rule_answers_and_patterns_search() -> None:
    core = ScriptedCore().on(re.compile("trial"), "any trial").on("a trial", "exactly a trial")
    assert (await core.handle("c1", "a trial"))[0]["text"] == "exactly a trial"
    assert (await core.handle("c1", "my trial?"))[0]["text"] == "any trial"


async def test_exceptions_are_raised_and_callables_see_the_conversation_so_far() -> None:
    core = ScriptedCore().on("down", CoreError("no worker")).on("count", lambda asked, earlier: [str(len(earlier))])
    with pytest.raises(CoreError):
        await core.handle("c1", "down")
    assert [(await core.handle("c2", "count"))[0]["text"] for _ in range(2)] == ["0", "1"]
    assert core.asked_in("c2") == ["count", "count"] and core.texts == ["down", "count", "count"]


async def test_its_custom_messages_are_what_the_router_looks_for() -> None:
    assert handoff_request([handoff("crisis", "urgent")]) == ("crisis", Priority.URGENT)
    assert forget.requested([FORGET_REQUEST])
    core = like_the_model()
    assert handoff_request(await core.handle("c1", "/human_handoff")) == ("asked for a person", Priority.NORMAL)
    assert handoff_request(await core.handle("c2", "/nlu_fallback")) is None
    assert handoff_request(await core.handle("c2", "/nlu_fallback")) is not None, "a second miss in a row"
