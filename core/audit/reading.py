"""Who wrote the entries of a company's audit trail.

Most authors are members of the company, but a platform developer acting in it (with
X-Company-Id, or creating it) writes entries there too, and the developer's user row belongs
to another company: the company's scoping and row-level security rightly hide it. Such an
author is looked up outside the company, restricted to developers and to their names, so a
company's log never shows anything else of another company."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ApiKey, User, UserRole
from core.tenancy import outside_company


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote an entry. `role` is the author's user role (DEVELOPER for platform
    developers); an author the company may not know of has no name, email or role."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    role: UserRole | None = None


UNKNOWN = Author()


_AUTHOR_COLUMNS = (User.id, User.first_name, User.last_name, User.email, User.role)


async def authors_of(session: AsyncSession, user_ids: Iterable[str]) -> dict[str, Author]:
    """The authors among `user_ids`: the company's own users as the company sees them,
    then the remaining ones that are platform developers (nobody else from outside)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    found = {
        row.id: Author(row.first_name, row.last_name, row.email, row.role)
        for row in await session.execute(sa.select(*_AUTHOR_COLUMNS).where(User.id.in_(wanted)))
    }
    outsiders = wanted - found.keys()
    if outsiders:
        async with outside_company(session):
            developers = await session.execute(
                sa.select(*_AUTHOR_COLUMNS).where(
                    User.id.in_(outsiders), User.role == UserRole.DEVELOPER
                )
            )
            found.update(
                (row.id, Author(row.first_name, row.last_name, row.email, row.role))
                for row in developers
            )
    return found


async def key_names(session: AsyncSession, key_ids: Iterable[str | None]) -> dict[str, str]:
    """The names of the API keys entries were made with. A developer's platform key acting
    in a company belongs to no company, so keys are read outside it, by id and name only."""
    wanted = {key_id for key_id in key_ids if key_id}
    if not wanted:
        return {}
    async with outside_company(session):
        rows = await session.execute(sa.select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(wanted)))
        return {row.id: row.name for row in rows}
