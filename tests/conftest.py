"""Shared fixtures: a PostgreSQL database per xdist worker (migrated once), emptied after
each test that wrote to it, and sessions bound to it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.database import create_engine, session_factory
from core.migrate import upgrade
from core.models import Base
from core.tenancy import install_tenant_scoping

PG_SERVER = os.environ.get("ERP_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def worker_id() -> str:
    """Unique per test run and xdist worker, so that concurrent runs never share databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    return f"{run[:8]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def admin_execute(*statements: str) -> None:
    """Run statements on the server's maintenance database, outside any transaction."""
    import asyncio

    async def _run() -> None:
        engine = create_engine(make_url(PG_SERVER), poolclass=sa.NullPool)
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await conn.exec_driver_sql(statement)
        await engine.dispose()

    asyncio.run(_run())


def fresh_database(name: str) -> URL:
    """Drop and create database `name` on the test server; return its URL."""
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return make_url(PG_SERVER).set(database=name)


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
