"""Bulk create, update and delete of up to 1,000 records in the caller's transaction: all
are validated first, and one bad record means none is written."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.events import record_event
from core.models import CustomTableRecord, EventType, utcnow
from core.records.permissions import Acting, Grant
from core.records.records import (
    NewRecord,
    created_payload,
    stage_record,
    table_access,
    updated_payload,
)
from core.records.tables import TableHead, table_schema
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
    principal: Acting,
    chain_depth: int = 0,
    path: str = "records",
) -> list[NewRecord]:
    """Create every row or none, if the principal's role may create records and write those
    fields; problems are reported as `records[i].<field>`. Emits one DATABASE_ROW_CREATED
    per row."""
    _check_size(rows, path)
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("create", table.name)
    grant.check_writes((f"{path}[{i}].", row) for i, row in enumerate(rows))
    user_id = principal.user_id
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
    session: AsyncSession,
    company_id: str,
    table: TableHead,
    grant: Grant,
    action: str,
    ids: list[Any],
    path: str,
) -> list[CustomTableRecord]:
    """The listed live records of the table; ValidationFailed names each one missing (or
    unreadable to the principal), listed twice, or out of the principal's reach for
    `action` (only their own records, say)."""
    table_id = table.id
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
    found = {rid: r for rid, r in found.items() if grant.allows("read", r.created_by)}
    problems = [
        FieldProblem(f"{path}[{i}].id", f"no live record {rid!r} in this table", "not_found")
        for i, rid in enumerate(ids)
        if rid not in found
    ]
    problems += [
        FieldProblem(
            f"{path}[{i}].id",
            f"your role may not {action} this record of {table.name}",
            "forbidden",
        )
        for i, rid in enumerate(ids)
        if rid in found and not grant.allows(action, found[rid].created_by)
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
    principal: Acting,
    chain_depth: int = 0,
) -> list[CustomTableRecord]:
    """Apply partial updates `[{"id": ..., "data": {...}}]` to every record or none, if the
    principal's role may update each of them and write those fields. Emits one
    DATABASE_ROW_UPDATED per record."""
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
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("update", table.name)
    grant.check_writes((f"records[{i}].data.", u["data"]) for i, u in enumerate(updates))
    records = await _load_many(
        session, company_id, table, grant, "update", [u["id"] for u in updates], "records"
    )
    user_id = principal.user_id
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
    session: AsyncSession, *, company_id: str, table_id: str, ids: list[str], principal: Acting
) -> int:
    """Soft-delete every listed record or none, if the principal's role may delete each of
    them; returns how many were deleted."""
    _check_size(ids, "ids")
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("delete", table.name)
    records = await _load_many(session, company_id, table, grant, "delete", ids, "ids")
    now = utcnow()
    for record in records:
        record.deleted_at, record.updated_by = now, principal.user_id
    await session.flush()
    return len(records)
