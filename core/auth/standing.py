"""Whether the holder of a valid access token may still act, and as what.

A token's claims are what was true when it was minted. Demoting or deactivating a user,
deactivating their company and signing out take effect on the next request instead of when
the token expires: each request is checked against the account's current row and the sign-in
session the token names. The answer is kept for `STANDING_SECONDS` per process, so a busy
client costs one indexed lookup a second, not one per request."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Company, RefreshToken, User, UserRole, utcnow
from core.tenancy import scope

STANDING_SECONDS = 1.0
"""How long a process trusts what it last read of an account (the delay before a demotion
made through another process is felt)."""
_KEPT = 10_000
_known: dict[tuple[str, str | None], tuple[float, Standing | None]] = {}


@dataclass(frozen=True, slots=True)
class Standing:
    """The account as it is now."""

    role: UserRole
    company_id: str | None


async def standing(
    sessions: async_sessionmaker[AsyncSession],
    user_id: str,
    session_id: str | None,
    company_id: str | None,
) -> Standing | None:
    """The account's current role and company, or None when it may no longer act (gone,
    deactivated, its company deactivated, or the sign-in session `session_id` ended). Tokens
    minted outside a sign-in (`session_id` None: tooling holding the secret) are checked
    against the account only. The account is read within `company_id`, the one the token
    was minted for (the user's company, as row-level security asks)."""
    key = (user_id, session_id)
    now = time.monotonic()
    known = _known.get(key)
    if known is not None and known[0] > now:
        return known[1]
    async with sessions() as session:
        if company_id is not None:
            scope(session, company_id)
        found = await _read(session, user_id, session_id)
    if len(_known) >= _KEPT:
        _known.clear()
    _known[key] = (now + STANDING_SECONDS, found)
    return found


def forget_standing() -> None:
    """Drop what this process knows (a session it ended must fail here at once)."""
    _known.clear()


async def _read(session: AsyncSession, user_id: str, session_id: str | None) -> Standing | None:
    query = (
        sa.select(User.role, User.company_id, User.is_active, Company.is_active)
        .outerjoin(Company, Company.id == User.company_id)
        .where(User.id == user_id)
    )
    if session_id is not None:
        query = query.add_columns(
            sa.exists().where(
                RefreshToken.family_id == session_id,
                RefreshToken.user_id == user_id,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > utcnow(),
            )
        )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    values: tuple[object, ...] = tuple(row)
    role, company_id, active, company_active = values[:4]
    if not active or company_active is False:
        return None
    if session_id is not None and not values[4]:
        return None
    return Standing(
        role=UserRole(str(role)), company_id=None if company_id is None else str(company_id)
    )
