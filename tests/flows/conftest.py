"""Flows run in the expense company: an employee, three managers, a finance approver, a
clerk and an admin, the seed's expense form, an approval form and a receipt."""

from __future__ import annotations

import pytest

from tests.world.flows import expense_company
from tests.world.tenants import Sessions, Tenant


@pytest.fixture
async def acme(sessions: Sessions) -> Tenant:
    return await expense_company(sessions)
