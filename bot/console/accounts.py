"""Coordinator accounts: create, find, check passwords (argon2), disable."""

from __future__ import annotations

from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Coordinator, Role

MIN_PASSWORD_CHARS = 12
_hasher = PasswordHasher()
# A real hash to verify against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-a-timing-guard")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


def hash_password(password: str) -> str:
    """An argon2id hash of the password (refuses short passwords)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether the password fits the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create(session: AsyncSession, email: str, name: str, password: str, role: Role) -> Coordinator:
    """A new active account; the caller commits."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise AccountError("the email address does not look right")
    if not name.strip():
        raise AccountError("a name is needed (people see it when a coordinator joins)")
    if await find_by_email(session, email) is not None:
        raise AccountError(f"an account for {email} already exists")
    coordinator = Coordinator(
        email=email, name=name.strip()[:200], password_hash=hash_password(password), role=role.value, active=True
    )
    session.add(coordinator)
    await session.flush()
    return coordinator


async def find_by_email(session: AsyncSession, email: str) -> Optional[Coordinator]:
    """The account with this email (case-insensitive), if any."""
    result = await session.execute(select(Coordinator).where(func.lower(Coordinator.email) == email.strip().lower()))
    return result.scalars().first()


async def authenticate(session: AsyncSession, email: str, password: str) -> Optional[Coordinator]:
    """The active account whose password matches, or None (taking the same time either way)."""
    coordinator = await find_by_email(session, email)
    if coordinator is None:
        password_matches(_DUMMY_HASH, password)
        return None
    if not password_matches(coordinator.password_hash, password) or not coordinator.active:
        return None
    if _hasher.check_needs_rehash(coordinator.password_hash):
        coordinator.password_hash = _hasher.hash(password)
    return coordinator


async def all_accounts(session: AsyncSession) -> List[Coordinator]:
    """Every account, by name."""
    return list((await session.execute(select(Coordinator).order_by(Coordinator.name))).scalars())


async def set_active(session: AsyncSession, coordinator_id: int, active: bool) -> Coordinator:
    """Disable (or re-enable) an account; the caller commits."""
    coordinator = await session.get(Coordinator, coordinator_id)
    if coordinator is None:
        raise AccountError("no such account")
    coordinator.active = active
    await session.flush()
    return coordinator
