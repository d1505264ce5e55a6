"""Invitations: an admin names a person by e-mail; the e-mailed link lets them choose their
password, once, until it expires."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.accounts import tokens
from core.audit import record_audit
from core.auth.passwords import hash_password
from core.models import Company, User
from core.organisation.kinds import USERS
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class Invitation:
    """A person invited, and what their e-mail says."""

    user: User
    token: str
    company_name: str


@dataclass(frozen=True, slots=True)
class Invited:
    """What the invitation link shows before the person accepts it."""

    email: str
    first_name: str | None
    company_name: str | None


async def invite(
    session: AsyncSession, principal: Principal, values: dict[str, Any], settings: Settings
) -> Invitation:
    """Make the account (as `POST /users` would, with a password nobody knows) and an
    invitation token for it; the caller e-mails the link once the transaction is committed."""
    values = {**values, "password": secrets.token_urlsafe(32)}
    user = await USERS.create(session, principal, values, settings)
    token = await tokens.issue(
        session, user.id, tokens.INVITATION, timedelta(seconds=settings.accounts.invitation_ttl)
    )
    record_audit(session, principal, "user.invited", "User", user.id, after={"email": user.email})
    company = await session.get(Company, user.company_id) if user.company_id else None
    return Invitation(user, token, company.name if company else "ERP Builder")


async def describe(session: AsyncSession, raw: str) -> Invited:
    user = await tokens.holder(session, raw, tokens.INVITATION, spend=False)
    return Invited(user.email, user.first_name, user.company.name if user.company else None)


async def accept(
    session: AsyncSession, raw: str, password: str, principal_of: Principal | None = None
) -> User:
    """Spend the invitation and set the person's password; their e-mail, to sign in with."""
    user = await tokens.holder(session, raw, tokens.INVITATION, spend=True)
    user.password = hash_password(password)
    acting = replace(
        principal_of or Principal(user.id, user.role, user.company_id),
        user_id=user.id,
        role=user.role,
        company_id=user.company_id,
    )
    record_audit(session, acting, "user.invitation_accepted", "User", user.id)
    return user
