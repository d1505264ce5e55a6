"""Integrations against local vendor servers: settings that allow loopback targets, the
process's secret box, a company, and integrations saved as the API saves them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import URL

from core.database import transaction
from core.integrations.http import close_pools
from core.integrations.runner import integration_type
from core.integrations.secrets import prepare_config
from core.models import Integration, IntegrationType
from core.settings import Settings
from core.vault import SecretBox, install_secret_box
from tests.integrations.google_server import Google
from tests.integrations.tally_server import Tally
from tests.triggers.conftest import Pipeline, make_pipeline, settings_for
from tests.triggers.factories import Acme, SmtpServer, seed_acme


@pytest.fixture
def settings(database_url: URL, smtp: SmtpServer) -> Settings:
    return settings_for(database_url, smtp.port, ERP_INTEGRATION_MAX_RETRY_AFTER="2")


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return install_secret_box(settings)


@pytest.fixture
async def acme(sessions: Any) -> Acme:
    return await seed_acme(sessions)


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
    await line.dispatcher.stop()
    await line.engine.http.aclose()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


async def add_integration(
    sessions: Any, box: SecretBox, company_id: str, type_: str, config: dict[str, Any]
) -> str:
    """Save an integration the way the API does: checked, secrets sealed."""
    sealed = prepare_config(integration_type(type_), {}, config, box)
    async with transaction(sessions) as session:
        row = Integration(
            company_id=company_id, name=type_.title(), type=IntegrationType(type_), config=sealed
        )
        session.add(row)
        await session.flush()
        return row.id


def sheets_config(google: Google, **extra: Any) -> dict[str, Any]:
    google.sheets.setdefault("sheet-1", [["Date", "Employee", "Amount"]])
    return {
        "clientId": "client-id",
        "clientSecret": "client-secret",
        "refreshToken": "good-refresh-token",
        "spreadsheetId": "sheet-1",
        "apiBaseUrl": google.url,
        "tokenUrl": google.url + "/token",
        "authorizeUrl": google.url + "/auth",
        **extra,
    }
