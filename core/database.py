"""The async engine and sessions for PostgreSQL (asyncpg) or the embedded SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.errors import ConfigurationError
from core.rules.sql import register_sqlite_functions

if TYPE_CHECKING:
    from core.settings import Settings


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def create_engine(url: URL, **kw: Any) -> AsyncEngine:
    """An engine tuned for the backend: pooled asyncpg, or SQLite with WAL and foreign keys.
    JSON columns are encoded and decoded with msgspec (several times faster than `json`)."""
    kw.setdefault("json_serializer", _json_dumps)
    kw.setdefault("json_deserializer", msgspec.json.decode)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kw)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if "poolclass" not in kw:
        # No pre-ping: it costs a round trip per checkout; a dropped connection surfaces as
        # a disconnect error, which invalidates the pool, and the next request reconnects.
        # Connections kept open rather than opened per burst: opening one costs several
        # round trips (TLS probe, auth, type introspection) and forks a PostgreSQL backend,
        # and a connection beyond the pool is closed again when returned. An API process
        # keeps as many as it serves requests at once (ERP_DATABASE_POOL_SIZE).
        kw.setdefault("pool_size", 20)
        kw.setdefault("max_overflow", 10)
    return create_async_engine(url, **kw)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off unless asked on every connection; WAL lets readers
    # proceed while the single writer commits.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # JavaScript number coercions used by rules compiled to SQL (see core.rules.sql).
    register_sqlite_functions(dbapi_connection)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession], **info: Any
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any error. `info` (for example
    `company_id`) is attached to the session for the tenancy scoping."""
    async with sessions() as session, session.begin():
        session.info.update(info)
        yield session


def check_database(settings: Settings, *, require_schema: bool = False) -> str | None:
    """Connect once and return the schema revision; raise ConfigurationError with one clear
    line if the database is unreachable or (with `require_schema`) not migrated to head."""
    from core.migrate import head_revision, read_revision  # Alembic: only commands need it

    async def _revision() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read_revision)
        finally:
            await engine.dispose()

    where = settings.database_url.render_as_string(hide_password=True)
    try:
        revision = asyncio.run(_revision())
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigurationError(f"cannot reach the database at {where}: {reason}") from None
    head = head_revision()
    if require_schema and revision != head:
        raise ConfigurationError(
            f"the database at {where} is at schema {revision or 'none'}, the code needs {head}: "
            "run `erp db upgrade`"
        )
    return revision
