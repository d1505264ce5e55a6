"""Standalone tasks are tested in the flows' expense company (its people, forms and
receipt)."""

from __future__ import annotations

import pytest

from tests.world.flows import expense_company
from tests.world.tenants import Sessions, Tenant


@pytest.fixture
async def acme(sessions: Sessions) -> Tenant:
    return await expense_company(sessions)
