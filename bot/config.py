"""Typed settings, read once from the environment, then `.env`, then defaults; fails fast."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Optional, Tuple, TypeVar

from starlette.config import Config, Environ
from starlette.datastructures import Secret

from bot.faq.attached_questions import MISSED_DIR
from bot.handoff.office_hours import OfficeHours

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
    webchat_allowed_origins: Tuple[str, ...]
    telegram_bot_token: Optional[Secret]
    telegram_webhook_secret: Optional[Secret]
    telegram_mode: str
    telegram_api_base_url: str
    slack_bot_token: Optional[Secret]
    slack_signing_secret: Optional[Secret]
    slack_app_token: Optional[Secret]
    slack_api_base_url: str
    office_hours: OfficeHours
    handoff_wait_minutes: float
    console_session_hours: float
    console_secure_cookies: bool
    retention_days: Optional[int] = None
    """Transcripts older than this many days are deleted (`trialbot retention purge`, and at start-up
    by `trialbot run`); None keeps everything."""
    rate_limit_per_minute: float = 30.0
    """Messages a minute one sender may send on the web chat and the REST endpoint once their burst
    is used up (0 turns the limit off)."""
    rate_limit_burst: int = 10
    """Messages one sender may send at once before the per-minute rate applies."""
    metrics_token: Optional[Secret] = None
    """Bearer token for GET /metrics; None serves the metrics to clients on this machine only."""
    recover_minutes: float = 30.0
    """At start-up, messages stored in this many minutes before it and never answered (a crash came in
    between) are answered (`bot.gateway.recovery`)."""
    outbox_lease_seconds: float = 120.0
    """How long a claim on an outbox row holds before another process (after a crash, the restarted one)
    may send it; longer than a platform's own retries take."""
    outbox_poll_seconds: float = 5.0
    """How often the outbox looks for deliveries that are due again."""
    alerts_weekly_cap: int = 2
    """Trial alerts one person may get in any 7 days."""
    alerts_max_trials: int = 3
    """Trials named in one alert message."""
    alerts_quiet_hours: str = "21:00-08:00"
    """When alerts wait, in each person's own time zone ("off": never)."""
    alerts_time: str = "10:00"
    """When `trialbot run` runs the alerts job each day, in HANDOFF_TIMEZONE ("off": never; cron can run
    `trialbot alerts run` instead)."""
    faq_missed_dir: Path = MISSED_DIR
    """Where the console keeps missed questions attached to FAQ topics or marked for new ones
    (`bot.faq.attached_questions`; the FAQ build reads it)."""

    @property
    def action_server_health_url(self) -> str:
        """The action server's health endpoint, next to its webhook."""
        base = self.action_server_url.rsplit("/", 1)[0]
        return f"{base}/health"


def _non_negative_float(value: str) -> float:
    number = float(value)
    if number < 0 or number != number:
        raise ValueError("must be 0 or more")
    return number


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


def _retention_days(value: str) -> Optional[int]:
    """RETENTION_DAYS: a whole number of days (at least 1); empty or 0 keeps everything."""
    if not value.strip():
        return None
    days = int(value)
    if days < 0:
        raise ValueError("must be a number of days (at least 1), or 0 to keep everything")
    return days or None


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


def _origins(value: str) -> Tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/").lower() for o in value.split(",") if o.strip())
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ValueError(f"{origin!r} is not an origin such as https://example.org")
    return origins


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


def _telegram_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in {"webhook", "polling"}:
        raise ValueError("must be webhook or polling")
    return mode


def _telegram_secrets(config: Config, mode: str) -> Tuple[Optional[Secret], Optional[Secret]]:
    """The bot token and webhook secret, checked without ever printing them."""
    token = _optional_secret(config, "TELEGRAM_BOT_TOKEN")
    secret = _optional_secret(config, "TELEGRAM_WEBHOOK_SECRET")
    if token is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", str(token)):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (digits, a colon, letters)")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET may only have 1-256 letters, digits, _ and - (Telegram's rule)")
    if token is not None and secret is None and mode == "webhook":
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_BOT_TOKEN is set in webhook mode "
            "(make one with: openssl rand -hex 32), or set TELEGRAM_MODE=polling"
        )
    return token, secret


