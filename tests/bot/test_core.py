import asyncio
from pathlib import Path

import pytest

from bot.core import CoreError, CorePool, CoreSettings


def _settings(**overrides) -> CoreSettings:  # type: ignore[no-untyped-def]
    values = dict(
        model_path=Path("models/trialbot.tar.gz"),
        action_server_url="http://127.0.0.1:9/webhook",
        tracker_store_url="sqlite://",
        workers=4,
    )
    values.update(overrides)
    return CoreSettings(**values)


def test_affinity_is_stable_and_spreads_conversations() -> None:
    pool = CorePool(_settings())
    ids = [f"conversation-{i}" for i in range(200)]
    first = [pool.worker_index(i) for i in ids]
    assert first == [CorePool(_settings()).worker_index(i) for i in ids], "same worker after a restart"
    assert set(first) == {0, 1, 2, 3}


async def test_missing_model_is_reported_not_hidden(tmp_path: Path) -> None:
    pool = CorePool(_settings(model_path=tmp_path / "none.tar.gz"))
    with pytest.raises(CoreError, match="no trained model"):
        await pool.start()
    assert not pool.ready
    assert "no trained model" in pool.status()
    with pytest.raises(CoreError):
        await pool.handle("c1", "hi")


async def test_real_model_answers_and_reports_its_workers(core_pool: CorePool) -> None:
    replies = await core_pool.handle("core-test-1", "hello")
    assert core_pool.ready
    assert "automated assistant" in replies[0]["text"]
    [info] = core_pool.worker_info()
    assert info["pid"] > 0 and info["load_seconds"] > 0


async def test_one_conversation_is_answered_in_order_while_others_run(core_pool: CorePool) -> None:
    messages = ["hi", "are you a bot?", "thanks", "bye"]
    results = await asyncio.gather(
        *(core_pool.handle("core-order", m) for m in messages),
        *(core_pool.handle(f"core-other-{i}", "hello") for i in range(5)),
    )
    own = results[: len(messages)]
    assert "automated assistant" in own[0][0]["text"]
    assert "not a person" in own[1][0]["text"]
    assert "welcome" in own[2][0]["text"]
    assert "Take care" in own[3][0]["text"]
    assert all("trialbot" in r[0]["text"] for r in results[len(messages):])
