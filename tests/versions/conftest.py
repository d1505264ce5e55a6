"""A developer publishing for the flows test company (tests.flows.conftest's `acme`), and
helpers to act at platform level or add client companies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.database import transaction
from core.models import Company, UserRole
from tests.flows.conftest import acme, add_user

__all__ = ["acme"]
T = TypeVar("T")


@pytest.fixture
async def developer(sessions: async_sessionmaker[AsyncSession], acme: Any) -> Principal:
    async with transaction(sessions) as session:
        user = await add_user(session, acme.company_id, "dev", role=UserRole.DEVELOPER)
    return Principal(user_id=user.id, role=UserRole.DEVELOPER, company_id=None)


async def platform(
    sessions: async_sessionmaker[AsyncSession], work: Callable[..., Awaitable[T]], /, **kw: Any
) -> T:
    """One platform-level call (a developer's request, not confined to a company)."""
    async with transaction(sessions) as session:
        return await work(session, **kw)


async def client_companies(sessions: async_sessionmaker[AsyncSession], n: int) -> list[str]:
    async with transaction(sessions) as session:
        companies = [Company(name=f"Client {i}") for i in range(n)]
        session.add_all(companies)
        await session.flush()
        return [c.id for c in companies]