def _metrics_token(config: Config) -> Optional[Secret]:
    """METRICS_TOKEN, checked without ever printing it: long enough not to be guessed, and sendable in a header."""
    token = _optional_secret(config, "METRICS_TOKEN")
    if token is not None and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,256}", str(token)):
        raise ConfigError(
            "METRICS_TOKEN must be 16-256 letters, digits or ._~+/=- (make one with: openssl rand -hex 32)"
        )
    return token


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or more")
    return number


def _quiet_hours(value: str) -> str:
    from bot.alerts.timing import QuietHours

    return str(QuietHours.parse(value))


def _daily_time(value: str) -> str:
    value = value.strip().lower()
    if value == "off":
        return value
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2):
        raise ValueError('use HH:MM (24-hour clock), or "off"')
    return f"{int(hours):02d}:{minutes}"


def load_settings(environ: Optional[Mapping[str, str]] = None, env_file: Optional[Path] = None) -> Settings:
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

    telegram_mode = get("TELEGRAM_MODE", _telegram_mode, "webhook")
    telegram_bot_token, telegram_webhook_secret = _telegram_secrets(config, telegram_mode)
    return Settings(
        host=get("TRIALBOT_HOST", str, "127.0.0.1"),
        port=get("TRIALBOT_PORT", _port, "8000"),
        database_url=get("DATABASE_URL", _database_url, "sqlite:///trialbot.db"),
        model_path=get("MODEL_PATH", Path, "models/trialbot.tar.gz"),
        action_server_url=get("ACTION_SERVER_URL", _http_url, "http://127.0.0.1:5055/webhook"),
        core_workers=get("CORE_WORKERS", _positive_int, str(os.cpu_count() or 1)),
        core_timeout_seconds=get("CORE_TIMEOUT_SECONDS", _positive_float, "30"),
        log_level=get("LOG_LEVEL", _log_level, "INFO"),
        webchat_allowed_origins=get("WEBCHAT_ALLOWED_ORIGINS", _origins, ""),
        telegram_bot_token=telegram_bot_token,
        telegram_webhook_secret=telegram_webhook_secret,
        telegram_mode=telegram_mode,
        telegram_api_base_url=get("TELEGRAM_API_BASE_URL", _http_url, "https://api.telegram.org/bot"),
        slack_bot_token=_optional_secret(config, "SLACK_BOT_TOKEN"),
        slack_signing_secret=_optional_secret(config, "SLACK_SIGNING_SECRET"),
        slack_app_token=_optional_secret(config, "SLACK_APP_TOKEN"),
        slack_api_base_url=get("SLACK_API_BASE_URL", _http_url, "https://slack.com/api/"),
        office_hours=get(
            "HANDOFF_OFFICE_HOURS",
            lambda spec: OfficeHours.parse(spec, get("HANDOFF_TIMEZONE", _time_zone, "America/New_York")),
            "Mon-Fri 09:00-17:00",
        ),
        handoff_wait_minutes=get("HANDOFF_WAIT_MINUTES", _positive_float, "10"),
        console_session_hours=get("CONSOLE_SESSION_HOURS", _positive_float, "8"),
        console_secure_cookies=get("CONSOLE_SECURE_COOKIES", _bool, "false"),
        retention_days=get("RETENTION_DAYS", _retention_days, ""),
        rate_limit_per_minute=get("RATE_LIMIT_PER_MINUTE", _non_negative_float, "30"),
        rate_limit_burst=get("RATE_LIMIT_BURST", _positive_int, "10"),
        metrics_token=_metrics_token(config),
        faq_missed_dir=get("FAQ_MISSED_DIR", Path, str(MISSED_DIR)),
        alerts_weekly_cap=get("ALERTS_WEEKLY_CAP", _non_negative_int, "2"),
        alerts_max_trials=get("ALERTS_MAX_TRIALS", _positive_int, "3"),
        alerts_quiet_hours=get("ALERTS_QUIET_HOURS", _quiet_hours, "21:00-08:00"),
        alerts_time=get("ALERTS_TIME", _daily_time, "10:00"),
        recover_minutes=get("RECOVER_MINUTES", _non_negative_float, "30"),
        outbox_lease_seconds=get("OUTBOX_LEASE_SECONDS", _positive_float, "120"),
        outbox_poll_seconds=get("OUTBOX_POLL_SECONDS", _positive_float, "5"),
    )
