"""Trial alerts end to end, as people use them: subscribe in chat after a trial search (Telegram, Slack and the web
chat), a snapshot with a new matching trial is imported (`trialbot trials import`), the job runs with a controlled
clock (`trialbot alerts run --now`), and exactly one alert arrives at the fake Telegram and Slack APIs and in the web
chat after the person comes back (with the count on the launcher before). STOP ends alerts at once.

The whole `trialbot run` stack (trained model, action server, gateway) runs against the fake platforms on
127.0.0.1, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
import websockets

from bot.alerts import texts
from bot.store.db import PROJECT_ROOT
from tests.alert_trials import new_trial
from tests.channels.slack.test_slack import BOT_TOKEN, DM, SIGNING_SECRET, callback, dm_event
from tests.channels.telegram.test_telegram import TOKEN
from tests.channels.webchat.test_webchat import hello, replies_in, say
from tests.conftest import free_port
from tests.fakes.slack_api import FakeSlackApi, sign
from tests.fakes.telegram_api import FakeTelegramApi, callback_update, message_update
from tests.stack import Launched, chat, environment, launch, query

pytestmark = [pytest.mark.model, pytest.mark.stack]

CHAT = 8801
SEARCH = "my wife has breast cancer, she's 52, we live in Nashville TN. any trials?"
FIRST_NEW, SECOND_NEW = "NCT09990001", "NCT09990002"


def _cli(database_url: str, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *arguments],
        cwd=PROJECT_ROOT,
        env={**environment(database_url, free_port(), free_port(), Path("unused"), 1), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _import(database_url: str, tmp_path: Path, nct_id: str) -> None:
    path = tmp_path / f"{nct_id}.json"
    path.write_text(json.dumps(new_trial(nct_id, f"A new HER2-targeted study ({nct_id})")))
    assert "1 inserted" in _cli(database_url, "trials", "--database-url", database_url, "import", str(path))


def _run_job(database_url: str) -> str:
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    afternoon = tomorrow.replace(hour=18, minute=0, second=0, microsecond=0)  # noon in Nashville, every run
    return _cli(database_url, "alerts", "run", "--database-url", database_url, "--now", afternoon.isoformat())


class Slack:
    """Signed Events API requests to the stack (the Slack tests' events), and what it posted at the fake."""

    def __init__(self, base_url: str, api: FakeSlackApi) -> None:
        self.base_url, self.api = base_url, api

    async def say(self, words: str) -> None:
        body = json.dumps(callback(dm_event(words))).encode()
        headers = {"Content-Type": "application/json", **sign(SIGNING_SECRET, body)}
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{self.base_url}/slack/events", content=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text

    def posted(self) -> List[Dict[str, Any]]:
        return [p for p in self.api.posted() if p.get("channel") == DM]


async def _web_chat(url: str, session: str, *messages: str) -> List[Dict[str, Any]]:
    """Say each message in the web chat (the web chat tests' helpers) and return every reply."""
    replies: List[Dict[str, Any]] = []
    async with websockets.connect(url) as ws:
        await hello(ws, session)
        for n, words in enumerate(messages):
            replies.extend(replies_in(await say(ws, f"m{n}", words)))
    return replies


async def _history(url: str, session: str) -> List[Dict[str, Any]]:
    async with websockets.connect(url) as ws:
        return list((await hello(ws, session))["messages"])


async def _unread(base_url: str, session: str) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base_url}/webchat/unread", params={"session": session})
    assert response.status_code == 200
    return int(response.json()["unread"])


def _alerts_in(messages: List[str], nct_id: str) -> List[str]:
    return [m for m in messages if nct_id in m and "clinicaltrials.gov/study" in m]


async def test_subscribe_import_run_and_exactly_one_alert_on_each_channel_then_stop(
    database_url: str, model_path: Path, tmp_path: Path
) -> None:
    telegram = FakeTelegramApi(TOKEN)
    async with telegram.running(), FakeSlackApi(BOT_TOKEN).running() as slack_api:
        env = environment(database_url, free_port(), free_port(), model_path, workers=1)
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_MODE="polling",
            TELEGRAM_API_BASE_URL=telegram.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=slack_api.base_url,
            OUTBOX_POLL_SECONDS="0.5",
            ALERTS_TIME="off",
        )
        stack: Launched = await asyncio.to_thread(launch, env, 420, tmp_path / "stack.log")
        try:
            await _scenario(stack, telegram, Slack(stack.base_url, slack_api), database_url, tmp_path)
        finally:
            stack.stop()


async def _telegram_says(telegram: FakeTelegramApi, update: Dict[str, Any], replies: int = 1) -> List[Dict[str, Any]]:
    before = len(telegram.sent_to(CHAT))
    del update["update_id"]  # the fake numbers them
    await telegram.queue(update)
    await telegram.wait_for(lambda: len(telegram.sent_to(CHAT)) >= before + replies, timeout=120)
    await asyncio.sleep(1.5)  # the rest of the answer
    return telegram.sent_to(CHAT)[before:]


def _button(messages: List[Dict[str, Any]], payload: str) -> Optional[Dict[str, Any]]:
    for message in messages:
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            if any(button.get("callback_data") == payload for button in row):
                return message
    return None


