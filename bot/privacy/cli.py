"""The `retention` command group: `trialbot retention purge [--days N] [--dry-run]` deletes old transcripts."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings

NO_PERIOD = "No retention period: pass --days N or set RETENTION_DAYS (see .env.example). Nothing was deleted."


def _days(value: str) -> int:
    days = int(value)
    if days < 1:
        raise argparse.ArgumentTypeError("must be a whole number of days, at least 1")
    return days


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `retention purge` to a parser's subcommands (reads `args.settings`)."""
    retention = subparsers.add_parser("retention", help="delete transcripts older than RETENTION_DAYS")
    commands = retention.add_subparsers(dest="retention_command", metavar="COMMAND", required=True)
    purge = commands.add_parser(
        "purge",
        help="delete messages, tracker events, and the conversations and people left with nothing, "
        "older than N days",
        description="Conversations waiting for or with a coordinator are kept. Prints counts only.",
    )
    purge.add_argument("--days", type=_days, help="keep this many days (default: RETENTION_DAYS)")
    purge.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")
    purge.set_defaults(func=handle_purge)


def handle_purge(args: argparse.Namespace) -> int:
    """Purge, then print what was (or would be) deleted."""
    from bot.privacy.retention import run_purge

    settings: Settings = args.settings
    days = args.days or settings.retention_days
    if not days:
        print(NO_PERIOD, file=sys.stderr)
        return 2
    purged = run_purge(settings.database_url, days, dry_run=args.dry_run)
    when = purged.cutoff.strftime("%Y-%m-%d %H:%M UTC")
    if args.dry_run:
        print(f"Would delete what is older than {days} days (before {when}): {purged.summary()}.")
        print("Nothing was deleted (--dry-run).")
    else:
        print(f"Deleted what is older than {days} days (before {when}): {purged.summary()}.")
    return 0
