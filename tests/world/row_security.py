"""What the row-level security tests share: two companies seen through raw SQL, which the
ORM's tenant scoping never touches."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import UserRole
from tests.world.tenants import Person, Sessions, make_tenant


async def two_companies(sessions: Sessions) -> tuple[str, str]:
    """Companies A and B with a department and an admin each; their ids."""
    ids = []
    for name in ("A", "B"):
        admin = Person(
            "admin",
            UserRole.ADMIN,
            email=f"admin@{name.lower()}.test",
            first_name="Admin",
            last_name=name,
        )
        tenant = await make_tenant(
            sessions,
            f"Company {name}",
            role_users=(),
            people=[admin],
            roles={},
            department=f"Finance {name}",
            domain=f"{name.lower()}.test",
        )
        ids.append(tenant.company_id)
    return ids[0], ids[1]


async def column(session: AsyncSession, sql: str, **params: object) -> list[object]:
    """The first column of a raw SQL query's rows."""
    return list((await session.execute(sa.text(sql), params)).scalars())
