"""Slack's safety rule over real HTTP: in shared conversations nothing a person wrote is repeated; answers go to the DM.

Signed Events API requests into the gateway, the real model answering, and a fake Slack Web API on 127.0.0.1
(with `conversations.open`) recording where everything was posted.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.safety import crisis, emergency
from channels.slack.private import PrivateReplies
from tests.channels.slack.test_slack import (
    BOT_TOKEN,
    DM,
    GENERAL,
    PERSON,
    SlackHarness,
    buttons,
    callback,
    dm_event,
    mention_event,
    new_ts,
    slack_gateway,
    texts,
)
from tests.conftest import free_port, serve

HEALTH_DETAILS = "I'm 29 with hodgkin lymphoma in Columbus OH"
THEIR_WORDS = ("hodgkin", "lymphoma", "29", "columbus")


@pytest_asyncio.fixture
async def harness(database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    async with slack_gateway(database_url, action_server_url, model_path, core_pool) as started:
        yield started


def repeats_nothing(notice: Dict[str, Any]) -> bool:
    """The notice is plain text, greets the person by mention, and holds none of the words they wrote."""
    text = notice["text"].lower()
    return "blocks" not in notice and f"<@{PERSON.lower()}>" in text and not any(w in text for w in THEIR_WORDS)


def conversations(harness: SlackHarness) -> List[str]:
    return sorted({r["conversation"] for r in harness.inbound()})


async def test_a_mention_with_health_details_gets_a_neutral_notice_and_the_answer_in_the_dm(
    harness: SlackHarness,
) -> None:
    root = new_ts()
    assert (await harness.event(callback(mention_event(HEALTH_DETAILS, ts=root)))).status_code == 200
    [stored] = harness.inbound()  # stored before the acknowledgement, as a message of the DM conversation
    assert (stored["text"], stored["platform_message_id"], stored["thread_key"]) == (
        HEALTH_DETAILS,
        f"{GENERAL}:{root}",
        DM,
    )
    assert [c.args["users"] for c in harness.api.successful("conversations.open")] == [PERSON]

    posted = await harness.answers()
    [notice] = harness.api.posted_in(GENERAL)
    assert posted[0] == notice and notice["thread_ts"] == root
    assert repeats_nothing(notice) and "direct message" in notice["text"]
    answer = posted[1:]
    assert answer and {p["channel"] for p in answer} == {DM} and all("thread_ts" not in p for p in answer)
    assert "hodgkin lymphoma within 100 miles of Columbus" in texts(answer)
    assert buttons(answer[-1]), "the search answer offers its buttons in the DM"

    await harness.event(callback(dm_event("search within 3000 miles")))
    wider = await harness.answers()
    assert {p["channel"] for p in wider} == {DM}
    assert "hodgkin lymphoma within 3000 miles of Columbus" in texts(wider), "the DM remembers the search"
    assert len(conversations(harness)) == 1 and {r["thread_key"] for r in harness.inbound()} == {DM}
    assert harness.api.posted_in(GENERAL) == [notice]


async def test_a_retried_mention_gets_one_notice_and_one_answer(harness: SlackHarness) -> None:
    payload = callback(mention_event("are you a bot?"))
    assert (await harness.event(payload)).status_code == 200
    for attempt in ("1", "2"):  # Slack's retries: the same event_id, with X-Slack-Retry-Num
        retried = await harness.event(payload, **{"X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": "http_timeout"})
        assert retried.status_code == 200
    posted = await harness.answers()
    [notice] = harness.api.posted_in(GENERAL)
    [answer] = harness.api.posted_in(DM)
    assert posted == [notice, answer] and "not a person" in answer["text"]
    assert len(harness.inbound()) == 1
    assert (await harness.event(payload, **{"X-Slack-Retry-Num": "3"})).status_code == 200
    assert await harness.answers() == []


async def test_when_the_dm_cannot_be_opened_the_thread_only_asks_for_a_dm(
    harness: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    harness.api.fail("conversations.open", "missing_scope")
    root = new_ts()
    payload = callback(mention_event(HEALTH_DETAILS, ts=root))
    assert (await harness.event(payload)).status_code == 200
    assert (await harness.event(payload, **{"X-Slack-Retry-Num": "1"})).status_code == 200
    [notice] = await harness.answers()
    assert notice["channel"] == GENERAL and notice["thread_ts"] == root
    assert repeats_nothing(notice) and "please send me a direct message" in notice["text"]
    assert harness.stored() == [], "nothing to answer privately, so nothing is kept"

    message_ts = new_ts()  # a click on a button of an old answer in the channel: asked too, never answered there
    click = {
        "action_id": "trialbot_button_0",
        "type": "button",
        "value": "/search_trials",
        "text": {"type": "plain_text", "text": "Find a trial near me"},
    }
    assert (await harness.click(click, GENERAL, message_ts, new_ts(), thread_ts=root)).status_code == 200
    [asked] = await harness.answers()
    assert asked["channel"] == GENERAL and asked["thread_ts"] == root and repeats_nothing(asked)

    assert "could not open a direct message (missing_scope)" in caplog.text and "im:write" in caplog.text
    assert PERSON not in caplog.text and "hodgkin" not in caplog.text.lower()


async def test_a_click_on_a_button_in_a_channel_is_answered_in_the_dm(harness: SlackHarness) -> None:
    root, message_ts = new_ts(), new_ts()  # a button under an answer the bot gave in a channel thread long ago
    click = {
        "action_id": "trialbot_button_0",
        "type": "button",
        "value": "/search_trials",
        "text": {"type": "plain_text", "text": "Find a trial near me"},
    }
    assert (await harness.click(click, GENERAL, message_ts, new_ts(), thread_ts=root)).status_code == 200
    answer = await harness.answers()
    assert answer and {p["channel"] for p in answer} == {DM} and "What kind of cancer" in texts(answer)
    assert harness.api.posted_in(GENERAL) == []
    assert [(r["text"], r["thread_key"]) for r in harness.inbound()] == [("/search_trials", DM)]

    await harness.event(callback(dm_event("lung cancer")))
    assert "How old" in texts(await harness.answers()), "the DM carries on from the click"
    assert len(conversations(harness)) == 1


async def test_a_crisis_mention_gets_the_crisis_lines_in_the_dm_only(harness: SlackHarness) -> None:
    """The crisis lines themselves would tell the channel how the person feels: they go to the DM too."""
    await harness.event(callback(mention_event("i just want to die")))
    notice, *answer = await harness.answers()
    assert notice["channel"] == GENERAL and "988" not in notice["text"] and "die" not in notice["text"]
    assert {p["channel"] for p in answer} == {DM} and "call or text 988" in texts(answer)
    assert harness.api.posted_in(GENERAL) == [notice]


@pytest.mark.parametrize(
    ("channel", "channel_type"),
    [("C0GROUPDM", "mpim"), ("G0GROUPDM", None), ("G0PRIVATE", "group"), ("C0CONNECT", "channel")],
    ids=["mpim", "legacy mpim id", "private channel", "shared channel"],
)
async def test_mentions_in_every_shared_kind_of_conversation_move_to_the_dm(
    harness: SlackHarness, channel: str, channel_type: str
) -> None:
    event = mention_event("are you a bot?", channel=channel)
    if channel_type:
        event["channel_type"] = channel_type
    assert (await harness.event(callback(event))).status_code == 200
    notice, answer = await harness.answers()
    assert notice["channel"] == channel and notice["thread_ts"] == event["ts"] and repeats_nothing(notice)
    assert answer["channel"] == DM and "not a person" in answer["text"]
    assert [r["thread_key"] for r in harness.inbound()] == [DM]


# -- opening the DM when Slack cannot be reached (no model needed) -------------------------------------


async def test_an_unreachable_slack_is_logged_without_who_or_what(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    nowhere = AsyncWebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/")
    assert await PrivateReplies(nowhere).direct_channel(PERSON) is None
    assert "could not open a direct message" in caplog.text and PERSON not in caplog.text


async def test_a_slow_conversations_open_gives_up_before_slacks_three_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stuck(request: Request) -> JSONResponse:
        await release.wait()
        return JSONResponse({"ok": True, "channel": {"id": DM}})

    async with serve(Starlette(routes=[Route("/api/{method}", stuck, methods=["POST"])])) as url:
        private = PrivateReplies(AsyncWebClient(token=BOT_TOKEN, base_url=f"{url}/api/"), open_timeout=0.3)
        try:
            assert await private.direct_channel(PERSON) is None
        finally:
            release.set()
    assert "could not open a direct message (TimeoutError)" in caplog.text


async def test_without_a_dm_a_crisis_still_gets_the_lines_seen_only_by_the_person(harness: SlackHarness) -> None:
    harness.api.fail("conversations.open", "missing_scope")
    root = new_ts()
    await harness.event(callback(mention_event("i just want to die", ts=root)))
    [notice] = await harness.answers()
    assert notice["channel"] == GENERAL and "988" not in notice["text"] and "die" not in notice["text"]
    [private] = harness.api.ephemeral()
    assert (private["channel"], private["user"], private["thread_ts"]) == (GENERAL, PERSON, root)
    assert private["text"] == crisis.resources().text


async def test_without_a_dm_an_emergency_still_gets_911_seen_only_by_the_person(harness: SlackHarness) -> None:
    harness.api.fail("conversations.open", "missing_scope")
    await harness.event(callback(mention_event("my wife is bleeding a lot and wont stop")))
    [notice] = await harness.answers()
    assert notice["channel"] == GENERAL and "911" not in notice["text"]
    [private] = harness.api.ephemeral()
    assert private["text"] == emergency.advice().text


async def test_without_a_dm_other_messages_get_no_private_lines(harness: SlackHarness) -> None:
    harness.api.fail("conversations.open", "missing_scope")
    await harness.event(callback(mention_event(HEALTH_DETAILS)))
    assert len(await harness.answers()) == 1 and harness.api.ephemeral() == []
