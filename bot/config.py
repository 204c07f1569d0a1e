"""Typed settings, read once from the environment, then `.env`, then defaults; fails fast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Optional, TypeVar

from starlette.config import Config, Environ
from starlette.datastructures import Secret

from bot.office_hours import OfficeHours

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything trialbot can be configured with (see `.env.example`)."""

    host: str
    port: int
    database_url: str
    model_path: Path
    action_server_url: str
    core_workers: int
    core_timeout_seconds: float
    log_level: str
    telegram_bot_token: Optional[Secret]
    telegram_webhook_secret: Optional[Secret]
    slack_bot_token: Optional[Secret]
    slack_signing_secret: Optional[Secret]
    office_hours: OfficeHours
    handoff_wait_minutes: float
    console_session_hours: float
    console_secure_cookies: bool

    @property
    def action_server_health_url(self) -> str:
        """The action server's health endpoint, next to its webhook."""
        base = self.action_server_url.rsplit("/", 1)[0]
        return f"{base}/health"


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be greater than 0")
    return number


def _port(value: str) -> int:
    number = int(value)
    if not 0 < number < 65536:
        raise ValueError("must be between 1 and 65535")
    return number


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def _database_url(value: str) -> str:
    if "://" not in value:
        raise ValueError("must be a SQLAlchemy URL such as sqlite:///trialbot.db")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be true or false")


def _time_zone(value: str) -> str:
    OfficeHours.parse("always", value)  # raises ValueError for an unknown zone
    return value


def _optional_secret(config: Config, name: str) -> Optional[Secret]:
    value = config(name, default="")
    return Secret(value) if value else None


def load_settings(
    environ: Optional[Mapping[str, str]] = None, env_file: Optional[Path] = None
) -> Settings:
    """Read and validate all settings once; raise `ConfigError` naming the bad variable."""
    env_path = env_file if env_file is not None else Path(".env")
    config = Config(
        env_path if env_path.is_file() else None,
        environ=Environ(dict(environ if environ is not None else os.environ)),
    )

    def get(name: str, cast: Callable[[str], T], default: str) -> T:
        raw = config(name, default=default)
        try:
            return cast(raw)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{name}={raw!r} is not valid: {error}") from None

    return Settings(
        host=get("TRIALBOT_HOST", str, "127.0.0.1"),
        port=get("TRIALBOT_PORT", _port, "8000"),
        database_url=get("DATABASE_URL", _database_url, "sqlite:///trialbot.db"),
        model_path=get("MODEL_PATH", Path, "models/trialbot.tar.gz"),
        action_server_url=get("ACTION_SERVER_URL", _http_url, "http://127.0.0.1:5055/webhook"),
        core_workers=get("CORE_WORKERS", _positive_int, "1"),
        core_timeout_seconds=get("CORE_TIMEOUT_SECONDS", _positive_float, "30"),
        log_level=get("LOG_LEVEL", _log_level, "INFO"),
        telegram_bot_token=_optional_secret(config, "TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=_optional_secret(config, "TELEGRAM_WEBHOOK_SECRET"),
        slack_bot_token=_optional_secret(config, "SLACK_BOT_TOKEN"),
        slack_signing_secret=_optional_secret(config, "SLACK_SIGNING_SECRET"),
        office_hours=get(
            "HANDOFF_OFFICE_HOURS",
            lambda spec: OfficeHours.parse(spec, get("HANDOFF_TIMEZONE", _time_zone, "America/New_York")),
            "Mon-Fri 09:00-17:00",
        ),
        handoff_wait_minutes=get("HANDOFF_WAIT_MINUTES", _positive_float, "10"),
        console_session_hours=get("CONSOLE_SESSION_HOURS", _positive_float, "8"),
        console_secure_cookies=get("CONSOLE_SECURE_COOKIES", _bool, "false"),
    )
