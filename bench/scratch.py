"""A database of its own for each benchmark run: named after the script and the run, so two
runs on one server never meet, and dropped when the run ends, whether it finished or failed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.database import create_engine

SERVER = os.environ.get("ERP_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
"""The PostgreSQL server the benchmarks use (any database of it: the run makes its own)."""


def run_database(script: str) -> str:
    """The name of this run's database."""
    return f"erp_bench_{script}_{os.getpid()}_{secrets.token_hex(3)}"


def admin(*statements: str) -> None:
    """Run statements outside a transaction on the server, from any thread or event loop
    (a thread of its own runs them, so a script already inside asyncio.run can call it)."""

    async def run() -> None:
        engine = create_engine(make_url(SERVER), poolclass=sa.NullPool)
        try:
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                for statement in statements:
                    await conn.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def create(name: str) -> None:
    admin(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def dropped_at_end(name: str) -> Iterator[None]:
    """Drop the run's database when the block ends (it may never have been made)."""
    try:
        yield
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
