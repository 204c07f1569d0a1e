"""Faults in the processes behind the gateway: the action server down, a Rasa worker killed.

These tests get their own pool of one Rasa worker and their own action server (on a fixed port,
so it can be stopped and started again), so the session's shared ones are never disturbed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import AsyncIterator, List, Optional

import httpx
import pytest
import pytest_asyncio

from bot.core.action_outage import UNAVAILABLE
from bot.core.pool import CorePool, CoreSettings
from bot.gateway.app import create_app
from bot.store.db import PROJECT_ROOT
from tests.conftest import free_port, gateway_settings, serve, wait_until_ready

SORRY = UNAVAILABLE.split(":")[0]


class ActionServer:
    """Our action server (rasa_sdk with our actions) as a process that can be stopped and started again."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self._database_url = database_url
        self._log = log
        self.process: Optional[subprocess.Popen] = None

    async def start(self) -> None:
        env = dict(os.environ, SANIC_HOST="127.0.0.1", DATABASE_URL=self._database_url)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.core.action_server", "--actions", "actions", "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log.open("a"),
            stderr=subprocess.STDOUT,
        )
        async with httpx.AsyncClient() as http:
            for _ in range(600):
                assert self.process.poll() is None, self._log.read_text()[-2000:]
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the action server did not start")

    def stop(self) -> None:
        """Kill it, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def actions(snapshot_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ActionServer]:
    server = ActionServer(snapshot_database_url, tmp_path_factory.mktemp("faults") / "actions.log")
    await server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def own_pool(model_path: Path, actions: ActionServer, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tracker = tmp_path_factory.mktemp("faults-tracker") / "tracker.db"
    pool = CorePool(
        CoreSettings(
            model_path=model_path,
            action_server_url=actions.url,
            tracker_store_url=f"sqlite:///{tracker}",
            workers=1,
            log_level="WARNING",
        )
    )
    await pool.start()
    await wait_until_ready(pool)
    yield pool
    await pool.stop()


async def say(http: httpx.AsyncClient, sender: str, text: str) -> List[str]:
    response = await http.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()]


@pytest.fixture
def start_gateway(database_url: str, actions: ActionServer, model_path: Path, own_pool: CorePool):  # type: ignore[no-untyped-def]
    return lambda: serve(create_app(gateway_settings(database_url, actions.url, model_path), core=own_pool))


async def test_action_server_down_gets_a_friendly_answer_and_the_conversation_recovers(  # type: ignore[no-untyped-def]
    start_gateway, actions: ActionServer
) -> None:
    async with start_gateway() as base_url, httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        assert any("How old" in t for t in await say(http, "down", "find a trial for breast cancer"))
        actions.stop()
        try:
            replies = await say(http, "down", "45")
            assert replies == [UNAVAILABLE], "one friendly message, not silence and not an error"
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and "action server" in " ".join(ready.json()["reasons"])
            assert (await say(http, "down", "what is a placebo")).count(UNAVAILABLE) <= 1
        finally:
            await actions.start()
        assert (await http.get("/readyz")).status_code == 200
        answer = " ".join(await say(http, "down", "I'm 45"))
        assert SORRY not in answer and "Where do you live" in answer
        found = " ".join(await say(http, "down", "77030"))
        assert "I found" in found and "breast cancer" in found, "the search goes on with what was given before"


async def test_a_killed_rasa_worker_is_restarted_and_its_conversations_go_on(  # type: ignore[no-untyped-def]
    start_gateway, own_pool: CorePool
) -> None:
    async with start_gateway() as base_url, httpx.AsyncClient(base_url=base_url, timeout=300) as http:
        assert any("How old" in t for t in await say(http, "killed", "find a trial for lung cancer"))
        [before] = own_pool.worker_info()
        os.kill(before["pid"], signal.SIGKILL)
        answer = " ".join(await say(http, "killed", "60"))  # waits for the restarted worker
        [after] = own_pool.worker_info()
        assert after["pid"] != before["pid"] and after["ready"]
        assert "Where do you live" in answer, "the form remembered the cancer type across the restart"
        found = " ".join(await say(http, "killed", "77030"))
        assert "lung cancer" in found and "I found" in found
