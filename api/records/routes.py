"""Routes of custom tables and their records: thin handlers over core.records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from api.deps import DB, Actor
from api.guards import requires
from api.openapi import RAW_BODY
from api.pagination import Limit, Offset, PageOut, page
from api.records import datasets
from api.records.schemas import (
    MAX_RECORDS_PAGE,
    BulkCreate,
    BulkDelete,
    BulkResult,
    BulkUpdate,
    CountMode,
    Cursor,
    RecordCount,
    RecordOut,
    RecordPage,
    RecordQuery,
    RecordWrite,
    SchemaCheckIn,
    SchemaCheckOut,
    TableCreate,
    TableOut,
    TableSchemasOut,
    TableUpdate,
    changes_of,
    record_out,
    schema_check_out,
    table_out,
)
from core import records
from core.access import Principal
from core.errors import FieldProblem, ValidationFailed
from core.records import use_cases
from core.tenancy import company_of, scope

TAGS = ["tables"]


def _csv_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _json_param(name: str, value: str | None) -> Any:
    if not value:
        return None
    try:
        return msgspec.json.decode(value)
    except msgspec.DecodeError:
        raise ValidationFailed(
            [FieldProblem(name, "is not valid JSON", "malformed_json")]
        ) from None


@get("/tables", guards=[requires("tables.read")], summary="List custom tables")
async def list_tables(
    db: DB, principal: Actor, limit: Limit = 50, offset: Offset = 0
) -> PageOut[TableOut]:
    found = await records.list_tables(db, company_id=company_of(principal))
    return page(found, limit, offset, table_out)


@post("/tables", guards=[requires("tables.write")], summary="Create a custom table")
async def create_table(db: DB, principal: Actor, data: JSONBody[TableCreate]) -> TableOut:
    table = await use_cases.create_table(
        db,
        principal,
        name=data.name,
        display_name=data.display_name,
        schema=data.schema,
        relations=data.relations,
        settings=data.settings,
        description=data.description,
        permissions=data.permissions,
    )
    return table_out(table)


@get(
    "/tables/definition-schemas",
    guards=[requires("tables.read")],
    summary="JSON Schemas of a table's relations and permissions",
)
async def definition_schemas() -> TableSchemasOut:
    return TableSchemasOut(
        relations=records.RELATIONS_SCHEMA,
        permissions=records.PERMISSIONS_SCHEMA,
        platform_roles=list(records.PLATFORM_ROLES),
    )


@post(
    "/tables/{table:str}/schema-check",
    guards=[requires("tables.write")],
    status_code=200,
    summary="What a new schema would do to the table's records (nothing is written)",
)
async def check_schema(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[SchemaCheckIn]
) -> SchemaCheckOut:
    impact = await use_cases.check_table_change(
        db,
        principal,
        table_id=table,
        schema=data.schema,
        relations=None if data.relations is msgspec.UNSET else data.relations,
        permissions=None if data.permissions is msgspec.UNSET else data.permissions,
    )
    return schema_check_out(impact)


@get(
    "/tables/{table:str}",
    guards=[requires("tables.read")],
    summary="Read a table (by id or name)",
)
async def get_table(db: DB, principal: Actor, table: FromPath[str]) -> TableOut:
    return table_out(await records.get_table(db, company_id=company_of(principal), table_id=table))


@patch(
    "/tables/{table:str}",
    guards=[requires("tables.write")],
    summary="Change a table; a schema change is refused if existing records no longer fit",
)
async def update_table(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[TableUpdate]
) -> TableOut:
    row = await use_cases.update_table(db, principal, table_id=table, changes=changes_of(data))
    return table_out(row)


@delete(
    "/tables/{table:str}",
    guards=[requires("tables.write")],
    summary="Delete a table and its records",
)
async def delete_table(db: DB, principal: Actor, table: FromPath[str]) -> None:
    await use_cases.delete_table(db, principal, table_id=table)


@get(
    "/tables/{table:str}/records",
    guards=[requires("records.read")],
    summary="List records: where (JSON), sort (-amount,name), limit, offset or after (a "
    "page's nextCursor), expand, deleted, count (exact, bounded: up to 10,000, none)",
    description=(
        "A page starts at `offset`, or with `after` right after the last row of the page "
        "whose `nextCursor` it is (same sort; `offset` 0): a cursor reads a deep page as "
        "fast as the first, an offset reads and skips every row before it. Counting every "
        "match of a large table costs more than reading a page: a client paging through "
        "one asks with `count=none` and counts once per filter "
        "(`/tables/{table}/records/count`)."
    ),
)
async def list_records(
    db: DB,
    principal: Actor,
    table: FromPath[str],
    where: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_RECORDS_PAGE, description="Page size")] = 50,
    offset: Offset = 0,
    after: Annotated[
        Cursor | None, QueryParameter(description="A previous page's nextCursor")
    ] = None,
    expand: FromQuery[str | None] = None,
    deleted: FromQuery[bool] = False,
    count: FromQuery[CountMode] = "exact",
) -> RecordPage:
    query = RecordQuery(
        where=_json_param("where", where),
        sort=_csv_list(sort),
        limit=limit,
        offset=offset,
        after=after,
        expand=_csv_list(expand),
        deleted=deleted,
        count=count,
    )
    return await _page(db, principal, table, query)


@get(
    "/tables/{table:str}/records/count",
    guards=[requires("records.read")],
    summary="Count records matching where (JSON): exactly, or with count=bounded up to 10,000",
)
async def count_records(
    db: DB,
    principal: Actor,
    table: FromPath[str],
    where: FromQuery[str | None] = None,
    deleted: FromQuery[bool] = False,
    count: FromQuery[Literal["exact", "bounded"]] = "exact",
) -> RecordCount:
    total, exact = await records.count_records(
        db,
        company_id=company_of(principal),
        table_id=table,
        principal=principal,
        where=_json_param("where", where),
        deleted=deleted,
        exact=count == "exact",
    )
    return RecordCount(total=total, total_is_exact=exact)


@post(
    "/tables/{table:str}/records/query",
    guards=[requires("records.read")],
    status_code=200,
    summary="List records with the filter in the body",
)
async def query_records(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[RecordQuery]
) -> RecordPage:
    return await _page(db, principal, table, data)


async def _page(db: DB, principal: Principal, table: str, query: RecordQuery) -> RecordPage:
    page = await records.list_records(
        db,
        company_id=company_of(principal),
        table_id=table,
        principal=principal,
        where=query.where,
        sort=query.sort or None,
        limit=query.limit,
        offset=query.offset,
        after=query.after,
        deleted=query.deleted,
        expand_names=query.expand,
        count=query.count,
    )
    expanded = page.expanded if query.expand else {}
    return RecordPage(
        items=[record_out(r, expanded.get(r.id) if query.expand else None) for r in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        total_is_exact=page.total_is_exact,
        next_cursor=page.next_cursor,
    )


@post(
    "/tables/{table:str}/records",
    guards=[requires("records.write")],
    summary="Add a record",
)
async def create_record(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[RecordWrite]
) -> RecordOut:
    row = await use_cases.create_record(db, principal, table_id=table, data=data.data)
    return record_out(row)


@get(
    "/tables/{table:str}/records/{record:str}",
    guards=[requires("records.read")],
    summary="Read a record; expand=field,relation adds the rows it relates to",
)
async def get_record(
    db: DB,
    principal: Actor,
    table: FromPath[str],
    record: FromPath[str],
    expand: FromQuery[str | None] = None,
) -> RecordOut:
    names = _csv_list(expand)
    row, expanded = await records.get_record(
        db,
        company_id=company_of(principal),
        record_id=record,
        table_id=table,
        principal=principal,
        expand_names=names,
    )
    return record_out(row, expanded if names else None)


@patch(
    "/tables/{table:str}/records/{record:str}",
    guards=[requires("records.write")],
    summary="Change some fields of a record (null clears one)",
)
async def update_record(
    db: DB,
    principal: Actor,
    table: FromPath[str],
    record: FromPath[str],
    data: JSONBody[RecordWrite],
) -> RecordOut:
    row = await use_cases.update_record(
        db, principal, table_id=table, record_id=record, data=data.data
    )
    return record_out(row)


@delete(
    "/tables/{table:str}/records/{record:str}",
    guards=[requires("records.write")],
    summary="Soft-delete a record",
)
async def delete_record(
    db: DB, principal: Actor, table: FromPath[str], record: FromPath[str]
) -> None:
    await use_cases.delete_record(db, principal, table_id=table, record_id=record)


@post(
    "/tables/{table:str}/records/{record:str}/restore",
    guards=[requires("records.write")],
    status_code=200,
    summary="Restore a soft-deleted record",
)
async def restore_record(
    db: DB, principal: Actor, table: FromPath[str], record: FromPath[str]
) -> RecordOut:
    row = await use_cases.restore_record(db, principal, table_id=table, record_id=record)
    return record_out(row)


def _written(rows: Sequence[Any]) -> BulkResult:
    """The answer of a bulk write: how many records, and their ids in the order sent."""
    return BulkResult(count=len(rows), ids=[r.id for r in rows])


@post(
    "/tables/{table:str}/records/bulk-create",
    guards=[requires("records.write")],
    summary="Create up to 1,000 records, all or none",
)
async def bulk_create(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[BulkCreate]
) -> BulkResult:
    rows = await use_cases.bulk_create(db, principal, table_id=table, rows=data.records)
    return _written(rows)


@post(
    "/tables/{table:str}/records/bulk-update",
    guards=[requires("records.write")],
    status_code=200,
    summary="Change up to 1,000 records, all or none",
)
async def bulk_update(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[BulkUpdate]
) -> BulkResult:
    updates = [{"id": u.id, "data": u.data} for u in data.records]
    rows = await use_cases.bulk_update(db, principal, table_id=table, updates=updates)
    return _written(rows)


@post(
    "/tables/{table:str}/records/bulk-delete",
    guards=[requires("records.write")],
    status_code=200,
    summary="Soft-delete up to 1,000 records, all or none",
)
async def bulk_delete(
    db: DB, principal: Actor, table: FromPath[str], data: JSONBody[BulkDelete]
) -> BulkResult:
    count = await use_cases.bulk_delete(db, principal, table_id=table, ids=data.ids)
    return BulkResult(count=count, ids=data.ids)


@post(
    "/tables/{table:str}/records/import",
    guards=[requires("records.write")],
    summary="Import a CSV file (text/csv body; header of field ids or labels), all or none",
    opt={RAW_BODY: "text/csv"},
)
async def import_csv(
    request: Request[Any, Any, Any], db: DB, principal: Actor, table: FromPath[str]
) -> BulkResult:
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            [FieldProblem("csv", "must be UTF-8 text", "invalid_encoding")]
        ) from None
    rows = await use_cases.import_csv(db, principal, table_id=table, text=text)
    return _written(rows)


@get(
    "/tables/{table:str}/records/export",
    guards=[requires("records.read")],
    summary="Export the live records as CSV (where and sort as for the list)",
    media_type="text/csv",
)
async def export_csv(
    request: Request[Any, Any, Any],
    db: DB,
    principal: Actor,
    table: FromPath[str],
    where: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
) -> Response[Any]:
    # Check the table, filter and sort now, so mistakes are problem responses; the stream
    # outlives the handler's transaction and reads in its own tenant-scoped session.
    company_id = company_of(principal)
    rule, order = _json_param("where", where), _csv_list(sort) or None
    await records.list_records(
        db,
        company_id=company_id,
        table_id=table,
        principal=principal,
        where=rule,
        sort=order,
        limit=1,
        count="none",
    )
    sessions = request.app.state.sessions

    async def stream() -> AsyncIterator[str]:
        async with sessions() as session:
            scope(session, company_id)
            async for chunk in records.export_csv(
                session,
                company_id=company_id,
                table_id=table,
                principal=principal,
                where=rule,
                sort=order,
            ):
                yield chunk

    return Stream(
        stream(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
    )


tables = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        list_tables,
        create_table,
        definition_schemas,
        check_schema,
        get_table,
        update_table,
        delete_table,
        list_records,
        count_records,
        query_records,
        create_record,
        bulk_create,
        bulk_update,
        bulk_delete,
        import_csv,
        export_csv,
        get_record,
        update_record,
        delete_record,
        restore_record,
    ],
)
router = Router(path="/", route_handlers=[tables, datasets.router])
