"""Expression indexes on the fields a table marks `indexed` (PostgreSQL), kept in step with
its schema: one partial index per field over the table's live rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.records.query import dialect_of, index_prefix, index_sql
from core.schema import CompiledSchema


async def sync_indexes(session: AsyncSession, table_id: str, schema: CompiledSchema) -> list[str]:
    """Create the missing indexes of indexed fields and drop those no longer wanted; returns
    the names of the table's indexes. Does nothing on SQLite (embedded mode is small)."""
    if dialect_of(session) != "postgresql":
        return []
    wanted: dict[str, str] = {}
    for definition in schema.definitions:
        kind = schema.kinds[definition.id]
        if definition.indexed and kind != "list":
            name, statement = index_sql(table_id, definition.id, kind)
            wanted[name] = statement
    existing = set(
        (
            await session.execute(
                sa.text(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'custom_table_records' "
                    "AND indexname LIKE :prefix"
                ),
                {"prefix": index_prefix(table_id) + "%"},
            )
        ).scalars()
    )
    for name in sorted(existing - set(wanted)):
        await session.execute(sa.text(f'DROP INDEX IF EXISTS "{name}"'))
    for name in sorted(set(wanted) - existing):
        await session.execute(sa.text(wanted[name]))
    return sorted(wanted)


async def drop_indexes(session: AsyncSession, table_id: str) -> None:
    """Drop every expression index of a table (before the table itself goes)."""
    if dialect_of(session) != "postgresql":
        return
    names = (
        await session.execute(
            sa.text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'custom_table_records' "
                "AND indexname LIKE :prefix"
            ),
            {"prefix": index_prefix(table_id) + "%"},
        )
    ).scalars()
    for name in list(names):
        await session.execute(sa.text(f'DROP INDEX IF EXISTS "{name}"'))
