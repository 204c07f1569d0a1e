"""Slack over real HTTP: signed events into the gateway, answers from the real model to a fake Slack Web API."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional

import httpx
import pytest
import pytest_asyncio
import sqlalchemy

from actions import remembering
from bot.config import ConfigError
from bot.gateway.app import create_app
from bot.gateway.delivery import Address
from bot.messages import Button, Reply
from bot.router import MEDIA_REPLY
from bot.safety import crisis
from channels.slack import adapter as slack
from channels.slack.adapter import FILE_SHARE
from channels.slack.render import MAX_BUTTON_TEXT, MAX_SECTION_TEXT, escape, render
from tests.conftest import gateway_settings, serve
from tests.fakes.slack_api import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlackApi, sign

BOT_TOKEN = "xoxb-test_only_not_real"
APP_TOKEN = "xapp-1-test-not-a-real-token"
SIGNING_SECRET = "test-signing-secret-not-real"
PERSON = "U0PERSON"
DM = "D0PERSON"
GENERAL = "C0GENERAL"

_counter = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_counter):06d}"


def dm_event(text: str, ts: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
    event = {"type": "message", "channel": DM, "channel_type": "im", "user": PERSON, "text": text, "team": TEAM_ID}
    return {**event, "ts": ts or new_ts(), **extra}


def mention_event(
    text: str, ts: Optional[str] = None, thread_ts: Optional[str] = None, channel: str = GENERAL
) -> Dict[str, Any]:
    event = {"type": "app_mention", "channel": channel, "user": PERSON, "text": f"<@{BOT_USER_ID}> {text}"}
    event.update(ts=ts or new_ts(), team=TEAM_ID)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def callback(event: Dict[str, Any], event_id: Optional[str] = None) -> Dict[str, Any]:
    """An Events API event_callback envelope as Slack sends it."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


@dataclass
class SlackHarness:
    """The gateway (with its app object, to drain background answers) and the fake Slack it talks to."""

    url: str
    app: Any
    api: FakeSlackApi
    database_url: str
    seen: int = 0

    async def post(self, body: bytes, content_type: str, headers: Optional[Dict[str, str]] = None) -> httpx.Response:
        signed = {"Content-Type": content_type, **sign(SIGNING_SECRET, body), **(headers or {})}
        async with httpx.AsyncClient() as client:
            return await client.post(f"{self.url}/slack/events", content=body, headers=signed)

    async def event(self, payload: Dict[str, Any], **headers: str) -> httpx.Response:
        return await self.post(json.dumps(payload).encode(), "application/json", headers)

    async def click(
        self, button: Dict[str, Any], channel: str, message_ts: str, action_ts: str, thread_ts: Optional[str] = None
    ) -> httpx.Response:
        """A block_actions payload for a click on `button` (form-encoded `payload=`, as Slack posts it)."""
        message = {"type": "message", "ts": message_ts, "user": BOT_USER_ID, "bot_id": BOT_ID}
        container = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False}
        if thread_ts:
            message["thread_ts"] = container["thread_ts"] = thread_ts
        payload = {
            "type": "block_actions",
            "user": {"id": PERSON, "username": "person", "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": container,
            "trigger_id": f"{next(_counter)}.trigger",
            "team": {"id": TEAM_ID, "domain": "trialbot-test"},
            "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else "general"},
            "message": message,
            "actions": [{**button, "block_id": "trialbot_buttons_0", "action_ts": action_ts}],
        }
        body = str(httpx.QueryParams({"payload": json.dumps(payload)})).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    async def answers(self) -> List[Dict[str, Any]]:
        """Wait until every background answer is delivered; the chat.postMessage calls since the last look."""
        await self.app.state.outbox.drain(timeout=120)
        posted = self.api.posted()
        new, self.seen = posted[self.seen :], len(posted)
        return new

    def stored(self) -> List[Dict[str, Any]]:
        engine = sqlalchemy.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sqlalchemy.text(
                        "SELECT m.direction, m.text, m.platform_message_id, c.thread_key, c.id AS conversation"
                        " FROM messages m JOIN conversations c ON c.id = m.conversation_id ORDER BY m.id"
                    )
                )
                return [dict(row._mapping) for row in rows]
        finally:
            engine.dispose()

    def inbound(self) -> List[Dict[str, Any]]:
        return [row for row in self.stored() if row["direction"] == "inbound"]


