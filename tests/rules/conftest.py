"""Rule engine fixtures: a private PostgreSQL database per xdist worker, and a SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.rules.sql import register_sqlite_functions

PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"

metadata = sa.MetaData()
records = sa.Table(
    "rule_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)


@pytest.fixture(scope="session")
def records_table() -> sa.Table:
    return records


def _database_name() -> str:
    # the pid too: several pytest runs (other engineers, CI) may share one PostgreSQL server
    return f"erp_rules_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    name = _database_name()
    admin = create_async_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    # The array-to-text subqueries make the planner's cost estimates huge, so PostgreSQL would
    # JIT-compile every generated filter: ~1 s each for a scan of 50 rows (see docs/rules.md).
    engine = create_async_engine(
        f"{PG_SERVER}/{name}", connect_args={"server_settings": {"jit": "off"}}
    )
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path: Path = tmp_path_factory.mktemp("rules") / "rules.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    sa.event.listen(engine.sync_engine, "connect", lambda conn, _: register_sqlite_functions(conn))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()
