"""`trialbot coordinators add|list|disable`: manage console accounts from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import accounts
from bot.store import audit
from bot.store.db import create_engine, create_session_factory
from bot.store.models import Coordinator, Role

PASSWORD_VARIABLE = "TRIALBOT_NEW_PASSWORD"

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `coordinators` command group."""
    group = subparsers.add_parser("coordinators", help="console accounts for trial coordinators")
    commands = group.add_subparsers(dest="coordinators_command", metavar="COMMAND", required=True)
    add = commands.add_parser(
        "add",
        help="create an account (asks for the password, or reads it from stdin with --password-stdin)",
    )
    add.add_argument("email")
    add.add_argument("--name", required=True, help="shown to people when this coordinator joins a chat")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.COORDINATOR.value)
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=handle_add)
    listing = commands.add_parser("list", help="list accounts")
    listing.set_defaults(func=handle_list)
    disable = commands.add_parser("disable", help="stop an account from signing in")
    disable.add_argument("email")
    disable.set_defaults(func=handle_disable)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(PASSWORD_VARIABLE):
        return os.environ[PASSWORD_VARIABLE]
    first = getpass.getpass("Password: ")
    if getpass.getpass("Same password again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


async def _with_session(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def handle_add(args: argparse.Namespace) -> int:
    """Create one account."""
    try:
        password = _read_password(args)

        async def work(session: AsyncSession) -> Coordinator:
            created = await accounts.create(session, args.email, args.name, password, Role(args.role))
            await audit.record(session, audit.ACCOUNT_CREATED, detail=f"{created.email} ({created.role}) from the CLI")
            return created

        created = asyncio.run(_with_session(args.settings.database_url, work))
    except accounts.AccountError as error:
        print(f"Could not create the account: {error}.", file=sys.stderr)
        return 1
    print(f"Created {created.role} account for {created.email}. Sign in at /console/login.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    """Print every account."""
    rows = asyncio.run(_with_session(args.settings.database_url, accounts.all_accounts))
    for row in rows:
        print(f"{row.email}\t{row.name}\t{row.role}\t{'active' if row.active else 'disabled'}")
    return 0


def handle_disable(args: argparse.Namespace) -> int:
    """Disable one account."""

    async def work(session: AsyncSession) -> None:
        found = await accounts.find_by_email(session, args.email)
        if found is None:
            raise accounts.AccountError(f"no account for {args.email}")
        await accounts.set_active(session, found.id, False)
        await audit.record(session, audit.ACCOUNT_DISABLED, detail=f"{found.email} from the CLI")

    try:
        asyncio.run(_with_session(args.settings.database_url, work))
    except accounts.AccountError as error:
        print(f"Could not disable the account: {error}.", file=sys.stderr)
        return 1
    print(f"Disabled {args.email}.")
    return 0
