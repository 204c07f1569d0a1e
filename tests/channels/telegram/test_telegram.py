"""Telegram end to end: the gateway (real model, actions, database) against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

import httpx
import pytest
import pytest_asyncio
import sqlalchemy
from starlette.applications import Starlette
from telegram import Update

from actions import remembering
from bot.config import ConfigError, load_settings
from bot.gateway.app import create_app
from bot.gateway.delivery import Address
from bot.messages import Button, Reply
from bot.router import MEDIA_REPLY
from bot.safety import crisis, emergency, honesty
from bot.safety.honesty import DISCLOSURE
from channels.telegram.render import (
    BUTTON_REFERENCE,
    EXPIRED_BUTTON,
    button_text,
    callback_data,
    command_text,
    split_text,
    utf16_len,
)
from tests.conftest import gateway_settings, serve
from tests.fakes.telegram_api import PHOTO, STICKER, FakeTelegramApi, callback_update, message_update

TOKEN = "123456:fake-token-for-tests"
SECRET = "webhook-secret-for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
NCT = re.compile(r"NCT\d{8}")


@dataclass
class Gateway:
    """A running gateway with Telegram switched on, and the fake Telegram it talks to."""

    app: Starlette
    url: str
    telegram: FakeTelegramApi
    database_url: str

    async def post(self, update: Dict[str, Any], secret: Optional[str] = SECRET) -> httpx.Response:
        headers = {HEADER: secret} if secret is not None else {}
        async with httpx.AsyncClient() as client:
            return await client.post(f"{self.url}/telegram/webhook", json=update, headers=headers)

    async def say(self, update: Dict[str, Any]) -> None:
        """Deliver an update through the webhook and wait until its answer has gone out."""
        response = await self.post(update)
        assert response.status_code == 200, response.text
        await self.app.state.outbox.drain(timeout=90)

    def rows(self) -> List[Tuple[str, str, Optional[str]]]:
        """Every stored message: (direction, text, platform message id), in order."""
        engine = sqlalchemy.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                query = "SELECT direction, text, platform_message_id FROM messages ORDER BY id"
                return [tuple(row) for row in connection.execute(sqlalchemy.text(query))]
        finally:
            engine.dispose()


@pytest_asyncio.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    fake = FakeTelegramApi(TOKEN)
    async with fake.running():
        yield fake


def credentials(telegram_api: FakeTelegramApi) -> Dict[str, str]:
    """The environment that switches Telegram on against the fake."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
    }


@contextlib.asynccontextmanager
async def telegram_gateway(
    telegram_api: FakeTelegramApi,
    database_url: str,
    action_server_url: str,
    model_path: Path,
    core_pool: Any,
    **environ: str,
) -> AsyncIterator[Gateway]:
    env = {**credentials(telegram_api), **environ}
    settings = gateway_settings(database_url, action_server_url, model_path, **env)
    app = create_app(settings, core=core_pool)
    await telegram_api.wait_for(lambda: core_pool.ready, timeout=600, what="the Rasa worker to load the model")
    async with serve(app) as url:
        yield Gateway(app, url, telegram_api, database_url)


@pytest_asyncio.fixture
async def gateway(telegram_api, database_url, action_server_url, model_path, core_pool):  # type: ignore[no-untyped-def]
    """The gateway in webhook mode (the default); unlike conftest's `gateway` it hands over the app, for `drain()`."""
    async with telegram_gateway(telegram_api, database_url, action_server_url, model_path, core_pool) as started:
        yield started


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def keyboard(message: Dict[str, Any]) -> List[Tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    assert all(len(row) == 1 for row in rows), "one button per row"
    return [(row[0]["text"], row[0]["callback_data"]) for row in rows]


# -- the webhook --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("user_id", "chat_id"), [(4101, 4101), (4102, -100777)], ids=["private", "group"])
async def test_a_message_is_stored_and_answered_in_its_chat(gateway: Gateway, user_id: int, chat_id: int) -> None:
    await gateway.say(message_update(7001, user_id, "are you a bot?", chat_id=chat_id))

    [answer] = gateway.telegram.sent_to(chat_id)
    assert "not a person" in answer["text"]
    inbound, reply = gateway.rows()
    assert inbound == ("inbound", "are you a bot?", "123456:7001")
    assert reply[:2] == ("outbound", answer["text"])
    assert gateway.telegram.successful("getMe"), "the token is checked at start-up"
    assert "parse_mode" not in gateway.telegram.successful("sendMessage")[0], "plain text, no Markdown"


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""], ids=["missing", "wrong", "empty"])
async def test_a_request_without_our_secret_is_refused_and_nothing_is_stored(
    gateway: Gateway, secret: Optional[str]
) -> None:
    response = await gateway.post(message_update(7002, 4103, "hello"), secret=secret)
    assert response.status_code == 403
    await gateway.app.state.outbox.drain()
    assert gateway.rows() == []
    assert gateway.telegram.successful("sendMessage") == []


