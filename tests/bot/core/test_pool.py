import asyncio
from pathlib import Path

import pytest

from bot.core.pool import CoreError, CorePool, CoreSettings


def _settings(**overrides) -> CoreSettings:  # type: ignore[no-untyped-def]
    values = dict(
        model_path=Path("models/trialbot.tar.gz"),
        action_server_url="http://127.0.0.1:9/webhook",
        tracker_store_url="sqlite://",
        workers=4,
    )
    values.update(overrides)
    return CoreSettings(**values)


async def test_answers_once_the_first_worker_has_loaded_and_shares_conversations_later(
    model_path: Path, action_server_url: str, tmp_path: Path
) -> None:
    from tests.conftest import wait_until_ready

    pool = CorePool(
        _settings(
            model_path=model_path,
            action_server_url=action_server_url,
            tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
            workers=2,
            tf_threads=1,
            log_level="WARNING",
        )
    )
    await pool.start()
    try:
        await wait_until_ready(pool)
        assert pool.ready and not pool.all_ready, "the second worker only starts loading now"
        assert [w["ready"] for w in pool.worker_info()] == [True, False]
        early = await pool.handle("early", "hello")
        assert "automated assistant" in early[0]["text"]
        assert pool.owner("early") == 0
        while not pool.all_ready:
            assert "could not load" not in pool.status()
            await asyncio.sleep(0.5)
        # While worker 0 answers "early", a new conversation goes to the idle worker 1 and stays there.
        first, late = await asyncio.gather(
            pool.handle("early", "what is a clinical trial"), pool.handle("late", "hello")
        )
        assert first and "automated assistant" in late[0]["text"]
        assert (pool.owner("early"), pool.owner("late")) == (0, 1)
        assert "not a person" in (await pool.handle("late", "are you a bot?"))[0]["text"]
        assert pool.owner("late") == 1
        assert [w["ready"] for w in pool.worker_info()] == [True, True]
    finally:
        await pool.stop()


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
    assert "Take care" in own[3][0]["text"] and "988" in own[3][0]["text"]  # a goodbye also says where to turn
    assert all("trialbot" in r[0]["text"] for r in results[len(messages) :])
