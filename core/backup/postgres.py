"""PostgreSQL's side: pg_dump's custom format, taken in a snapshot the rows are counted in
(so the manifest's counts are the dump's, whatever commits meanwhile), and pg_restore into
an empty database in one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.backup.tools import BackupFailed, libpq_environment, run_tool
from core.database import create_engine
from core.migrate import read_revision

TABLES = sa.text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
)
RELATIONS = sa.text(
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
)


@dataclass(frozen=True, slots=True)
class Dumped:
    revision: str | None
    counts: dict[str, int]
    server: str
    tool: str


@asynccontextmanager
async def _connect(url: URL, engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection, or BackupFailed in one line (no password) if there is none."""
    conn = engine.connect()
    try:
        await conn.start()
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        where = url.render_as_string(hide_password=True)
        raise BackupFailed(f"cannot reach the database at {where}: {reason}") from None
    try:
        yield conn
    finally:
        await conn.close()


async def count_rows(conn: AsyncConnection) -> dict[str, int]:
    """Rows of every table of the schema. Without erp.company_id set, the tenant policies let
    every row through, also for a role bound by them (core.tenancy)."""
    quote = conn.dialect.identifier_preparer.quote
    names = list((await conn.execute(TABLES)).scalars())
    return {
        # The names come from the catalog and are quoted.
        name: (await conn.exec_driver_sql(f"SELECT count(*) FROM {quote(name)}")).scalar_one()  # noqa: S608
        for name in names
    }


async def dump(url: URL, target: Path) -> Dumped:
    """pg_dump the database of `url` into `target` (custom format)."""
    env = libpq_environment(url)
    tool = await run_tool(["pg_dump", "--version"], env)
    engine = create_engine(url, poolclass=sa.NullPool)
    try:
        async with _connect(url, engine) as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                snapshot = (await conn.exec_driver_sql("SELECT pg_export_snapshot()")).scalar()
                server = (await conn.exec_driver_sql("SHOW server_version")).scalar()
                revision = await conn.run_sync(read_revision)
                counts = await count_rows(conn)
                # The policies are forced on the tables' owner too, so row security stays on
                # (its default, off, would refuse to dump them): with no company set, every
                # row passes.
                await run_tool(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        "--enable-row-security",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                    ],
                    env,
                )
    finally:
        await engine.dispose()
    return Dumped(revision, counts, str(server), tool)


async def ensure_empty(url: URL) -> None:
    """Refuse a target database that holds any table, view or sequence."""
    engine = create_engine(url, poolclass=sa.NullPool)
    try:
        async with _connect(url, engine) as conn:
            relations = (await conn.execute(RELATIONS)).scalar_one()
    finally:
        await engine.dispose()
    if relations:
        raise BackupFailed(
            f"the database {url.database} is not empty ({relations} tables, views or sequences):"
            " a backup restores only into an empty database. Create a new one (CREATE DATABASE"
            " erp OWNER erp), point DATABASE_URL at it and restore before `erp db upgrade`"
        )


async def load(url: URL, source: Path) -> tuple[str | None, dict[str, int]]:
    """pg_restore `source` into the (empty) database of `url`, all or nothing; the revision
    and row counts it then holds."""
    await run_tool(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--enable-row-security",
            f"--dbname={url.database}",
            str(source),
        ],
        libpq_environment(url),
    )
    engine = create_engine(url, poolclass=sa.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read_revision), await count_rows(conn)
    finally:
        await engine.dispose()
