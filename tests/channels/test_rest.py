import subprocess
import sys
import time

import httpx
import pytest

from bot.store.db import PROJECT_ROOT
from tests.conftest import free_port
from tests.replies import after_disclosure
from tests.stack import chat


def test_contract_shape_with_recipient_and_text(running_stack) -> None:  # type: ignore[no-untyped-def]
    replies = chat(running_stack.base_url, "rest-shape", "hello")
    assert replies and all(set(r) >= {"recipient_id", "text"} for r in replies)
    assert {r["recipient_id"] for r in replies} == {"rest-shape"}
    assert "automated assistant" in replies[0]["text"]


def test_fallback_offers_topic_buttons_from_the_action_server(running_stack) -> None:  # type: ignore[no-untyped-def]
    from actions.fallback import catalog
    from bot.faq.suggestions import STARTER_TOPICS

    replies = chat(running_stack.base_url, "rest-fallback", "/nlu_fallback")
    [reply] = after_disclosure(replies)
    assert "another way" in reply["text"]
    expected = [catalog().get(i) for i in STARTER_TOPICS]
    assert reply["buttons"] == [{"title": t.title, "payload": t.canonical_question} for t in expected]


def test_a_retried_message_id_gets_the_same_answer_once(running_stack) -> None:  # type: ignore[no-untyped-def]
    first = chat(running_stack.base_url, "rest-retry", "are you a bot?", message_id="r-1")
    again = chat(running_stack.base_url, "rest-retry", "are you a bot?", message_id="r-1")
    assert first == again and "not a person" in first[0]["text"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b"not json", "application/json", 400, "JSON"),
        (b"[1, 2]", "application/json", 400, "object"),
        (b'{"message": "hi"}', "application/json", 400, "sender"),
        (b'{"sender": "", "message": "hi"}', "application/json", 400, "sender"),
        (b'{"sender": "x", "message": 5}', "application/json", 400, "message"),
        (b'{"sender": "x", "message": "' + b"a" * 70000 + b'"}', "application/json", 413, "larger"),
    ],
)
def test_bad_requests_get_a_clear_4xx(running_stack, body, content_type, status, says) -> None:  # type: ignore[no-untyped-def]
    response = httpx.post(
        f"{running_stack.base_url}/webhooks/rest/webhook", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert says in response.json()["error"]


def test_ready_lists_both_workers(running_stack) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{running_stack.base_url}/readyz")
    assert response.status_code == 200
    assert response.json()["workers_total"] == 2 and response.json()["workers_ready"] >= 1
    deadline = time.monotonic() + 600  # the second worker loads after the first (slow on shared cores)
    while response.json()["workers_ready"] < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = httpx.get(f"{running_stack.base_url}/readyz")
    workers = response.json()["workers"]
    assert sorted(w["index"] for w in workers) == [0, 1]
    assert all(w["ready"] for w in workers)
    assert len({w["pid"] for w in workers}) == 2
    assert httpx.get(f"{running_stack.base_url}/healthz").json() == {"status": "ok"}


@pytest.mark.slow  # starts `bot.cli serve` in a subprocess
def test_not_ready_says_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "MODEL_PATH": str(tmp_path / "no-model.tar.gz"),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}/webhook",
        "TRIALBOT_PORT": str(port),
    }
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], cwd=PROJECT_ROOT, env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/readyz")
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert response.status_code == 503
        reasons = " ".join(response.json()["reasons"])
        assert "no trained model" in reasons
        assert "action server" in reasons
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        replies = httpx.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": "s", "message": "hi"}
        ).json()
        assert "trouble" in after_disclosure(replies)[0]["text"], "a person still gets a friendly answer"
    finally:
        process.terminate()
        process.wait(timeout=20)
