"""Secrets come only from the environment and never reach the logs, even at DEBUG, even when refused.

The whole stack as `make run` starts it, with Telegram and Slack switched on against their fakes on
127.0.0.1 and every secret set; then good and bad requests on every door (a Telegram update and
one with a wrong secret token, a signed Slack event and a forged one, a console sign-in with a
wrong password, a metrics scrape with the token and one with a wrong token). Everything every
process printed is searched for each secret.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.channels.slack.test_slack import BOT_TOKEN, SIGNING_SECRET, callback, dm_event
from tests.channels.telegram.test_telegram import HEADER, SECRET, TOKEN
from tests.conftest import free_port
from tests.fakes.slack_api import FakeSlackApi, sign
from tests.fakes.telegram_api import FakeTelegramApi, message_update
from tests.stack import environment, launch

PASSWORD = "correct-horse-battery-staple-not-logged"
METRICS_TOKEN = "metrics-token-not-logged-0123456789"

pytestmark = [pytest.mark.model, pytest.mark.stack]  # `make run` as a subprocess, with the model


async def test_no_secret_is_ever_logged(model_path: Path, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trialbot.db'}"
    telegram, slack = FakeTelegramApi(TOKEN), FakeSlackApi(BOT_TOKEN)
    async with telegram.running(), slack.running():
        env = environment(database, free_port(), free_port(), model_path, workers=1)
        env.update(
            LOG_LEVEL="DEBUG",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_API_BASE_URL=telegram.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=slack.base_url,
            METRICS_TOKEN=METRICS_TOKEN,
        )
        stack = await asyncio.to_thread(launch, env, 600, tmp_path / "stack.log")  # the fakes answer meanwhile
        try:
            async with httpx.AsyncClient(base_url=stack.base_url, timeout=120) as http:
                hook = "/telegram/webhook"
                good = await http.post(hook, json=message_update(1, 77, "hi"), headers={HEADER: SECRET})
                assert good.status_code == 200
                wrong = await http.post(hook, json=message_update(2, 77, "hi"), headers={HEADER: SECRET + "x"})
                assert wrong.status_code == 403
                await telegram.wait_for(lambda: telegram.sent_to(77), what="the Telegram answer")

                body = json.dumps(callback(dm_event("hi"))).encode()
                signed = {"Content-Type": "application/json", **sign(SIGNING_SECRET, body)}
                assert (await http.post("/slack/events", content=body, headers=signed)).status_code == 200
                forged = {"Content-Type": "application/json", **sign(SIGNING_SECRET + "x", body)}
                assert (await http.post("/slack/events", content=body, headers=forged)).status_code == 401
                await slack.wait_for(lambda: slack.posted(), what="the Slack answer")

                form = await http.get("/console/login")
                csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                refused = await http.post(
                    "/console/login", data={"email": "nobody@example.org", "password": PASSWORD, "csrf_token": csrf}
                )
                assert refused.status_code in (200, 303, 400, 401, 403)

                scraped = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
                assert scraped.status_code == 200
                wrong_token = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"})
                assert wrong_token.status_code == 401
        finally:
            stack.stop()
    logged = "\n".join(stack.output)
    assert " DEBUG " in logged, "the log is at its most talkative"
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET, BOT_TOKEN, SIGNING_SECRET, PASSWORD, METRICS_TOKEN):
        assert secret not in logged, f"a secret ({secret[:6]}…) is in the stack's output"
