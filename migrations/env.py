"""Alembic environment: runs revisions on the async engine of the configured database."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from core.database import create_engine
from core.models import Base
from core.settings import get_settings, parse_database_url

target_metadata = Base.metadata


def _database_url() -> str:
    configured = context.config.get_main_option("sqlalchemy.url")
    url = parse_database_url(configured) if configured else get_settings().database_url
    return url.render_as_string(hide_password=False)


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
    # Expression indexes on custom tables' indexed fields (ixr_*) are made at run time by
    # core.records, not by migrations: autogenerate must not propose dropping them.
    return not (type_ == "index" and reflected and (name or "").startswith("ixr_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(parse_database_url(_database_url()))
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_online())
