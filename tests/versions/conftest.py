"""Versions are published for the flows' expense company, by a developer acting at
platform level."""

from __future__ import annotations

import pytest

from core.access import Principal
from tests.world.flows import expense_company
from tests.world.tenants import Sessions, Tenant
from tests.world.versions import developer_of


@pytest.fixture
async def acme(sessions: Sessions) -> Tenant:
    return await expense_company(sessions)


@pytest.fixture
async def developer(sessions: Sessions, acme: Tenant) -> Principal:
    return await developer_of(sessions, acme)
