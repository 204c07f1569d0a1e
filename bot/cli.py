"""The `trialbot` command: run, serve, train, migrate (and domain commands registered by packages: trials,
telegram, coordinators, retention)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, List, Optional

from bot import logs
from bot.config import ConfigError, Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        print(f"Configuration error: {error}. See .env.example.", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the database schema."""
    from bot.store.db import migrate

    migrate(args.database_url)
    print("Database is up to date.")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train the model if its inputs changed (or always with --force)."""
    from bot.core.training import ensure_model

    trained = ensure_model(Path(args.model_path), force=args.force)
    print("Model trained." if trained else "Model is up to date; not retraining.")
    return 0


def cmd_faq_build(args: argparse.Namespace) -> int:
    """Regenerate data/nlu/faq.yml from faq/topics/*.yml and the questions attached in faq/missed/."""
    from bot.faq.training_data import GENERATED_PATH, build

    catalog, changed = build(missed=args.settings.faq_missed_dir)
    print(f"{len(catalog)} FAQ topics; {GENERATED_PATH.name} {'updated' if changed else 'already up to date'}.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the gateway (expects a migrated database and a running action server)."""
    import uvicorn

    from bot.gateway.app import create_app

    settings: Settings = args.settings
    logs.configure(settings.log_level)  # masked identifiers; libraries that log people's words kept at INFO
    uvicorn.run(
        create_app(settings),
        ws_max_size=65536,  # web chat frames are small; refuse huge ones before they are read
        host=settings.host,
        port=settings.port,
        log_config=None,  # uvicorn's records go through our masked handler
        log_level=logs.level_for_libraries(settings.log_level).lower(),  # its DEBUG shows web chat frames
        access_log=False,  # readiness polling would flood the terminal; errors are still logged
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate, train if needed, then start the action server and the gateway until Ctrl-C."""
    from bot.gateway.launcher import run

    return run(args.settings)


def build_parser(settings: Optional[Settings] = None) -> argparse.ArgumentParser:
    """The command-line parser; defaults come from the configuration."""
    parser = argparse.ArgumentParser(prog="trialbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.set_defaults(func=func)
        return sub

    add("run", cmd_run, "migrate, train if needed and start everything")
    add("serve", cmd_serve, "run the gateway only")
    migrate = add("migrate", cmd_migrate, "create or upgrade the database")
    migrate.add_argument("--database-url", default=settings.database_url if settings else None)
    train = add("train", cmd_train, "train the model when its inputs changed")
    train.add_argument("--model-path", default=str(settings.model_path) if settings else None)
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    from bot.trials.cli import register as register_trials

    register_trials(commands)
    from channels.telegram.cli import register as register_telegram

    register_telegram(commands)
    from bot.console.cli import register as register_coordinators

    register_coordinators(commands)
    from bot.privacy.cli import register as register_retention

    register_retention(commands)
    from bot.alerts.cli import register as register_alerts

    register_alerts(commands)
    faq = commands.add_parser("faq", help="the curated FAQ")
    faq_commands = faq.add_subparsers(dest="faq_command", required=True)
    faq_commands.add_parser("build", help="generate Rasa training data from faq/").set_defaults(func=cmd_faq_build)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the `trialbot` command."""
    settings = _settings()
    args = build_parser(settings).parse_args(argv)
    args.settings = settings
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
