"""Two companies with a user each, and helpers to run a service call in one transaction."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.database import transaction
from core.models import Company, OutboxEvent, User, UserRole

T = TypeVar("T")


@dataclass
class Tenant:
    company_id: str
    user_id: str
    sessions: async_sessionmaker[AsyncSession]

    @property
    def admin(self) -> Principal:
        """The company's user acting as its admin (every table permission)."""
        return Principal(user_id=self.user_id, role=UserRole.ADMIN, company_id=self.company_id)

    async def run(self, fn: Callable[..., Awaitable[T]], /, **kw: Any) -> T:
        """Call a service function in its own committed transaction, as a request would (by
        the company's admin, when the function takes who acts and the test names nobody)."""
        if "principal" in inspect.signature(fn).parameters:
            kw.setdefault("principal", self.admin)
        async with transaction(self.sessions, company_id=self.company_id) as s:
            return await fn(s, company_id=self.company_id, **kw)

    async def events(self) -> list[OutboxEvent]:
        async with transaction(self.sessions, company_id=self.company_id) as s:
            return list(await s.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.created_at)))


async def _tenant(sessions: async_sessionmaker[AsyncSession], name: str) -> Tenant:
    async with transaction(sessions) as s:
        company = Company(name=name)
        s.add(company)
        await s.flush()
        user = User(email=f"admin@{name.lower()}.com", password="x", company_id=company.id)
        s.add(user)
        await s.flush()
        return Tenant(company.id, user.id, sessions)


@pytest.fixture
async def acme(sessions: async_sessionmaker[AsyncSession]) -> Tenant:
    return await _tenant(sessions, "Acme")


@pytest.fixture
async def globex(sessions: async_sessionmaker[AsyncSession]) -> Tenant:
    return await _tenant(sessions, "Globex")


EXPENSES_SCHEMA = [
    {"id": "title", "type": "text", "label": "Title", "required": True, "indexed": True},
    {"id": "amount", "type": "number", "label": "Amount", "required": True, "indexed": True},
    {
        "id": "category",
        "type": "dropdown",
        "label": "Category",
        "options": ["Travel", "Office", "Equipment"],
    },
    {"id": "spent_on", "type": "date", "label": "Spent on"},
    {"id": "approved", "type": "checkbox", "label": "Approved"},
]