async def _scenario(
    stack: Launched, telegram: FakeTelegramApi, slack: Slack, database_url: str, tmp_path: Path
) -> None:
    ws_url = stack.base_url.replace("http", "ws", 1) + "/webchat/ws"
    session = "alerts-web-chat-session-1"

    # REST cannot write later: said at once, before any search.
    rest = await asyncio.to_thread(chat, stack.base_url, "rest-person", "tell me when new trials open")
    assert [r["text"] for r in rest][-1] == texts.say("not_here")

    # Telegram: a search, the offer's button, the tumor profile in the person's words, yes.
    results = await _telegram_says(telegram, message_update(0, CHAT, SEARCH), replies=2)
    offer_at = _button(results, texts.OFFER)
    assert offer_at is not None, [m["text"] for m in results]
    offered = await _telegram_says(telegram, callback_update(0, CHAT, texts.OFFER, "cb-offer", offer_at))
    assert any("stop alerts" in m["text"] and "keep" in m["text"] for m in offered), "says what is kept, how to stop"
    noted = await _telegram_says(telegram, message_update(0, CHAT, "shes her2 positive"))
    assert any("HER2-positive" in m["text"] for m in noted)
    confirmed = await _telegram_says(telegram, callback_update(0, CHAT, texts.CONFIRM, "cb-yes", noted[-1]))
    assert any("I'm watching for new" in m["text"] for m in confirmed)

    # Slack: asking in words before any search; the search; the offer comes with the results; yes.
    before = len(slack.posted())
    await slack.say("can you tell me when new trials open?")
    await slack.api.wait_for(lambda: len(slack.posted()) > before, timeout=120)
    await slack.say("breast cancer, she is 52, nashville tn")
    await slack.api.wait_for(lambda: any("Shall I watch" in p["text"] for p in slack.posted()[before:]), timeout=120)
    await slack.say(texts.CONFIRM)
    await slack.api.wait_for(lambda: any("I'm watching" in p["text"] for p in slack.posted()[before:]), timeout=120)

    # Web chat: the same, then the tab is closed.
    said = await _web_chat(ws_url, session, SEARCH, texts.OFFER, texts.CONFIRM)
    assert any("I'm watching for new" in m["text"] for m in said), [m["text"] for m in said]

    subscribed = query(database_url, "SELECT channel, status, terms FROM alert_subscriptions ORDER BY id")
    assert sorted((c, s) for c, s, _ in subscribed) == [
        ("slack", "active"),
        ("telegram", "active"),
        ("webchat", "active"),
    ]

    # A new matching trial arrives; the job runs with a controlled clock.
    telegram_before, slack_before = len(telegram.sent_to(CHAT)), len(slack.posted())
    _import(database_url, tmp_path, FIRST_NEW)
    assert "3 alerts" in _run_job(database_url)
    await telegram.wait_for(lambda: _alerts_in([m["text"] for m in telegram.sent_to(CHAT)], FIRST_NEW), timeout=60)
    await slack.api.wait_for(lambda: _alerts_in([p["text"] for p in slack.posted()], FIRST_NEW), timeout=60)
    await telegram.wait_for(
        lambda: query(database_url, "SELECT count(*) FROM outbox WHERE state = 'waiting'")[0][0] == 1
    )
    assert "0 alerts" in _run_job(database_url), "a trial is never sent twice"
    await asyncio.sleep(2.0)

    new_at_telegram = telegram.sent_to(CHAT)[telegram_before:]
    assert len(new_at_telegram) == 1, "exactly one alert message"
    alert = new_at_telegram[0]
    assert FIRST_NEW in alert["text"] and "mentions HER2-positive" in alert["text"], alert["text"]
    assert "qualify" not in alert["text"] and "eligible" not in alert["text"]
    assert any(b["callback_data"] == texts.STOP for row in alert["reply_markup"]["inline_keyboard"] for b in row)
    new_at_slack = slack.posted()[slack_before:]
    assert len(new_at_slack) == 1 and FIRST_NEW in new_at_slack[0]["text"]

    # The web chat: a count on the launcher, then the alert in the history when the person comes back.
    assert await _unread(stack.base_url, session) == 1
    history = await _history(ws_url, session)
    assert FIRST_NEW in history[-1]["text"]
    assert await _unread(stack.base_url, session) == 0

    # "tell me more" from the alert, then STOP on Telegram: no more alerts there; the others still get the next one.
    more = await _telegram_says(telegram, callback_update(0, CHAT, f"tell me more about {FIRST_NEW}", "cb-more", alert))
    assert any(FIRST_NEW in m["text"] for m in more)
    stopped = await _telegram_says(telegram, message_update(0, CHAT, "STOP"))
    assert [m["text"] for m in stopped] == [texts.say("stopped")]
    telegram_before, slack_before = len(telegram.sent_to(CHAT)), len(slack.posted())
    _import(database_url, tmp_path, SECOND_NEW)
    assert "2 alerts" in _run_job(database_url)
    await slack.api.wait_for(lambda: _alerts_in([p["text"] for p in slack.posted()], SECOND_NEW), timeout=60)
    await asyncio.sleep(2.0)
    assert telegram.sent_to(CHAT)[telegram_before:] == [], "nothing after STOP"
    stopped_row = query(
        database_url, "SELECT condition, latitude, stop_reason FROM alert_subscriptions WHERE channel = 'telegram'"
    )
    assert stopped_row == [(None, None, "asked")], "a stopped subscription keeps no profile"
