"""CSV import and export of a table's records: columns are field ids (labels are accepted on
import), cells are read and written by each field type."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.models import CustomTableRecord
from core.records.bulk import NewRecord, bulk_create_records
from core.records.permissions import Acting
from core.records.query import dialect_of, order_by, table_filter, where_clause, without_jit
from core.records.records import table_access
from core.records.tables import table_schema

MAX_IMPORT = 1_000
EXPORT_BATCH = 1_000
META_COLUMNS = ("id", "createdAt", "updatedAt")


async def import_csv(
    session: AsyncSession, *, company_id: str, table_id: str, text: str, principal: Acting
) -> list[NewRecord]:
    """Create one record per CSV row, all or none (at most 1,000 rows), if the principal's
    role may create records and write every column. Problems point at
    `rows[<line>].<field>` where line is the line number in the file; a column the role may
    not write at `columns[<j>]`."""
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("create", table.name)
    schema = table_schema(table)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        raise ValidationFailed([FieldProblem("csv", "the file is empty", "empty")])
    by_label = {d.label.casefold(): d.id for d in schema.definitions}
    columns: list[str | None] = []
    problems = []
    for j, title in enumerate(header):
        title = title.strip()
        if title in schema.by_id:
            columns.append(title)
        elif title.casefold() in by_label:
            columns.append(by_label[title.casefold()])
        elif title in META_COLUMNS:
            columns.append(None)  # an exported file imports back; ids are new
        else:
            problems.append(
                FieldProblem(
                    f"columns[{j}]", f"{title!r} is not a field of {table.name}", "unknown_field"
                )
            )
    problems += [
        FieldProblem(
            f"columns[{j}]",
            f"your role may not write {column!r}"
            if grant.fields[column] == "read"
            else f"{header[j].strip()!r} is not a field of {table.name}",
            "field_forbidden" if grant.fields[column] == "read" else "unknown_field",
        )
        for j, column in enumerate(columns)
        if column is not None and column in grant.fields
    ]
    if problems:
        raise ValidationFailed(problems, "The CSV header does not match the table")
    rows: list[dict[str, Any]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) == MAX_IMPORT:
            raise ValidationFailed(
                [FieldProblem("csv", f"at most {MAX_IMPORT} rows at once", "too_many")]
            )
        row: dict[str, Any] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column is None or cell == "":
                continue
            definition = schema.by_id[column]
            row[column] = schema.types[column].parse_text(cell, definition)
        rows.append(row)
    if not rows:
        raise ValidationFailed([FieldProblem("csv", "the file has no rows", "empty")])
    return await bulk_create_records(
        session,
        company_id=company_id,
        table_id=table.id,
        rows=rows,
        principal=principal,
        path="rows",
    )


async def export_csv(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    principal: Acting,
    where: Any = None,
    sort: list[str] | None = None,
) -> AsyncIterator[str]:
    """The table's live records that the principal may read as CSV text, in chunks (header
    first), for streaming; the fields hidden from their role are not among the columns."""
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("read", table.name)
    schema = table_schema(table)
    grant.check_query(where, sort, schema)
    dialect = dialect_of(session)
    conditions = [
        table_filter(table.id),
        CustomTableRecord.company_id == company_id,
        CustomTableRecord.deleted_at.is_(None),
    ]
    if (owner := grant.own_only("read")) is not None:
        conditions.append(CustomTableRecord.created_by == owner)
    columns = {fid: d for fid, d in schema.by_id.items() if fid not in grant.hidden}
    if where not in (None, {}):
        condition = where_clause(where, schema.definitions, schema.kinds, dialect)
        conditions.append(condition)
        await without_jit(session, condition)
    query = (
        sa.select(CustomTableRecord)
        .where(*conditions)
        .order_by(*order_by(sort, schema.kinds, dialect))
        .execution_options(yield_per=EXPORT_BATCH)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *columns])
    async for record in await session.stream_scalars(query):
        writer.writerow(
            [
                record.id,
                *(
                    ""
                    if record.data.get(fid) is None
                    else schema.types[fid].format_text(record.data[fid], d)
                    for fid, d in columns.items()
                ),
            ]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
