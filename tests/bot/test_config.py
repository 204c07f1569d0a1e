import os
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_run_locally_with_sqlite(tmp_path: Path) -> None:
    settings = load_settings(environ={}, env_file=tmp_path / "missing.env")
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.database_url == "sqlite:///trialbot.db"
    assert settings.core_workers == (os.cpu_count() or 1), "one Rasa worker per core"
    assert settings.telegram_bot_token is None
    assert settings.action_server_health_url == "http://127.0.0.1:5055/health"


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TRIALBOT_PORT=9000\nCORE_WORKERS=3\n")
    settings = load_settings(environ={"TRIALBOT_PORT": "9100"}, env_file=env_file)
    assert settings.port == 9100
    assert settings.core_workers == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRIALBOT_PORT", "eighty"),
        ("TRIALBOT_PORT", "70000"),
        ("CORE_WORKERS", "0"),
        ("DATABASE_URL", "trialbot.db"),
        ("ACTION_SERVER_URL", "localhost:5055"),
        ("LOG_LEVEL", "loud"),
        ("CORE_TIMEOUT_SECONDS", "-1"),
        ("RETENTION_DAYS", "-1"),
        ("RETENTION_DAYS", "a month"),
        ("METRICS_TOKEN", "too-short"),
        ("METRICS_TOKEN", "has spaces in the middle of it"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={name: value}, env_file=tmp_path / "missing.env")


@pytest.mark.parametrize(("value", "days"), [("", None), ("0", None), ("30", 30), (" 365 ", 365)])
def test_retention_days_is_a_number_of_days_or_keep_everything(tmp_path: Path, value: str, days: object) -> None:
    assert load_settings(environ={"RETENTION_DAYS": value}, env_file=tmp_path / "missing.env").retention_days == days
    assert load_settings(environ={}, env_file=tmp_path / "missing.env").retention_days is None


def test_secrets_stay_out_of_reprs(tmp_path: Path) -> None:
    token = "123456:not-a-real-token"
    metrics_token = "metrics-0123456789abcdef"
    settings = load_settings(
        environ={"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_SECRET": "s3cret", "METRICS_TOKEN": metrics_token},
        env_file=tmp_path / "x",
    )
    assert token not in repr(settings) and metrics_token not in repr(settings)
    assert str(settings.telegram_bot_token) == token
    assert str(settings.metrics_token) == metrics_token


def test_env_example_documents_every_variable() -> None:
    from bot.store.db import PROJECT_ROOT

    example = (PROJECT_ROOT / ".env.example").read_text()
    source = (PROJECT_ROOT / "bot" / "config.py").read_text()
    import re

    used = set(re.findall(r'get\("([A-Z_]+)"', source)) | set(
        re.findall(r'_optional_secret\(config, "([A-Z_]+)"\)', source)
    )
    assert used, "no variables found in bot/config.py"
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.M))
    assert used <= documented, f"undocumented in .env.example: {sorted(used - documented)}"
