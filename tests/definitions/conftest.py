"""Fixtures of definitions as code: the seeded company (every kind of definition) and an
empty company of the same installation to apply its files to."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from core.settings import Settings
from tests.world.definitions import Seeded, definitions_settings, seed_definitions
from tests.world.tenants import Sessions, Tenant, make_tenant


@pytest.fixture
def settings(database_url: URL, tmp_path: Path) -> Settings:
    return definitions_settings(database_url, tmp_path)


@pytest.fixture
async def seeded(sessions: Sessions, settings: Settings) -> Seeded:
    return await seed_definitions(sessions, settings)


@pytest.fixture
async def empty(sessions: Sessions) -> Tenant:
    """A company with nothing defined in it: only its admin."""
    from core.models import UserRole

    return await make_tenant(
        sessions, "Globex", role_users=(UserRole.ADMIN,), roles={}, department=None
    )
