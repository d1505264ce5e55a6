"""PostgreSQL databases of a test run: named per run and xdist worker, made and dropped on
the server's maintenance database."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from core.database import create_engine
from core.migrate import upgrade
from core.settings import parse_database_url

PG_SERVER = os.environ.get("ERP_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def worker_id() -> str:
    """Unique per test run and xdist worker, so that concurrent runs never share databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    return f"{run[:8]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def admin_execute(*statements: str) -> None:
    """Run statements on the server's maintenance database, outside any transaction."""

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


async def embedded_database(path: Path) -> URL:
    """A migrated SQLite database at `path`, as the embedded mode makes one; its URL."""
    url = parse_database_url(f"sqlite:///{path}")
    await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
    return url
