"""What a person does with a company's tables, records and datasets through the API: each
use case checks the permission, applies the area's rules and writes the audit row, in the
caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit, snapshot
from core.models import CustomTable, Dataset
from core.records import bulk, csv_transfer, datasets, records, tables
from core.records.records import NewRecord, StoredRecord
from core.records.schema_changes import SchemaImpact
from core.tenancy import company_of


async def create_table(session: AsyncSession, principal: Principal, **spec: Any) -> CustomTable:
    """A new custom table (`spec`: the arguments of core.records.tables.create_table)."""
    require(principal, "tables.write")
    table = await tables.create_table(session, company_id=company_of(principal), **spec)
    record_audit(
        session, principal, "table.created", "CustomTable", table.id, after=snapshot(table)
    )
    return table


async def update_table(
    session: AsyncSession, principal: Principal, *, table_id: str, changes: dict[str, Any]
) -> CustomTable:
    """Change the table named by id or name (`changes`: what tables.update_table takes)."""
    require(principal, "tables.write")
    company_id = company_of(principal)
    row = await tables.get_table(session, company_id=company_id, table_id=table_id)
    before = snapshot(row)
    row = await tables.update_table(session, company_id=company_id, table_id=row.id, **changes)
    record_audit(
        session,
        principal,
        "table.updated",
        "CustomTable",
        row.id,
        before=before,
        after=snapshot(row),
    )
    return row


async def check_table_change(
    session: AsyncSession,
    principal: Principal,
    *,
    table_id: str,
    schema: Any,
    relations: Any = None,
    permissions: Any = None,
) -> SchemaImpact:
    """What changing the table to this schema would do to its records; nothing is written."""
    require(principal, "tables.write")
    return await tables.check_table_change(
        session,
        company_id=company_of(principal),
        table_id=table_id,
        schema=schema,
        relations=relations,
        permissions=permissions,
    )


async def delete_table(session: AsyncSession, principal: Principal, *, table_id: str) -> None:
    require(principal, "tables.write")
    company_id = company_of(principal)
    row = await tables.get_table(session, company_id=company_id, table_id=table_id)
    before = snapshot(row)
    await tables.delete_table(session, company_id=company_id, table_id=row.id)
    record_audit(session, principal, "table.deleted", "CustomTable", before["id"], before=before)


async def create_record(
    session: AsyncSession, principal: Principal, *, table_id: str, data: dict[str, Any]
) -> StoredRecord:
    require(principal, "records.write")
    row = await records.create_record(
        session, company_id=company_of(principal), table_id=table_id, data=data, principal=principal
    )
    record_audit(
        session,
        principal,
        "record.created",
        "CustomTableRecord",
        row.id,
        after=snapshot(row.columns()),
    )
    return row


async def update_record(
    session: AsyncSession,
    principal: Principal,
    *,
    table_id: str,
    record_id: str,
    data: dict[str, Any],
) -> StoredRecord:
    """Change some fields of a record (None clears one)."""
    require(principal, "records.write")
    company_id = company_of(principal)
    before, _ = await records.get_record(
        session, company_id=company_id, record_id=record_id, table_id=table_id, principal=principal
    )
    row = await records.update_record(
        session,
        company_id=company_id,
        record_id=before.id,
        table_id=table_id,
        data=data,
        principal=principal,
    )
    record_audit(
        session,
        principal,
        "record.updated",
        "CustomTableRecord",
        row.id,
        before=snapshot(before.columns()),
        after=snapshot(row.columns()),
    )
    return row


async def delete_record(
    session: AsyncSession, principal: Principal, *, table_id: str, record_id: str
) -> None:
    """Soft-delete a record."""
    require(principal, "records.write")
    before, after = await records.delete_record(
        session,
        company_id=company_of(principal),
        record_id=record_id,
        table_id=table_id,
        principal=principal,
    )
    record_audit(
        session,
        principal,
        "record.deleted",
        "CustomTableRecord",
        after.id,
        before=snapshot(before.columns()),
        after=snapshot(after.columns()),
    )


async def restore_record(
    session: AsyncSession, principal: Principal, *, table_id: str, record_id: str
) -> StoredRecord:
    require(principal, "records.write")
    row = await records.restore_record(
        session,
        company_id=company_of(principal),
        record_id=record_id,
        table_id=table_id,
        principal=principal,
    )
    record_audit(
        session,
        principal,
        "record.restored",
        "CustomTableRecord",
        row.id,
        after=snapshot(row.columns()),
    )
    return row


def _bulk_audit(
    session: AsyncSession, principal: Principal, action: str, table_id: str, ids: list[str]
) -> None:
    """One audit row for a bulk change, on the table, naming every record it touched."""
    record_audit(
        session,
        principal,
        action,
        "CustomTable",
        table_id,
        metadata={"count": len(ids), "recordIds": ids},
    )


async def bulk_create(
    session: AsyncSession, principal: Principal, *, table_id: str, rows: list[dict[str, Any]]
) -> list[NewRecord]:
    """Create records, all or none."""
    require(principal, "records.write")
    created = await bulk.bulk_create_records(
        session, company_id=company_of(principal), table_id=table_id, rows=rows, principal=principal
    )
    _bulk_audit(
        session, principal, "records.bulk_created", created[0].table_id, [r.id for r in created]
    )
    return created


async def bulk_update(
    session: AsyncSession,
    principal: Principal,
    *,
    table_id: str,
    updates: list[dict[str, Any]],
) -> list[Any]:
    """Change records ({"id", "data"} each), all or none."""
    require(principal, "records.write")
    changed = await bulk.bulk_update_records(
        session,
        company_id=company_of(principal),
        table_id=table_id,
        updates=updates,
        principal=principal,
    )
    _bulk_audit(
        session, principal, "records.bulk_updated", changed[0].table_id, [r.id for r in changed]
    )
    return changed


async def bulk_delete(
    session: AsyncSession, principal: Principal, *, table_id: str, ids: list[str]
) -> int:
    """Soft-delete records, all or none; how many were deleted."""
    require(principal, "records.write")
    company_id = company_of(principal)
    row = await tables.get_table(session, company_id=company_id, table_id=table_id)
    count = await bulk.bulk_delete_records(
        session, company_id=company_id, table_id=row.id, ids=ids, principal=principal
    )
    _bulk_audit(session, principal, "records.bulk_deleted", row.id, ids)
    return count


async def import_csv(
    session: AsyncSession, principal: Principal, *, table_id: str, text: str
) -> list[NewRecord]:
    """Import CSV text (header of field ids or labels), all or none."""
    require(principal, "records.write")
    created = await csv_transfer.import_csv(
        session, company_id=company_of(principal), table_id=table_id, text=text, principal=principal
    )
    _bulk_audit(
        session, principal, "records.imported", created[0].table_id, [r.id for r in created]
    )
    return created


async def create_dataset(session: AsyncSession, principal: Principal, **spec: Any) -> Dataset:
    """A new draft dataset (`spec`: the arguments of core.records.datasets.create_dataset)."""
    require(principal, "datasets.write")
    row = await datasets.create_dataset(session, company_id=company_of(principal), **spec)
    record_audit(session, principal, "dataset.created", "Dataset", row.id, after=snapshot(row))
    return row


async def update_dataset(
    session: AsyncSession, principal: Principal, *, dataset_id: str, changes: dict[str, Any]
) -> Dataset:
    require(principal, "datasets.write")
    company_id = company_of(principal)
    before = snapshot(
        await datasets.load_dataset(session, company_id=company_id, dataset_id=dataset_id)
    )
    row = await datasets.update_dataset(
        session, company_id=company_id, dataset_id=dataset_id, changes=changes
    )
    record_audit(
        session, principal, "dataset.updated", "Dataset", row.id, before=before, after=snapshot(row)
    )
    return row


async def publish_dataset(
    session: AsyncSession, principal: Principal, *, dataset_id: str
) -> Dataset:
    return await _transition(session, principal, dataset_id, publish=True)


async def archive_dataset(
    session: AsyncSession, principal: Principal, *, dataset_id: str
) -> Dataset:
    """Archive a dataset: read-only from then on."""
    return await _transition(session, principal, dataset_id, publish=False)


async def _transition(
    session: AsyncSession, principal: Principal, dataset_id: str, *, publish: bool
) -> Dataset:
    require(principal, "datasets.write")
    company_id = company_of(principal)
    change = datasets.publish_dataset if publish else datasets.archive_dataset
    before = snapshot(
        await datasets.load_dataset(session, company_id=company_id, dataset_id=dataset_id)
    )
    row = await change(session, company_id=company_id, dataset_id=dataset_id)
    action = "dataset.published" if publish else "dataset.archived"
    record_audit(session, principal, action, "Dataset", row.id, before=before, after=snapshot(row))
    return row
