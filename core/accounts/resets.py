"""Password resets by e-mail: asked for by address with the same answer whether or not an
account has it, a single-use link that expires, every sign-in ended once it is used."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from core.access import Principal
from core.accounts import mailing, tokens
from core.audit import record_audit
from core.auth.passwords import hash_password
from core.auth.service import end_other_sessions
from core.models import AccountToken, User, utcnow
from core.settings import Settings

RESETS_PER_HOUR = 3
"""Reset e-mails one account gets in an hour at most: asking more often sends nothing more
(and answers the same), so the address cannot be flooded."""


async def request_reset(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, email: str
) -> None:
    """E-mail a reset link to the active account with `email`, if there is one. Run after the
    request was answered, so neither the answer nor its timing tells whether it exists."""
    email = email.strip().lower()
    async with sessions.begin() as session:
        user = await session.scalar(
            sa.select(User)
            .where(sa.func.lower(User.email) == email)
            .options(selectinload(User.company))
        )
        if user is None or not user.is_active or (user.company and not user.company.is_active):
            return
        recent = await session.scalar(
            sa.select(sa.func.count()).where(
                AccountToken.user_id == user.id,
                AccountToken.purpose == tokens.PASSWORD_RESET,
                AccountToken.created_at > utcnow() - timedelta(hours=1),
            )
        )
        if (recent or 0) >= RESETS_PER_HOUR:
            return
        ttl = settings.accounts.password_reset_ttl
        token = await tokens.issue(session, user.id, tokens.PASSWORD_RESET, timedelta(seconds=ttl))
        to, company_id = user.email, user.company_id
    await mailing.send_account_mail(
        sessions,
        settings,
        to=to,
        company_id=company_id,
        subject="Reset your ERP Builder password",
        body=mailing.reset_text(mailing.reset_link(settings, token), max(1, ttl // 60)),
        token=token,
    )


async def reset_password(
    session: AsyncSession, raw: str, password: str, asking: Principal | None = None
) -> User:
    """Spend the reset link, set the new password and end every sign-in of the account."""
    user = await tokens.holder(session, raw, tokens.PASSWORD_RESET, spend=True)
    user.password = hash_password(password)
    await end_other_sessions(session, user.id, keep=None)
    acting = replace(
        asking or Principal(user.id, user.role, user.company_id),
        user_id=user.id,
        role=user.role,
        company_id=user.company_id,
    )
    record_audit(session, acting, "user.password_reset", "User", user.id)
    return user
