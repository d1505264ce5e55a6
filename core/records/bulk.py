"""Bulk create, update and delete of up to 1,000 records in the caller's transaction: all
are validated first, and one bad record means none is written."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.events import record_event
from core.models import CustomTableRecord, EventType, utcnow
from core.records.records import NewRecord, created_payload, stage_record, updated_payload
from core.records.tables import get_table, table_head, table_schema
from core.schema import clean_many

MAX_BULK = 1_000


def _check_size(items: list[Any], what: str) -> None:
    if not isinstance(items, list) or not items:
        raise ValidationFailed([FieldProblem(what, "must be a non-empty list", "invalid_type")])
    if len(items) > MAX_BULK:
        raise ValidationFailed(
            [FieldProblem(what, f"at most {MAX_BULK} at once, got {len(items)}", "too_many")]
        )


async def bulk_create_records(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    rows: list[dict[str, Any]],
    user_id: str | None,
    chain_depth: int = 0,
    path: str = "records",
) -> list[NewRecord]:
    """Create every row or none; problems are reported as `records[i].<field>`. Emits one
    DATABASE_ROW_CREATED per row."""
    _check_size(rows, path)
    table = await table_head(session, company_id=company_id, table_id=table_id)
    cleaned = await clean_many(
        session,
        company_id=company_id,
        schema=table_schema(table),
        items=[(row, None) for row in rows],
        prefixes=[f"{path}[{i}]." for i in range(len(rows))],
    )
    now = utcnow()
    created = [
        stage_record(
            session, company_id=company_id, table_id=table.id, data=data, user_id=user_id, now=now
        )
        for data in cleaned
    ]
    for record in created:
        record_event(
            session,
            EventType.DATABASE_ROW_CREATED,
            company_id=company_id,
            payload=created_payload(table, record, user_id),
            table_id=table.id,
            chain_depth=chain_depth,
        )
    return created


async def _load_many(
    session: AsyncSession, company_id: str, table_id: str, ids: list[Any], path: str
) -> list[CustomTableRecord]:
    wanted = [i for i in ids if isinstance(i, str)]
    found = {
        r.id: r
        for r in await session.scalars(
            sa.select(CustomTableRecord).where(
                CustomTableRecord.company_id == company_id,
                CustomTableRecord.table_id == table_id,
                CustomTableRecord.deleted_at.is_(None),
                CustomTableRecord.id.in_(wanted),
            )
        )
    }
    problems = [
        FieldProblem(f"{path}[{i}].id", f"no live record {rid!r} in this table", "not_found")
        for i, rid in enumerate(ids)
        if rid not in found
    ]
    problems += [
        FieldProblem(f"{path}[{i}].id", "listed twice", "duplicate")
        for i, rid in enumerate(ids)
        if rid in found and ids.index(rid) != i
    ]
    if problems:
        raise ValidationFailed(problems)
    return [found[rid] for rid in ids]


async def bulk_update_records(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    updates: list[dict[str, Any]],
    user_id: str | None,
    chain_depth: int = 0,
) -> list[CustomTableRecord]:
    """Apply partial updates `[{"id": ..., "data": {...}}]` to every record or none. Emits
    one DATABASE_ROW_UPDATED per record."""
    _check_size(updates, "records")
    bad = [
        FieldProblem(f"records[{i}]", 'must be {"id": text, "data": object}', "invalid_type")
        for i, u in enumerate(updates)
        if not isinstance(u, dict)
        or not isinstance(u.get("id"), str)
        or not isinstance(u.get("data"), dict)
    ]
    if bad:
        raise ValidationFailed(bad)
    table = await get_table(session, company_id=company_id, table_id=table_id)
    records = await _load_many(session, company_id, table.id, [u["id"] for u in updates], "records")
    previous = [dict(r.data) for r in records]
    cleaned = await clean_many(
        session,
        company_id=company_id,
        schema=table_schema(table),
        items=[(u["data"], p) for u, p in zip(updates, previous, strict=True)],
        prefixes=[f"records[{i}].data." for i in range(len(updates))],
    )
    now = utcnow()
    for record, data, before in zip(records, cleaned, previous, strict=True):
        record.data, record.updated_by, record.updated_at = data, user_id, now
        record_event(
            session,
            EventType.DATABASE_ROW_UPDATED,
            company_id=company_id,
            payload=updated_payload(table, record, before, user_id),
            table_id=table.id,
            chain_depth=chain_depth,
        )
    await session.flush()
    return records


async def bulk_delete_records(
    session: AsyncSession, *, company_id: str, table_id: str, ids: list[str], user_id: str | None
) -> int:
    """Soft-delete every listed record or none; returns how many were deleted."""
    _check_size(ids, "ids")
    table = await get_table(session, company_id=company_id, table_id=table_id)
    records = await _load_many(session, company_id, table.id, ids, "ids")
    now = utcnow()
    for record in records:
        record.deleted_at, record.updated_by = now, user_id
    await session.flush()
    return len(records)
