"""Records of custom tables: create, read, partial update, soft delete, restore and list.
Every write is validated against the table's schema and emits its domain event in the same
transaction."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, NotFound, ValidationFailed
from core.events import record_event
from core.models import CustomTable, CustomTableRecord, EventType, new_id, utcnow
from core.models.base import Base
from core.records.query import dialect_of, order_by, table_filter, where_clause, without_jit
from core.records.relations import expand
from core.records.tables import TableHead, get_table, table_head, table_schema
from core.schema import CompiledSchema, clean_many
from core.staging import stage

MAX_PAGE = 1_000
RECORDS = Base.metadata.tables[CustomTableRecord.__tablename__]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as a page lists it (lighter than an ORM object; read, never changed)."""

    id: str
    table_id: str
    data: dict[str, Any]
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


STORED_COLUMNS = tuple(f.name for f in fields(StoredRecord))
"""The columns a page reads, in StoredRecord's order."""


COUNT_MODES = ("exact", "bounded", "none")
COUNT_BOUND = 10_000
"""With count="bounded", records are counted up to this many: past it the total says "at
least" (counting every row of a large table costs more than reading the page)."""


@dataclass(slots=True)
class Page:
    """One page of records, the total matching the filter (None when not counted; a lower
    bound when not `total_is_exact`), and what was expanded per id."""

    items: list[StoredRecord]
    total: int | None
    limit: int
    offset: int
    total_is_exact: bool = True
    expanded: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record just written (staged in the transaction): its row, lighter than an ORM
    object."""

    id: str
    company_id: str
    table_id: str
    data: dict[str, Any]
    created_by: str | None
    created_at: datetime
    deleted_at: None = None

    @property
    def updated_by(self) -> str | None:
        return self.created_by

    @property
    def updated_at(self) -> datetime:
        return self.created_at

    def columns(self) -> dict[str, Any]:
        """The row's column values."""
        return {
            "id": self.id,
            "company_id": self.company_id,
            "table_id": self.table_id,
            "data": self.data,
            "created_by": self.created_by,
            "updated_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "deleted_at": None,
        }


def stage_record(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    data: dict[str, Any],
    user_id: str | None,
    now: datetime,
) -> NewRecord:
    """Stage the insert of a validated record (see core.staging)."""
    record = NewRecord(new_id(), company_id, table_id, data, user_id, now)
    stage(session, RECORDS, record.columns())
    return record


class Row(Protocol):
    """What an event payload needs of a record (a loaded row or a bulk-created one)."""

    @property
    def id(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


def created_payload(
    table: TableHead | CustomTable, record: Row, user_id: str | None
) -> dict[str, Any]:
    return {
        "tableId": table.id,
        "tableName": table.name,
        "recordId": record.id,
        "data": record.data,
        "userId": user_id,
    }


def updated_payload(
    table: CustomTable,
    record: CustomTableRecord,
    previous: dict[str, Any],
    user_id: str | None,
) -> dict[str, Any]:
    changed = sorted(
        k for k in set(previous) | set(record.data) if previous.get(k) != record.data.get(k)
    )
    return {
        **created_payload(table, record, user_id),
        "previous": previous,
        "changedFields": changed,
    }


async def create_record(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    data: dict[str, Any],
    user_id: str | None,
    chain_depth: int = 0,
) -> NewRecord:
    """Validate `data` against the table's schema and stage the row; emits
    DATABASE_ROW_CREATED. `chain_depth` is the depth of the trigger chain that caused the
    write (0: a person)."""
    table = await table_head(session, company_id=company_id, table_id=table_id)
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=table_schema(table), items=[(data, None)]
    )
    record = stage_record(
        session,
        company_id=company_id,
        table_id=table.id,
        data=cleaned,
        user_id=user_id,
        now=utcnow(),
    )
    record_event(
        session,
        EventType.DATABASE_ROW_CREATED,
        company_id=company_id,
        payload=created_payload(table, record, user_id),
        table_id=table.id,
        chain_depth=chain_depth,
    )
    return record


async def load_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    table_id: str | None = None,
    deleted: bool = False,
) -> CustomTableRecord:
    """A live record (or, with `deleted`, a soft-deleted one); NotFound otherwise."""
    query = sa.select(CustomTableRecord).where(
        CustomTableRecord.company_id == company_id,
        CustomTableRecord.id == record_id,
        CustomTableRecord.deleted_at.is_not(None)
        if deleted
        else CustomTableRecord.deleted_at.is_(None),
    )
    if table_id is not None:
        table = await get_table(session, company_id=company_id, table_id=table_id)
        query = query.where(CustomTableRecord.table_id == table.id)
    record = await session.scalar(query)
    if record is None:
        raise NotFound(f"no {'deleted ' if deleted else ''}record {record_id!r}")
    return record


async def get_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    table_id: str | None = None,
    expand_names: Sequence[str] = (),
) -> tuple[CustomTableRecord, dict[str, Any]]:
    """The live record and its expanded relations (empty unless asked for)."""
    record = await load_record(
        session, company_id=company_id, record_id=record_id, table_id=table_id
    )
    expanded: dict[str, Any] = {}
    if expand_names:
        table = await get_table(session, company_id=company_id, table_id=record.table_id)
        expanded = (
            await expand(
                session,
                company_id=company_id,
                table=table,
                schema=table_schema(table),
                records=[record],
                names=expand_names,
            )
        )[record.id]
    return record, expanded


