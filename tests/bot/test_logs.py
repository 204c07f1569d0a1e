"""Logs never hold what people wrote or who they are: the masks, each process's logging set-up, database
errors, and a whole conversation through an in-process gateway logged at DEBUG."""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
import sys
import textwrap
from typing import Any, Iterator, List

import httpx
import pytest
import websockets
from sqlalchemy.exc import IntegrityError

from bot import logs
from bot.messages import InboundMessage
from bot.store.db import PROJECT_ROOT
from bot.store.repository import ConversationRepository

MASKED = [
    ("write to jane.doe+trials@example.org", "write to [email]"),
    ("call 713-555-0123 or (713) 555-0123", "call [phone] or [phone]"),
    ("or +1 713 555 0123, or +44 20 7946 0958", "or [phone], or [phone]"),
    ("telegram chat -1001234567890 of user 7781234567", "telegram chat -[number] of user [number]"),
    ("sender person-7781234567", "sender person-[number]"),
    ("slack U012AB3CD45 in C0123456789 (T01ABCDEF2)", "slack [slack-id] in [slack-id] ([slack-id])"),
    ("client ('203.0.113.9', 51234)", "client ('[ip]', 51234)"),
]
KEPT = [
    "2026-11-21 20:01:13,123 INFO bot.core.pool: Rasa worker 0 ready in 53.47s",
    "conversation 3f2a1234567b4c5d6e7f8a9b0c1d2e3f answered",
    "trial NCT01234567 shown",
    "gateway on 127.0.0.1:8000, listening on 0.0.0.0",
    "WARNING CONNECTIONS 77030 34 pid 123456",
    "took 0.123456789 s; rasa 3.6.21",
]


@pytest.mark.parametrize(("line", "expected"), MASKED)
def test_identifiers_are_masked(line: str, expected: str) -> None:
    assert logs.mask(line) == expected


@pytest.mark.parametrize("line", KEPT)
def test_times_ids_of_ours_trials_and_small_numbers_are_kept(line: str) -> None:
    assert logs.mask(line) == line


def test_the_formatter_masks_the_whole_line_traceback_included() -> None:
    formatter = logs.MaskingFormatter(logging.Formatter("%(levelname)s %(message)s"))
    try:
        raise ValueError("could not reach jane.doe@example.org")
    except ValueError:
        failure = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "chat %s failed", ("-1001234567890",), failure)
    line = formatter.format(record)
    assert line.startswith("ERROR chat -[number] failed\nTraceback")
    assert "ValueError: could not reach [email]" in line
    assert "jane.doe" not in line and "1001234567890" not in line


def _python(code: str) -> str:
    """Run code in a fresh interpreter (logging set-up is global); its stdout and stderr together."""
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    return run.stdout + run.stderr


def test_the_gateways_logging_masks_and_keeps_wordy_libraries_at_info() -> None:
    output = _python(
        """
        import logging
        from bot import logs
        logs.configure("DEBUG")
        logging.getLogger("aiosqlite").debug("executing INSERT with ('my zebrafish words',)")
        logging.getLogger("uvicorn.error").debug("< TEXT '{\\"text\\": \\"my zebrafish words\\"}'")
        logging.getLogger("bot.router").debug("conversation %s asked from %s", "3f2a9b", "+1 713 555 0123")
        try:
            raise RuntimeError("no route to jane.doe@example.org")
        except RuntimeError:
            logging.getLogger("bot.gateway.delivery").exception("Background job failed")
        """
    )
    assert "zebrafish" not in output, "library debug lines with people's words are not logged"
    assert "DEBUG bot.router: conversation 3f2a9b asked from [phone]" in output
    assert "RuntimeError: no route to [email]" in output and "jane.doe" not in output


def test_deprecation_warnings_and_request_lines_are_kept_for_debug() -> None:
    """Libraries' deprecation warnings (before and after logging is set up) and httpx's line per request
    reach the log only at DEBUG; other warnings are still shown."""
    script = """
        import logging, warnings
        import bot
        from bot import logs
        warnings.warn("zebra_early is deprecated", DeprecationWarning)
        logs.configure("{level}")
        class MovedIn20Warning(DeprecationWarning):  # like SQLAlchemy's
            pass
        warnings.warn("zebra_late is deprecated", MovedIn20Warning)
        warnings.warn("zebra_user warning", UserWarning)
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1:5055/health zebra_request")
        """
    normal = _python(script.replace("{level}", "INFO"))
    assert "zebra_early" not in normal and "zebra_late" not in normal and "zebra_request" not in normal
    assert "UserWarning: zebra_user warning" in normal
    debug = _python(script.replace("{level}", "DEBUG"))
    assert "DEBUG py.warnings:" in debug
    assert "DeprecationWarning: zebra_early is deprecated" in debug
    assert "MovedIn20Warning: zebra_late is deprecated" in debug
    assert "zebra_request" in debug