async def test_malformed_bodies_get_400(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        for body in (b"not json", b"[1, 2]", b'{"update_id": "x", "message": 5}'):
            response = await client.post(f"{gateway.url}/telegram/webhook", content=body, headers={HEADER: SECRET})
            assert response.status_code == 400, body
    assert gateway.rows() == []


async def test_a_repeated_update_is_answered_once(gateway: Gateway) -> None:
    update = message_update(7003, 4104, "are you a bot?")
    first, second = await asyncio.gather(gateway.post(update), gateway.post(update))  # a retry racing the original
    assert first.status_code == second.status_code == 200
    await gateway.app.state.outbox.drain(timeout=90)
    answered = gateway.telegram.sent_to(4104)
    assert len(answered) == 1 and "not a person" in answered[0]["text"]

    await gateway.say(update)  # Telegram retries later, too
    assert gateway.telegram.sent_to(4104) == answered
    assert [r[0] for r in gateway.rows()] == ["inbound", "outbound"]


async def test_start_greets_and_says_it_is_an_automated_assistant(gateway: Gateway) -> None:
    await gateway.say(message_update(7004, 4105, "/start"))
    said = texts(gateway.telegram.sent_to(4105))
    assert "automated assistant" in said and "not a person" in said
    assert gateway.rows()[0][1] == "/greet"


async def test_help_shows_buttons_and_a_tap_is_answered(gateway: Gateway) -> None:
    await gateway.say(message_update(7005, 4106, "/help@trialbot_fake_bot"))
    [help_message] = gateway.telegram.sent_to(4106)
    assert "automated assistant" in help_message["text"]
    assert keyboard(help_message) == [
        ("What is a clinical trial?", "What is a clinical trial?"),
        ("Find a trial near me", "/search_trials"),
        ("How do I donate tissue?", "/donate_how"),
    ]

    tap = callback_update(7006, 4106, "/search_trials", query_id="cbq-1", keyboard_message=help_message)
    await gateway.say(tap)
    assert gateway.telegram.successful("answerCallbackQuery") == [{"callback_query_id": "cbq-1"}]
    asked = gateway.telegram.sent_to(4106)[1:]
    assert "What kind of cancer" in texts(asked)
    assert gateway.rows()[2][1:] == ("/search_trials", "callback:cbq-1")

    await gateway.say({**tap, "update_id": 7007})  # the same tap delivered again
    assert gateway.telegram.sent_to(4106)[1:] == asked


async def test_forget_asks_with_buttons_and_a_tap_on_yes_deletes_the_chat(gateway: Gateway) -> None:
    await gateway.say(message_update(7030, 4120, "what is a placebo"))
    await gateway.say(message_update(7031, 4121, "what is a placebo"))  # someone else
    await gateway.say(message_update(7032, 4120, "/forget@trialbot_fake_bot"))
    asked = gateway.telegram.sent_to(4120)[-1]
    assert asked["text"].startswith("Do you want me to delete everything I have about you?")
    assert keyboard(asked) == [("Yes, delete everything", "/forget_confirm"), ("No, keep it", "/forget_cancel")]

    await gateway.say(callback_update(7033, 4120, "/forget_confirm", query_id="cbq-forget", keyboard_message=asked))
    assert gateway.telegram.sent_to(4120)[-1]["text"].startswith("Done — I've deleted everything you wrote here")
    assert gateway.telegram.successful("answerCallbackQuery") == [{"callback_query_id": "cbq-forget"}]
    assert [row[1] for row in gateway.rows() if row[0] == "inbound"] == ["what is a placebo"], "only the other chat's"


async def test_a_payload_too_long_for_telegram_is_sent_as_the_buttons_title(gateway: Gateway) -> None:
    long_payload = "/ask_about" + '{"topic": "' + "x" * 80 + '"}'
    buttons = (Button("are you a bot?", long_payload), Button("Show more", "show more"))
    await gateway.app.state.outbox.send(Address("telegram", "4107", "4107"), [Reply("Pick one:", buttons)])
    [offer] = gateway.telegram.sent_to(4107)
    assert keyboard(offer) == [("are you a bot?", f"{BUTTON_REFERENCE}0"), ("Show more", "show more")]

    await gateway.say(callback_update(7008, 4107, f"{BUTTON_REFERENCE}0", query_id="cbq-2", keyboard_message=offer))
    assert "not a person" in gateway.telegram.sent_to(4107)[-1]["text"]
    assert gateway.rows()[0][1] == "are you a bot?"


async def test_a_tap_on_a_message_too_old_to_read_is_answered_with_a_notice(gateway: Gateway) -> None:
    inaccessible = {"chat": {"id": 4108, "type": "private"}, "message_id": 3, "date": 0}
    await gateway.say(callback_update(7009, 4108, f"{BUTTON_REFERENCE}1", "cbq-3", keyboard_message=inaccessible))
    answered = gateway.telegram.successful("answerCallbackQuery")
    assert answered == [{"callback_query_id": "cbq-3", "text": EXPIRED_BUTTON}]
    assert gateway.rows() == []


async def test_an_faq_answer_names_its_source_and_offers_follow_ups(gateway: Gateway) -> None:
    await gateway.say(message_update(7010, 4109, "do i have to pay to be in a trial?"))
    sent = gateway.telegram.sent_to(4109)
    assert "Source: https://" in texts(sent)
    assert any(keyboard(m) for m in sent)


async def test_a_trial_search_lists_results_with_buttons_and_a_tap_explains_one(gateway: Gateway) -> None:
    await gateway.say(message_update(7011, 4110, "I'm 34 with breast cancer in 77030"))
    sent = gateway.telegram.sent_to(4110)
    assert len(NCT.findall(texts(sent))) >= 3
    assert sent[-1]["text"] == remembering.QUESTION  # asked once, after the first results
    last = sent[-2]
    assert last["text"] == "Only the study team can say for sure if you can join."
    assert keyboard(last)[:2] == [("Tell me more about 1", "tell me more about 1"), ("Show more", "show more")]

    await gateway.say(callback_update(7012, 4110, "tell me more about 1", "cbq-4", keyboard_message=last))
    assert re.search(r"Full details: https://clinicaltrials\.gov/study/NCT\d{8}", texts(gateway.telegram.sent_to(4110)))


@pytest.mark.parametrize(
    ("content", "stored"),
    [
        ({"sticker": STICKER}, "[sticker]"),
        ({"photo": PHOTO, "caption": "is this trial legit?"}, "[photo] is this trial legit?"),
        ({"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}}, "[voice]"),
    ],
    ids=["sticker", "photo", "voice"],
)
async def test_other_content_gets_a_friendly_text_only_answer(
    gateway: Gateway, content: Dict[str, Any], stored: str
) -> None:
    await gateway.say(message_update(7013, 4111, **content))
    assert [m["text"] for m in gateway.telegram.sent_to(4111)] == [DISCLOSURE.text, MEDIA_REPLY.text]
    assert gateway.rows() == [
        ("inbound", stored, "123456:7013"),
        ("outbound", DISCLOSURE.text, None),
        ("outbound", MEDIA_REPLY.text, None),
    ], "kept for the transcript and answered by the router, not shown to the model"


def conversation_queue(database_url: str) -> List[Tuple[str, str]]:
    """(status, priority) of every stored conversation."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text("SELECT status, priority FROM conversations"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


async def test_a_captioned_photo_about_suicide_gets_the_crisis_lines_and_an_urgent_place_in_the_queue(
    gateway: Gateway,
) -> None:
    await gateway.say(message_update(7015, 4113, photo=PHOTO, caption="this is me before i kill myself"))
    sent = [m["text"] for m in gateway.telegram.sent_to(4113)]
    assert sent[0] == crisis.resources().text, "the crisis lines come first"
    assert "988" in sent[0] and honesty.AFTER_SAFETY.text in sent and MEDIA_REPLY.text not in sent
    assert conversation_queue(gateway.database_url) == [("waiting", "urgent")]
    stored = [text for direction, text, _ in gateway.rows() if direction == "outbound"]
    assert stored == sent, "every reply is stored, in the order it was sent"


async def test_a_photo_caption_describing_an_emergency_gets_911(gateway: Gateway) -> None:
    await gateway.say(message_update(7016, 4114, photo=PHOTO, caption="my dad is having chest pain and can't breathe"))
    sent = [m["text"] for m in gateway.telegram.sent_to(4114)]
    assert sent[0] == emergency.advice().text and MEDIA_REPLY.text not in sent


async def test_edits_channel_posts_and_service_messages_are_acknowledged_and_ignored(gateway: Gateway) -> None:
    edited = message_update(7014, 4112, "are you a bot??")["message"]
    joined = [{"id": 99, "is_bot": False, "first_name": "Al"}]
    bot = {"id": 123456, "is_bot": True, "first_name": "trialbot (fake)"}
    blocked = {
        "chat": {"id": 4112, "type": "private"},
        "from": {"id": 4112, "is_bot": False, "first_name": "Sam"},
        "date": 1,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": "kicked", "until_date": 0, "user": bot},
    }
    updates = [
        {"update_id": 7014, "edited_message": {**edited, "edit_date": int(time.time())}},
        {"update_id": 7015, "channel_post": {**edited, "chat": {"id": -1001, "type": "channel"}, "from": None}},
        message_update(7016, 4112, chat_id=-100778, new_chat_members=joined),
        {"update_id": 7017, "my_chat_member": blocked},
    ]
    for update in updates:
        await gateway.say(update)
    assert gateway.rows() == []
    assert gateway.telegram.successful("sendMessage") == []


# -- sending ----------------------------------------------------------------------------------------------


async def test_an_answer_survives_a_telegram_server_error_and_arrives_once(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """The gateway's own sender retries (details in tests/channels/test_outbound_retries.py)."""
    caplog.set_level(logging.WARNING, logger="channels.retries")
    gateway.telegram.fail_next("sendMessage", 502)
    await gateway.say(message_update(7019, 4115, "are you a bot?"))
    [answer] = gateway.telegram.sent_to(4115)
    assert "not a person" in answer["text"]
    assert len(gateway.telegram.attempted("sendMessage")) == 2
    engine = sqlalchemy.create_engine(gateway.database_url)
    try:
        with engine.connect() as connection:
            conversation = connection.execute(sqlalchemy.text("SELECT id FROM conversations")).scalar_one()
    finally:
        engine.dispose()
    assert f"conversation {conversation} (attempt 1)" in caplog.text


async def test_a_long_reply_arrives_in_pieces_within_telegrams_limit(gateway: Gateway) -> None:
    paragraphs = [f"Paragraph {i}." + " Trials test new ways to treat cancer." * 30 for i in range(12)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 3 * 4096
    await gateway.app.state.outbox.send(Address("telegram", "4113", "4113"), [Reply(text, (Button("OK", "ok"),))])
    pieces = gateway.telegram.sent_to(4113)
    assert len(pieces) == 4
    assert all(utf16_len(p["text"]) <= 4096 for p in pieces)
    assert all(p["text"].startswith("Paragraph") for p in pieces), "cut between paragraphs"
    assert "\n\n".join(p["text"] for p in pieces) == text
    assert [bool(p.get("reply_markup")) for p in pieces] == [False, False, False, True]


async def test_telegram_stays_off_without_a_token(database_url, action_server_url, model_path, core_pool) -> None:  # type: ignore[no-untyped-def]
    settings = gateway_settings(database_url, action_server_url, model_path)
    app = create_app(settings, core=core_pool)
    async with serve(app) as url, httpx.AsyncClient() as client:
        assert (await client.post(f"{url}/telegram/webhook", json={}, headers={HEADER: SECRET})).status_code == 404
        assert "telegram" not in app.state.outbox.channels()


async def test_logs_never_show_the_token_or_what_people_wrote(
    telegram_api,
    database_url,
    action_server_url,
    model_path,
    core_pool,
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    private = "my-private-words-about-my-diagnosis"
    async with telegram_gateway(telegram_api, database_url, action_server_url, model_path, core_pool) as gateway:
        await gateway.say(message_update(7018, 4114, f"are you a bot? {private}"))
        assert gateway.telegram.sent_to(4114)
    # aiosqlite logs every SQL statement with its parameters at DEBUG: a database-driver matter, not Telegram's.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("aiosqlite"))
    assert TOKEN.split(":")[1] not in logged
    assert "trialbot telegram set-webhook" in logged, "a missing webhook is pointed out at start-up"
    assert private not in logged
    assert logging.getLogger("telegram").level == logging.NOTSET, "PTB's log level is restored at stop"


# -- polling --------------------------------------------------------------------------------------------


async def test_polling_answers_queued_updates_and_stops_cleanly(
    telegram_api,
    database_url,
    action_server_url,
    model_path,
    core_pool,  # type: ignore[no-untyped-def]
) -> None:
    telegram_api.webhook = {"url": "https://old.example.org/telegram/webhook"}  # left over from webhook mode
    stack = contextlib.AsyncExitStack()
    gateway = await stack.enter_async_context(
        telegram_gateway(
            telegram_api,
            database_url,
            action_server_url,
            model_path,
            core_pool,
            TELEGRAM_MODE="polling",
            TELEGRAM_WEBHOOK_SECRET="",
        )
    )
    try:
        async with httpx.AsyncClient() as client:
            assert (await client.post(f"{gateway.url}/telegram/webhook", json={})).status_code == 404
        await telegram_api.queue(message_update(8001, 4201, "are you a bot?"))
        answered = await telegram_api.wait_for(lambda: telegram_api.sent_to(4201), what="the polled answer")
        assert "not a person" in answered[0]["text"]
        assert telegram_api.successful("deleteWebhook") and telegram_api.webhook == {}
        await telegram_api.wait_for(lambda: not telegram_api.pending(), what="the update to be confirmed")
        assert telegram_api.successful("getUpdates")[0]["allowed_updates"] == ["message", "callback_query"]
    finally:
        started = time.monotonic()
        await asyncio.wait_for(stack.aclose(), timeout=20)
    assert time.monotonic() - started < 10, "stopping does not wait for the long poll"
    assert [r[2] for r in gateway.rows()] == ["123456:8001", None]


# -- the command line -----------------------------------------------------------------------------------


async def run_cli(*args: str, tmp_path: Path, **environ: str) -> Tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=tmp_path,
        env={**env, **environ},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return int(process.returncode or 0), out.decode(), err.decode()


@pytest.mark.slow  # three runs of the command line, each a new Python process
async def test_set_webhook_registers_the_url_with_the_secret(telegram_api: FakeTelegramApi, tmp_path: Path) -> None:
    env = credentials(telegram_api)
    code, out, err = await run_cli("telegram", "set-webhook", "https://bot.example.org", tmp_path=tmp_path, **env)
    assert code == 0, err
    assert "https://bot.example.org/telegram/webhook" in out
    assert telegram_api.webhook == {
        "url": "https://bot.example.org/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }

    code, _, err = await run_cli("telegram", "set-webhook", "http://bot.example.org/hook", tmp_path=tmp_path, **env)
    assert code == 1 and "https url must be provided" in err.lower()

    wrong = {**env, "TELEGRAM_BOT_TOKEN": "123456:someone-elses-token"}
    code, out, err = await run_cli("telegram", "set-webhook", "https://x.example.org", tmp_path=tmp_path, **wrong)
    assert code == 1 and "rejected TELEGRAM_BOT_TOKEN" in err
    assert "someone-elses-token" not in out + err
    assert telegram_api.webhook["url"] == "https://bot.example.org/telegram/webhook"


# -- configuration and the pieces -------------------------------------------------------------------------


def test_webhook_mode_needs_a_secret_and_polling_does_not(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=tmp_path / "none")
    polling = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "Polling"}, env_file=tmp_path / "none")
    assert polling.telegram_mode == "polling" and polling.telegram_webhook_secret is None
    assert polling.telegram_api_base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"TELEGRAM_MODE": "push"}, "TELEGRAM_MODE"),
        ({"TELEGRAM_API_BASE_URL": "api.telegram.org"}, "TELEGRAM_API_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": "not a token", "TELEGRAM_WEBHOOK_SECRET": SECRET}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET"),
    ],
)
def test_bad_telegram_settings_fail_fast_without_showing_secrets(
    tmp_path: Path, environ: Dict[str, str], names: str
) -> None:
    with pytest.raises(ConfigError, match=names) as raised:
        load_settings(environ, env_file=tmp_path / "none")
    assert "not a token" not in str(raised.value) and "has spaces!" not in str(raised.value)


