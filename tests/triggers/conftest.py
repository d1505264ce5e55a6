"""Trigger tests run in the seed's company (its developer, CFO, expense task and e-mail
template); the engine, SMTP server and HTTP receiver are the shared fixtures."""

from __future__ import annotations

import pytest

from tests.world.automation import seeded_company
from tests.world.tenants import Sessions, Tenant


@pytest.fixture
async def acme(sessions: Sessions) -> Tenant:
    return await seeded_company(sessions)
