"""API fixtures beyond the shared ones: the API connected as a deployment's database role, so
that row-level security binds every request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from tests.world.app import make_settings
from tests.world.databases import admin_execute, worker_id


@pytest.fixture(scope="session")
def login_role(database_url: URL) -> Iterator[URL]:
    """The worker's database as a deployment should connect to it: a role that is neither
    superuser nor BYPASSRLS, so row-level security binds every request. Its URL."""
    role = f"erp_login_{worker_id()}"
    admin_execute(
        f'DROP ROLE IF EXISTS "{role}"', f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'
    )
    yield database_url.set(username=role)
    admin_execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
async def rls_client(
    login_role: URL, engine: AsyncEngine, sessions, tmp_path: Path
) -> AsyncIterator[AsyncTestClient]:
    """The API connected as `login_role` (granted on every table for this test)."""
    role = login_role.username
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        await conn.exec_driver_sql(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
    app = create_app(make_settings(login_role, tmp_path / "files"))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