def test_split_text_prefers_paragraphs_then_lines_then_spaces() -> None:
    assert split_text("short") == ["short"]
    assert split_text("  \n ") == []
    assert split_text("aaaa\n\nbbbb cc\nddd", limit=10) == ["aaaa", "bbbb cc", "ddd"]
    assert split_text("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_text("a" * 25, limit=10) == ["a" * 10, "a" * 10, "a" * 5]


def test_split_text_counts_like_telegram_and_never_breaks_a_character() -> None:
    emoji = "🙂" * 3000  # 6000 UTF-16 units although only 3000 characters
    pieces = split_text(emoji)
    assert [utf16_len(p) for p in pieces] == [4096, 6000 - 4096]
    assert "".join(pieces) == emoji


def test_commands_map_to_payloads_and_other_commands_become_words() -> None:
    assert command_text("/start") == "/greet"
    assert command_text("/start deeplink-abc") == "/greet"
    assert command_text("/HELP@trialbot_bot") == "/help"
    assert command_text("/restart now") == "restart now"
    assert command_text("is /start a command?") == "is /start a command?"


def test_forget_is_a_command_and_arrives_as_forget() -> None:
    assert command_text("/forget") == "/forget"
    assert command_text("/forget@trialbot_bot") == "/forget"
    assert command_text("/Forget@trialbot_bot please") == "/forget"


def test_callback_data_is_the_payload_when_it_fits_in_64_bytes() -> None:
    assert callback_data(Button("Yes", "/affirm"), 0) == "/affirm"
    assert callback_data(Button("é", "é" * 32), 3) == "é" * 32  # 64 bytes exactly
    assert callback_data(Button("é", "é" * 33), 3) == f"{BUTTON_REFERENCE}3"
    assert callback_data(Button("Odd", f"{BUTTON_REFERENCE}9"), 1) == f"{BUTTON_REFERENCE}1"
    assert callback_data(Button("Empty", ""), 2) == f"{BUTTON_REFERENCE}2"


def test_a_button_reference_reads_the_tapped_buttons_title() -> None:
    message = {
        "message_id": 5,
        "date": 1,
        "chat": {"id": 1, "type": "private"},
        "text": "Pick",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "First", "callback_data": f"{BUTTON_REFERENCE}0"}],
                [{"text": "Second", "callback_data": f"{BUTTON_REFERENCE}1"}],
            ]
        },
    }
    tap = Update.de_json(callback_update(1, 1, f"{BUTTON_REFERENCE}1", "q", keyboard_message=message), None)
    assert button_text(tap.callback_query) == "Second"
    plain = Update.de_json(callback_update(2, 1, "show more", "q2", keyboard_message=message), None)
    assert button_text(plain.callback_query) == "show more"
    unknown = Update.de_json(callback_update(3, 1, f"{BUTTON_REFERENCE}7", "q3", keyboard_message=message), None)
    assert button_text(unknown.callback_query) is None
