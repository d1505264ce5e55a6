"""Fixtures of the row-level security tests: a role like a deployment's (not a superuser,
so the policies bind it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.world.databases import admin_execute, worker_id


@pytest.fixture(scope="session")
def app_role(database_url: URL) -> Iterator[str]:
    """A role like the one a deployment should connect as: no superuser, no BYPASSRLS,
    granted on the tables. NOLOGIN: the tests take it with SET LOCAL ROLE."""
    role = f"erp_app_{worker_id()}"
    admin_execute(f'DROP ROLE IF EXISTS "{role}"', f'CREATE ROLE "{role}" NOLOGIN')
    yield role
    # Privileges live in the worker's database, dropped after this fixture; the role after.
    admin_execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
async def granted(engine: AsyncEngine, app_role: str) -> AsyncIterator[str]:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{app_role}"')
        await conn.exec_driver_sql(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"'
        )
    yield app_role
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'DROP OWNED BY "{app_role}"')