def test_a_rasa_workers_logging_stays_at_info_and_masks() -> None:
    output = _python(
        """
        import logging, structlog
        from bot.core.worker import configure_rasa_logging
        configure_rasa_logging("DEBUG")
        logging.getLogger("rasa.core.processor").debug("Received user message 'my zebrafish words'")
        structlog.get_logger().debug("processor.message.parse", parse_data_text="my zebrafish words")
        structlog.get_logger().info("processor.note", detail="write to jane.doe@example.org")
        logging.getLogger("rasa.core.agent").warning("chat -1001234567890 is odd")
        """
    )
    assert "zebrafish" not in output
    assert "[email]" in output and "jane.doe" not in output
    assert "chat -[number] is odd" in output


async def test_database_errors_do_not_quote_what_people_wrote(sessions) -> None:  # type: ignore[no-untyped-def]
    inbound = InboundMessage(channel="rest", platform_user_id="p", text="my zebrafish words", platform_message_id="m1")
    async with sessions() as session:
        repo = ConversationRepository(session)
        conversation = await repo.open_conversation(inbound)
        await repo.add_inbound(conversation, inbound)
        with pytest.raises(IntegrityError) as raised:
            await repo.add_inbound(conversation, inbound)
    assert "UNIQUE constraint failed" in str(raised.value) or "duplicate key value" in str(raised.value)
    assert "zebrafish" not in str(raised.value) and "hidden" in str(raised.value)


# A whole conversation through an in-process gateway, every logger at DEBUG.

SENDER = "person-7781234567"
WEBCHAT_SESSION = "person7781234567" + secrets.token_hex(4)
SAID = [
    "my zebrafish sarcoma question 7th",
    "I'm 34 with breast cancer in 77030, zebrafish",
    "reach me at zebra.fish@example.org or 713-555-0199",
    "can I talk to someone real about my zebrafish",
    "/forget",
    "/forget_confirm",
]


@pytest.fixture
def everything_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, as LOG_LEVEL=DEBUG makes it, with `trialbot serve`'s floors for wordy libraries."""
    caplog.set_level(logging.DEBUG)
    levels = {name: logging.getLogger(name).level for name in logs.QUIET}
    logs.quiet_libraries()
    logging.getLogger("uvicorn.error").setLevel(logs.level_for_libraries("DEBUG"))
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _logged(records: List[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


async def test_a_conversation_at_debug_logs_none_of_its_words_or_ids(  # type: ignore[no-untyped-def]
    gateway, everything_at_debug: pytest.LogCaptureFixture
) -> None:
    answers: List[Any] = []
    async with gateway(HANDOFF_OFFICE_HOURS="always", HANDOFF_TIMEZONE="UTC") as url:
        async with httpx.AsyncClient(timeout=60) as client:
            for number, text in enumerate(SAID):
                payload = {"sender": SENDER, "message": text, "message_id": f"msg-{number}-7781234567"}
                for _ in range(2 if number == 0 else 1):  # the first one is delivered twice
                    response = await client.post(f"{url}/webhooks/rest/webhook", json=payload)
                    response.raise_for_status()
                answers.append(response.json())
        async with websockets.connect(url.replace("http://", "ws://") + "/webchat/ws") as ws:
            await ws.send(json.dumps({"type": "hello", "session": WEBCHAT_SESSION}))
            await ws.recv()
            await ws.send(json.dumps({"type": "message", "id": "c1", "text": "web zebrafish words"}))
            while json.loads(await ws.recv()) != {"type": "typing", "on": False}:
                pass
    assert "1st in line" in answers[3][0]["text"] and answers[-1][0]["text"].startswith("Done")
    records = everything_at_debug.records
    logged = _logged(records)
    assert "Ignoring a repeated delivery of a message in conversation" in logged, "the DEBUG capture works"
    assert "Deleted a participant's data on request" in logged
    assert {r.name.split(".")[0] for r in records} >= {"bot", "httpx"}
    for secret in ("zebrafish", "zebra.fish", "555-0199", "77030", "7781234567", "breast", WEBCHAT_SESSION):
        assert secret not in logged, f"{secret!r} was logged"
    for text in SAID[:4]:
        assert text not in logged