@contextlib.asynccontextmanager
async def slack_gateway(
    database_url: str, action_server_url: str, model_path: Path, core: Any, **environ: str
) -> AsyncIterator[SlackHarness]:
    deadline = time.monotonic() + 600
    while not core.ready:  # the session's Rasa worker loads its model in the background (slow on shared cores)
        assert time.monotonic() < deadline, f"the Rasa worker is not ready: {core.status()}"
        await asyncio.sleep(0.2)
    async with FakeSlackApi(BOT_TOKEN, APP_TOKEN).running() as api:
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_BASE_URL": api.base_url}
        env.update(environ)
        settings = gateway_settings(database_url, action_server_url, model_path, **{k: v for k, v in env.items() if v})
        app = create_app(settings, core=core)
        async with serve(app) as url:
            yield SlackHarness(url, app, api, database_url)


@pytest_asyncio.fixture
async def harness(database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    async with slack_gateway(database_url, action_server_url, model_path, core_pool) as started:
        yield started


def texts(posted: List[Dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in posted)


def buttons(posted: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [e for block in posted.get("blocks", []) if block["type"] == "actions" for e in block["elements"]]


# -- the Events API over HTTP ------------------------------------------------------------------------


async def test_url_verification_challenge_is_answered(harness: SlackHarness) -> None:
    response = await harness.event(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    )
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def test_a_direct_message_is_stored_before_the_ack_then_answered_in_the_dm(harness: SlackHarness) -> None:
    event = dm_event("are you a bot?")
    started = time.monotonic()
    response = await harness.event(callback(event))
    assert response.status_code == 200 and time.monotonic() - started < 3
    assert [(r["text"], r["platform_message_id"], r["thread_key"]) for r in harness.inbound()] == [
        ("are you a bot?", f"{DM}:{event['ts']}", DM)
    ]
    [answer] = await harness.answers()
    assert answer["channel"] == DM and "thread_ts" not in answer
    assert "not a person" in answer["text"]
    assert {c.token for c in harness.api.calls} == {BOT_TOKEN}
    assert harness.api.successful("auth.test"), "the bot token is checked with auth.test at start-up"


@pytest.mark.parametrize("problem", ["bad signature", "stale timestamp", "no signature"])
async def test_unverified_requests_get_401_and_nothing_is_stored(harness: SlackHarness, problem: str) -> None:
    body = json.dumps(callback(dm_event("hi"))).encode()
    if problem == "bad signature":
        headers = sign("not-the-signing-secret", body)
    elif problem == "stale timestamp":
        headers = sign(SIGNING_SECRET, body, timestamp=int(time.time()) - 10 * 60)
    else:
        headers = {"X-Slack-Request-Timestamp": str(int(time.time()))}
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{harness.url}/slack/events", content=body, headers={"Content-Type": "application/json", **headers}
        )
    assert response.status_code == 401
    assert harness.stored() == []
    assert await harness.answers() == []


async def test_an_oversized_request_is_refused_before_bolt_reads_it(harness: SlackHarness) -> None:
    response = await harness.event(callback(dm_event("x" * (slack.MAX_BODY_BYTES + 1))))
    assert response.status_code == 413
    assert harness.stored() == []


async def test_a_retried_event_is_answered_once(harness: SlackHarness) -> None:
    payload = callback(dm_event("what is a clinical trial?"))
    assert (await harness.event(payload)).status_code == 200
    for attempt in ("1", "2"):  # Slack's retries: the same event_id, with X-Slack-Retry-Num
        retried = await harness.event(payload, **{"X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": "http_timeout"})
        assert retried.status_code == 200
    posted = await harness.answers()
    assert len(harness.inbound()) == 1
    outbound = [r for r in harness.stored() if r["direction"] == "outbound"]
    assert posted and len(posted) == len(outbound)
    assert (await harness.event(payload, **{"X-Slack-Retry-Num": "3"})).status_code == 200
    assert await harness.answers() == []


async def test_a_mention_inside_a_direct_message_is_answered_once(harness: SlackHarness) -> None:
    """Slack sends such a message twice, as message.im and as app_mention, with different event ids."""
    event = dm_event(f"<@{BOT_USER_ID}> are you a bot?")
    assert (await harness.event(callback(event))).status_code == 200
    mention = {**event, "type": "app_mention"}
    mention.pop("channel_type")
    assert (await harness.event(callback(mention))).status_code == 200
    [answer] = await harness.answers()
    assert answer["channel"] == DM and "not a person" in answer["text"]
    assert [r["text"] for r in harness.inbound()] == ["are you a bot?"]


async def test_buttons_are_block_kit_and_a_click_is_answered_once(harness: SlackHarness) -> None:
    await harness.event(callback(dm_event("/help")))
    [menu] = await harness.answers()
    assert [b["type"] for b in menu["blocks"]] == ["section", "actions"]
    assert menu["blocks"][0]["text"] == {"type": "mrkdwn", "text": menu["text"]}
    offered = buttons(menu)
    assert all(b["type"] == "button" and len(b["text"]["text"]) <= MAX_BUTTON_TEXT for b in offered)
    assert len({b["action_id"] for b in offered}) == len(offered)
    [find] = [b for b in offered if b["text"]["text"] == "Find a trial near me"]
    assert find["value"] == "/search_trials"

    message_ts, action_ts = new_ts(), new_ts()
    click = {k: find[k] for k in ("action_id", "text", "value", "type")}
    response = await harness.click(click, DM, message_ts, action_ts)
    assert response.status_code == 200
    answer = await harness.answers()
    assert "What kind of cancer" in texts(answer) and {p["channel"] for p in answer} == {DM}
    assert harness.inbound()[-1]["text"] == "/search_trials"

    assert (await harness.click(click, DM, message_ts, action_ts)).status_code == 200  # the same click again
    assert await harness.answers() == []


@pytest.mark.parametrize(
    "event",
    [
        dm_event("our own reply", user=BOT_USER_ID, bot_id=BOT_ID),
        dm_event("another bot", user="U0OTHERBOT", bot_id="B0OTHER"),
        dm_event("", user=None, subtype="bot_message", bot_id="B0OTHER"),
        dm_event("edited", subtype="message_changed"),
        dm_event("", subtype="channel_join"),
        {**dm_event("chatter in a channel, not for us"), "channel": GENERAL, "channel_type": "channel"},
    ],
    ids=["ours", "other bot", "bot_message", "edit", "join", "channel chatter"],
)
async def test_bots_edits_joins_and_channel_chatter_are_acknowledged_and_ignored(
    harness: SlackHarness, event: Dict[str, Any]
) -> None:
    response = await harness.event(callback({k: v for k, v in event.items() if v is not None}))
    assert response.status_code == 200
    assert harness.stored() == []
    assert await harness.answers() == []


async def test_a_shared_file_is_screened_like_any_message_then_gets_the_text_only_answer(
    harness: SlackHarness,
) -> None:
    await harness.event(callback(dm_event("pic from my scan", subtype=FILE_SHARE, files=[{"id": "F0SCAN01"}])))
    assert [r["text"] for r in harness.inbound()] == ["[file] pic from my scan"]
    assert MEDIA_REPLY.text in texts(await harness.answers())


async def test_a_shared_file_whose_comment_speaks_of_suicide_gets_the_crisis_lines_first(harness: SlackHarness) -> None:
    await harness.event(callback(dm_event("i want to end my life", subtype=FILE_SHARE, files=[{"id": "F0NOTE01"}])))
    posted = await harness.answers()
    assert posted[0]["text"] == escape(crisis.resources().text) and MEDIA_REPLY.text not in texts(posted)


async def test_a_faq_question_gets_an_answer_with_its_source(harness: SlackHarness) -> None:
    await harness.event(callback(dm_event("do i have to pay to be in a trial?")))
    posted = await harness.answers()
    assert "Source: https://" in texts(posted)
    assert any(buttons(p) for p in posted), "FAQ answers carry follow-up buttons"


async def test_a_trial_search_lists_results_with_buttons(harness: SlackHarness) -> None:
    await harness.event(callback(dm_event("I'm 34 with breast cancer in 77030")))
    posted = await harness.answers()
    text = texts(posted)
    assert "breast cancer within 100 miles of Houston, TX 77030, for age 34" in text
    assert text.count("NCT") >= 3
    assert posted[-1]["text"] == remembering.QUESTION  # asked once, after the first results
    titles = [b["text"]["text"] for b in buttons(posted[-2])]
    assert titles[:2] == ["Tell me more about 1", "Show more"]


async def test_an_answer_survives_a_slack_server_error_and_arrives_once(harness: SlackHarness) -> None:
    """The gateway's client carries the retry handlers (details in tests/channels/test_outbound_retries.py)."""
    harness.api.fail_next("chat.postMessage", 503)
    await harness.event(callback(dm_event("are you a bot?")))
    [answer] = await harness.answers()
    assert answer["channel"] == DM and "not a person" in answer["text"]
    assert len(harness.api.attempted("chat.postMessage")) == 2


async def test_the_sender_delivers_only_to_the_persons_dm(harness: SlackHarness) -> None:
    """Even an address naming a channel thread (a conversation from before answers moved to DMs) goes to the DM."""
    outbox = harness.app.state.outbox
    assert "slack" in outbox.channels()
    await outbox.send(Address("slack", PERSON, DM), [Reply("a <b> & c")])
    await outbox.send(Address("slack", PERSON, f"{GENERAL}:1700000000.000100"), [Reply("from an old channel thread")])
    await outbox.send(Address("slack", PERSON), [Reply("no thread known")])
    posted = await harness.answers()
    assert [(p["channel"], p.get("thread_ts"), p["text"]) for p in posted] == [
        (DM, None, "a &lt;b&gt; &amp; c"),
        (DM, None, "from an old channel thread"),
        (DM, None, "no thread known"),
    ]
    assert [c.args["users"] for c in harness.api.successful("conversations.open")] == [PERSON], "opened once"

    harness.api.fail("conversations.open", "missing_scope")
    with pytest.raises(slack.NoDirectMessageError):
        await outbox.send(Address("slack", "U0SOMEONEELSE", f"{GENERAL}:1700000000.000200"), [Reply("private")])
    assert await harness.answers() == [], "nothing is posted in the channel instead"


async def test_a_wrong_bot_token_is_reported_at_start(
    database_url,
    action_server_url,
    model_path,
    core_pool,  # type: ignore[no-untyped-def]
    caplog,
) -> None:
    caplog.set_level(logging.ERROR, logger="channels.slack.adapter")
    async with slack_gateway(
        database_url, action_server_url, model_path, core_pool, SLACK_BOT_TOKEN="xoxb-wrong_token"
    ) as wrong:
        assert [c.ok for c in wrong.api.calls if c.method == "auth.test"] == [False]
        assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in caplog.text
        assert "xoxb-wrong_token" not in caplog.text


# -- Socket Mode -------------------------------------------------------------------------------------


async def test_socket_mode_is_chosen_by_the_app_token_and_answers_over_the_websocket(  # type: ignore[no-untyped-def]
    database_url, action_server_url, model_path, core_pool
) -> None:
    """Only as real as our fake: apps.connections.open, then a WebSocket speaking Slack's envelope format."""
    async with slack_gateway(
        database_url, action_server_url, model_path, core_pool, SLACK_SIGNING_SECRET="", SLACK_APP_TOKEN=APP_TOKEN
    ) as socket:
        async with httpx.AsyncClient() as client:
            assert (await client.post(f"{socket.url}/slack/events", content=b"{}")).status_code == 404
        await socket.api.wait_for(lambda: socket.api.successful("apps.connections.open"), what="apps.connections.open")
        assert socket.api.successful("apps.connections.open")[0].token == APP_TOKEN
        event = dm_event("are you a bot?")
        envelope = {
            "envelope_id": "env-1",
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": callback(event),
        }
        await socket.api.push(envelope)
        await socket.api.wait_for(lambda: socket.api.socket_acks, what="the envelope's acknowledgement")
        assert socket.api.socket_acks == [{"envelope_id": "env-1"}]
        assert [r["text"] for r in socket.inbound()] == ["are you a bot?"], "stored before the acknowledgement"
        [answer] = await socket.answers()
        assert answer["channel"] == DM and "not a person" in answer["text"]
        await socket.api.push({**envelope, "envelope_id": "env-2", "retry_attempt": 1, "retry_reason": "timeout"})
        await socket.api.wait_for(lambda: len(socket.api.socket_acks) == 2, what="the retry's acknowledgement")
        assert await socket.answers() == []


# -- rendering and configuration (no network) --------------------------------------------------------


def test_text_is_escaped_for_mrkdwn() -> None:
    assert escape("1 < 2 & 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2"
    assert render(Reply("R&D <b>")) == {"text": "R&amp;D &lt;b&gt;"}


def test_buttons_keep_within_slack_limits() -> None:
    long_title = "Tell me about the trial that studies " + "a very long name " * 10
    many = tuple(Button(f"Topic {i}", f"/faq_{i}") for i in range(30))
    rendered = render(Reply("x" * (MAX_SECTION_TEXT + 500), (Button(long_title, "/a"), Button("b", "p" * 2001), *many)))
    sections = [b for b in rendered["blocks"] if b["type"] == "section"]
    assert len(sections) == 2 and all(len(s["text"]["text"]) <= MAX_SECTION_TEXT for s in sections)
    elements = [e for b in rendered["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [len(b["elements"]) for b in rendered["blocks"] if b["type"] == "actions"] == [25, 6]
    assert len(elements) == 31, "the button whose payload is over 2000 characters is left out"
    first = elements[0]["text"]["text"]
    assert len(first) <= MAX_BUTTON_TEXT and first.endswith("…") and first.startswith("Tell me about")
    assert len({e["action_id"] for e in elements}) == 31


def test_mention_links_and_escapes_are_cleaned_from_what_people_type() -> None:
    text = f"<@{BOT_USER_ID}>  is <https://cancer.gov|cancer.gov> safe &amp; free? &lt;3 <@U0FRIEND>"
    assert slack.clean_text(text, BOT_USER_ID) == "is cancer.gov safe & free? <3 <@U0FRIEND>"


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xapp-1-oops", "SLACK_SIGNING_SECRET": "s"}, "xoxb-"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-oops"}, "xapp-"),
    ],
)
def test_half_done_slack_settings_fail_fast(environ: Dict[str, str], says: str) -> None:
    settings = gateway_settings("sqlite:///unused.db", "http://127.0.0.1:1/webhook", Path("unused"), **environ)
    with pytest.raises(ConfigError, match=says):
        slack.routes(settings)


def test_the_events_route_is_mounted_only_with_a_signing_secret() -> None:
    def paths(**environ: str) -> List[str]:
        settings = gateway_settings("sqlite:///unused.db", "http://127.0.0.1:1/webhook", Path("unused"), **environ)
        return [route.path for route in slack.routes(settings)]  # type: ignore[attr-defined]

    assert paths() == []
    assert paths(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s") == ["/slack/events"]
    assert paths(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN) == []
