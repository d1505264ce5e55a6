"""Integrations against local vendor servers: settings that allow loopback targets, the
process's secret box, the seed's company, the vendors' servers and a trigger engine on the
integrations' settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from core.integrations.http import close_pools
from core.settings import Settings
from core.vault import SecretBox, install_secret_box
from tests.integrations.google_server import Google
from tests.integrations.tally_server import Tally
from tests.world.app import make_settings
from tests.world.automation import Pipeline, make_pipeline, seeded_company, settings_for
from tests.world.services import SmtpServer
from tests.world.tenants import Tenant


@pytest.fixture
def settings(database_url: URL, smtp: SmtpServer) -> Settings:
    return settings_for(database_url, smtp.port, ERP_INTEGRATION_MAX_RETRY_AFTER="2")


@pytest.fixture
def app_settings(database_url: URL, tmp_path: Path) -> Settings:
    """The API may reach the local vendor servers, and tries each call once."""
    return make_settings(database_url, tmp_path, http_allow_private=True, http_retries=0)


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return install_secret_box(settings)


@pytest.fixture
async def acme(sessions: Any) -> Tenant:
    return await seeded_company(sessions)


@pytest.fixture
def google() -> Iterator[Google]:
    with Google() as server:
        yield server


@pytest.fixture
def tally() -> Iterator[Tally]:
    with Tally() as server:
        yield server


@pytest.fixture(autouse=True)
async def fresh_pools() -> AsyncIterator[None]:
    yield
    await close_pools()


@pytest.fixture
async def integrations_pipeline(
    sessions: Any, settings: Settings, smtp: SmtpServer
) -> AsyncIterator[Pipeline]:
    line = await make_pipeline(sessions, settings)
    yield line
    await line.close()