async def update_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    data: dict[str, Any],
    user_id: str | None,
    chain_depth: int = 0,
) -> CustomTableRecord:
    """Partial update: `data` is merged over the stored values (null clears a field), the
    result validated as a whole; emits DATABASE_ROW_UPDATED with the previous values."""
    record = await load_record(session, company_id=company_id, record_id=record_id)
    table = await get_table(session, company_id=company_id, table_id=record.table_id)
    previous = dict(record.data)
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=table_schema(table), items=[(data, previous)]
    )
    record.data = cleaned
    record.updated_by = user_id
    record.updated_at = utcnow()
    await session.flush()
    record_event(
        session,
        EventType.DATABASE_ROW_UPDATED,
        company_id=company_id,
        payload=updated_payload(table, record, previous, user_id),
        table_id=table.id,
        chain_depth=chain_depth,
    )
    return record


async def delete_record(
    session: AsyncSession, *, company_id: str, record_id: str, user_id: str | None
) -> CustomTableRecord:
    """Soft delete: the record leaves lists and lookups until restored."""
    record = await load_record(session, company_id=company_id, record_id=record_id)
    record.deleted_at = utcnow()
    record.updated_by = user_id
    await session.flush()
    return record


async def restore_record(
    session: AsyncSession, *, company_id: str, record_id: str, user_id: str | None
) -> CustomTableRecord:
    """Bring a soft-deleted record back; it must fit the table's current schema."""
    record = await load_record(session, company_id=company_id, record_id=record_id, deleted=True)
    table = await get_table(session, company_id=company_id, table_id=record.table_id)
    schema = table_schema(table)
    data = {k: v for k, v in record.data.items() if k in schema.by_id}
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=schema, items=[(data, None)]
    )
    record.data = cleaned
    record.deleted_at = None
    record.updated_by = user_id
    await session.flush()
    return record


async def list_records(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    where: Any = None,
    sort: list[str] | None = None,
    limit: int = 50,
    offset: int = 0,
    deleted: bool = False,
    expand_names: Sequence[str] = (),
    count: str = "exact",
) -> Page:
    """A page of the table's live records (or, with `deleted`, its soft-deleted ones),
    filtered by a JSONLogic `where` run in SQL, sorted on any fields, with the total:
    `count` "exact" counts every match, "bounded" up to COUNT_BOUND, "none" not at all."""
    problems = []
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        problems.append(FieldProblem("limit", f"limit must be 1 to {MAX_PAGE}, offset 0 or more"))
    if count not in COUNT_MODES:
        problems.append(FieldProblem("count", f"must be one of {', '.join(COUNT_MODES)}"))
    if problems:
        raise ValidationFailed(problems)
    table: TableHead | CustomTable
    if expand_names:
        table = await get_table(session, company_id=company_id, table_id=table_id)
    else:
        table = await table_head(session, company_id=company_id, table_id=table_id)
    schema = table_schema(table)
    dialect = dialect_of(session)
    condition = None
    if where not in (None, {}):
        condition = where_clause(where, schema.definitions, schema.kinds, dialect)
        await without_jit(session, condition)
    listing = _listing(table.id, schema, dialect, deleted, sort, condition)
    bound = {"company_id": company_id}
    total: int | None = None
    exact = count == "exact"
    if count != "none":
        statement = listing.count if exact else listing.bounded_count
        total = await session.scalar(statement, bound) or 0
        if not exact:
            exact = total <= COUNT_BOUND
            total = min(total, COUNT_BOUND)
    result = await session.execute(listing.page, bound | {"limit": limit, "offset": offset})
    items = [StoredRecord(*row) for row in result]
    page = Page(items, total, limit, offset, exact)
    if expand_names and items:
        assert isinstance(table, CustomTable)
        page.expanded = await expand(
            session,
            company_id=company_id,
            table=table,
            schema=schema,
            records=items,
            names=expand_names,
        )
    return page


@dataclass(frozen=True, slots=True)
class _Listing:
    """The statements of one kind of listing, with the schema and filter they were built
    from (held, so that their ids in the cache key stay theirs)."""

    schema: CompiledSchema
    condition: sa.ColumnElement[bool] | None
    count: sa.Select[Any]
    bounded_count: sa.Select[Any]
    page: sa.Select[Any]


_LISTINGS_KEPT = 512
_listings: OrderedDict[tuple[Any, ...], _Listing] = OrderedDict()
_listings_lock = threading.Lock()


def _listing(
    table_id: str,
    schema: CompiledSchema,
    dialect: str,
    deleted: bool,
    sort: list[str] | None,
    condition: sa.ColumnElement[bool] | None,
) -> _Listing:
    """The count and page statements of a listing (company, limit and offset bound), built
    once per table, schema, filter and order: building them, and their cache keys, costs
    more than running them. Rows, not ORM objects: a page is read, never changed."""
    key = (table_id, dialect, deleted, tuple(sort or ()), id(condition))
    hit = _listings.get(key)
    if hit is not None and hit.schema is schema and hit.condition is condition:
        return hit
    conditions = [
        table_filter(table_id),
        RECORDS.c.deleted_at.is_not(None) if deleted else RECORDS.c.deleted_at.is_(None),
        RECORDS.c.company_id == sa.bindparam("company_id"),
    ]
    if condition is not None:
        conditions.append(condition)
    count = sa.select(sa.func.count()).select_from(RECORDS).where(*conditions)
    first_rows = sa.select(sa.literal(1)).where(*conditions).limit(COUNT_BOUND + 1)
    bounded_count = sa.select(sa.func.count()).select_from(first_rows.subquery())
    page = (
        sa.select(*(RECORDS.c[name] for name in STORED_COLUMNS))
        .where(*conditions)
        .order_by(*order_by(sort, schema.kinds, dialect))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
    listing = _Listing(schema, condition, count, bounded_count, page)
    with _listings_lock:
        _listings[key] = listing
        if len(_listings) > _LISTINGS_KEPT:
            _listings.popitem(last=False)
    return listing
