"""The versions tests' people over HTTP: each of the company's users signed in (and a
developer acting in it), a developer acting at platform level, and the code of a problem."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from core.access import Principal
from core.auth.tokens import issue_access_token
from core.database import transaction
from core.models import User, UserRole
from tests.world.app import SECRET
from tests.world.tenants import Sessions, Tenant, add_user


async def tokens(sessions: Sessions, acme: Tenant) -> dict[str, dict[str, str]]:
    """Headers of each of the company's users by key, and `dev`: a new developer acting in it."""
    async with transaction(sessions) as session:
        dev = await add_user(session, acme.company_id, "dev", role=UserRole.DEVELOPER)
        users = {u.id: u for u in await session.scalars(sa.select(User))}
    ttl = timedelta(minutes=5)
    out = {
        name: {"Authorization": f"Bearer {issue_access_token(users[uid], SECRET, ttl)}"}
        for name, uid in ((name, user.id) for name, user in acme.users.items())
    }
    out["dev"] = {
        "Authorization": f"Bearer {issue_access_token(dev, SECRET, ttl)}",
        "X-Company-Id": acme.company_id,
    }
    return out


def problem(response: Any, status: int) -> str:
    """The problem's code, once the response is known to have `status`."""
    assert response.status_code == status, response.text
    return str(response.json().get("code", ""))


async def platform_developer(sessions: Sessions, acme: Tenant) -> Principal:
    """The company's developer (made by `tokens`) acting at platform level."""
    async with sessions() as session:
        dev_id = await session.scalar(
            sa.select(User.id).where(
                User.company_id == acme.company_id, User.role == UserRole.DEVELOPER
            )
        )
    return Principal(user_id=dev_id, role=UserRole.DEVELOPER, company_id=None)
