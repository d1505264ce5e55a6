"""Shared fixtures: a PostgreSQL database per xdist worker (migrated once), emptied after
each test that wrote to it, and sessions bound to it; the companies tests act in, the API
signed in as their people, and the local services and trigger engine automation needs.

Companies come from one builder (tests/world/tenants.py). An area whose tests need more of
a company overrides `acme` in its conftest with that builder plus its own data (the flows
area's expense company, the trigger area's seeded company)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.database import create_engine, session_factory
from core.migrate import upgrade
from core.models import Base, UserRole
from core.settings import Settings
from core.tenancy import install_tenant_scoping
from tests.world.app import auth_headers, make_settings
from tests.world.automation import Pipeline, make_pipeline, settings_for
from tests.world.databases import admin_execute, fresh_database, worker_id
from tests.world.services import HttpReceiver, SmtpServer
from tests.world.tenants import Tenant, make_tenant


@pytest.fixture(scope="session")
def database_url() -> Iterator[URL]:
    """A migrated PostgreSQL database private to this xdist worker."""
    name = f"erp_test_{worker_id()}"
    url = fresh_database(name)
    upgrade(url)
    yield url
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def engine(database_url: URL) -> AsyncIterator[AsyncEngine]:
    install_tenant_scoping()
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Session factory on the worker's database; every table is emptied after the test."""
    yield session_factory(engine)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {tables} CASCADE")


@pytest.fixture
async def acme(sessions: async_sessionmaker[AsyncSession]) -> Tenant:
    """Acme: a user of every platform role (admin@acme.test...), an Approver role and a
    Finance department."""
    return await make_tenant(sessions, "Acme")


@pytest.fixture
async def globex(sessions: async_sessionmaker[AsyncSession]) -> Tenant:
    """Globex, built like Acme: the other company, whose rows Acme's people never see."""
    return await make_tenant(sessions, "Globex")


@pytest.fixture
def app_settings(database_url: URL, tmp_path: Path) -> Settings:
    """The settings `client` serves with; an area overrides this fixture to change one."""
    return make_settings(database_url, tmp_path / "files")


@pytest.fixture
async def client(
    app_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AsyncTestClient[Any]]:
    """The API on the worker's database (its tables emptied after the test)."""
    async with AsyncTestClient(app=create_app(app_settings)) as test_client:
        yield test_client


@pytest.fixture
def headers(acme: Tenant) -> dict[str, dict[str, str]]:
    """Each of Acme's users signed in, by the key `acme.users` has them under."""
    return {key: auth_headers(user) for key, user in acme.users.items()}


@pytest.fixture
def as_admin(acme: Tenant) -> dict[str, str]:
    return auth_headers(acme.users[UserRole.ADMIN])


@pytest.fixture
def as_employee(acme: Tenant) -> dict[str, str]:
    return auth_headers(acme.users[UserRole.EMPLOYEE])


@pytest.fixture
def as_developer(acme: Tenant) -> dict[str, str]:
    return auth_headers(acme.users[UserRole.DEVELOPER], acme.company)


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as server:
        yield server


@pytest.fixture
async def pipeline(
    sessions: async_sessionmaker[AsyncSession], database_url: URL, smtp: SmtpServer
) -> AsyncIterator[Pipeline]:
    """The trigger engine in this process on the worker's database, e-mail to `smtp`."""
    line = await make_pipeline(sessions, settings_for(database_url, smtp.port))
    yield line
    await line.close()
