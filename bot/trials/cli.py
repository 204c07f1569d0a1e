"""The `trials` command group (import a file, fetch from the registry) and first-run loading."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
from sqlalchemy import create_engine, exists, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.trials.fetcher import DEFAULT_BASE_URL, FetchError, TrialFetcher
from bot.trials.importer import ImportResult, TrialImporter
from bot.trials.models import Trial
from bot.trials.records import RecordError

SNAPSHOT_PATH = Path(__file__).resolve().parents[2] / "data" / "trials" / "ctgov-cancer-sample.jsonl.gz"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `trials import PATH` and `trials fetch --condition ...` to a parser's subcommands.

    Each sets `func` (call it as `args.func(args)`; it returns an exit code) and reads
    `args.database_url`, a sync SQLAlchemy URL (from the parent parser or `trials
    --database-url`), falling back to `args.settings.database_url`.
    """
    trials = subparsers.add_parser("trials", help="load clinical trials into the database")
    trials.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="sync SQLAlchemy URL, e.g. sqlite:///trialbot.db",
    )
    commands = trials.add_subparsers(dest="trials_command", metavar="COMMAND", required=True)

    load = commands.add_parser("import", help="import ClinicalTrials.gov API v2 records (JSON, JSONL, API pages, .gz)")
    load.add_argument("path", type=Path)
    load.set_defaults(func=handle_import)

    fetch = commands.add_parser("fetch", help="fetch studies from the live ClinicalTrials.gov API")
    fetch.add_argument("--condition", required=True, help='condition query, e.g. "breast cancer"')
    fetch.add_argument("--max-pages", type=int, default=None, help="stop after N pages")
    fetch.add_argument("--page-size", type=int, default=100)
    fetch.add_argument("--base-url", default=DEFAULT_BASE_URL)
    fetch.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    fetch.set_defaults(func=handle_fetch)


def _engine(args: argparse.Namespace) -> Engine:
    url = getattr(args, "database_url", None) or getattr(getattr(args, "settings", None), "database_url", None)
    if not url:
        raise SystemExit("trials: no database URL (give --database-url sqlite:///trialbot.db)")
    url = make_url(url)
    return create_engine(url.set(drivername=url.get_backend_name()), future=True)


def _report(result: ImportResult) -> str:
    return (
        f"{result.inserted} inserted, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.skipped} skipped"
    )


def handle_import(args: argparse.Namespace) -> int:
    """`trials import PATH`: import a file of study records."""
    engine = _engine(args)
    try:
        with Session(engine, future=True) as session:
            result = TrialImporter(session).import_path(args.path)
            session.commit()
    except (OSError, RecordError) as error:
        print(f"trials import: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"{args.path}: {_report(result)}")
    return 0


def handle_fetch(args: argparse.Namespace) -> int:
    """`trials fetch --condition ...`: page through the live API, importing as it goes."""
    engine = _engine(args)
    timeout = httpx.Timeout(args.timeout, connect=min(10.0, args.timeout))
    try:
        with (
            httpx.Client(timeout=timeout, headers={"User-Agent": "trialbot"}) as client,
            Session(engine, future=True) as session,
        ):
            fetcher = TrialFetcher(session, client, base_url=args.base_url, page_size=args.page_size)
            result = fetcher.fetch(args.condition, max_pages=args.max_pages)
    except FetchError as error:
        print(f"trials fetch: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    more = f"; more from page token {result.next_page_token}" if result.next_page_token else ""
    print(f"{result.pages} pages: {_report(result.imported)}{more}")
    return 0


def load_bundled_snapshot_if_empty(session: Session, path: Path = SNAPSHOT_PATH) -> int:
    """Import the bundled snapshot when there are no trials yet (first run); trials imported."""
    if session.execute(select(exists().where(Trial.id.isnot(None)))).scalar():
        return 0
    result = TrialImporter(session).import_path(path)
    session.commit()
    return result.inserted + result.updated


def load_snapshot(database_url: str) -> int:
    """First run: import the bundled snapshot into an empty database; trials imported."""
    engine = _engine(argparse.Namespace(database_url=database_url))
    try:
        with Session(engine, future=True) as session:
            return load_bundled_snapshot_if_empty(session)
    finally:
        engine.dispose()
