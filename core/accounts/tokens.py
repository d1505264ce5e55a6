"""Single-use tokens e-mailed to a person (an invitation, a password reset): issued, looked
up and spent. Only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import FieldProblem, ValidationFailed
from core.models import AccountToken, User, utcnow

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(session: AsyncSession, user_id: str, purpose: str, ttl: timedelta) -> str:
    """A new token for `user_id`; earlier unused ones of the same purpose are spent, so only
    the newest link works."""
    await session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user_id, purpose=purpose, token_hash=digest(raw), expires_at=utcnow() + ttl
        )
    )
    await session.flush()
    return raw


async def holder(session: AsyncSession, raw: str, purpose: str, *, spend: bool) -> User:
    """The user a valid token of `purpose` names (locked, when it is to be spent);
    ValidationFailed at /token when it is unknown, used or expired."""
    query = sa.select(AccountToken).where(
        AccountToken.token_hash == digest(raw), AccountToken.purpose == purpose
    )
    if spend:
        query = query.with_for_update()
    token = await session.scalar(query)
    user = None
    if token is not None and token.used_at is None and token.expires_at > utcnow():
        user = await session.get(User, token.user_id, options=[selectinload(User.company)])
    if token is None or user is None or not user.is_active:
        raise ValidationFailed([invalid_link()])
    if user.company is not None and not user.company.is_active:
        raise ValidationFailed([invalid_link()])
    if spend:
        token.used_at = utcnow()
    return user


def invalid_link() -> FieldProblem:
    return FieldProblem(
        "/token", "This link is not valid, was used already or has expired.", "invalid_link"
    )
