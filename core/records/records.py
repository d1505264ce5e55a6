"""Records of custom tables: create, read, partial update, soft delete, restore and list.
Every write is validated against the table's schema and emits its domain event in the same
transaction."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, NotFound, ValidationFailed
from core.events import record_event
from core.models import CustomTable, CustomTableRecord, EventType, new_id, utcnow
from core.models.base import Base
from core.records.keyset import after_condition, decode_cursor, encode_cursor, key_columns
from core.records.permissions import Acting, Grant, grant_for
from core.records.query import (
    SortKey,
    dialect_of,
    sort_keys,
    table_filter,
    where_clause,
    without_jit,
)
from core.records.relations import expand
from core.records.tables import TableHead, table_head, table_schema
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

    def columns(self) -> dict[str, Any]:
        """The values, by column name (for the audit trail)."""
        return {name: getattr(self, name) for name in STORED_COLUMNS}


STORED_COLUMNS = tuple(f.name for f in fields(StoredRecord))
"""The columns a page reads, in StoredRecord's order."""


COUNT_MODES = ("exact", "bounded", "none")
COUNT_BOUND = 10_000
"""With count="bounded", records are counted up to this many: past it the total says "at
least" (counting every row of a large table costs more than reading the page)."""


@dataclass(slots=True)
class Page:
    """One page of records, the total matching the filter (None when not counted; a lower
    bound when not `total_is_exact`), the cursor of the page after it (None on the last
    page), and what was expanded per id."""

    items: list[StoredRecord]
    total: int | None
    limit: int
    offset: int
    total_is_exact: bool = True
    next_cursor: str | None = None
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
    table: TableHead | CustomTable,
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


async def table_access(
    session: AsyncSession, principal: Acting, *, company_id: str, table_id: str
) -> tuple[TableHead, Grant]:
    """The table (by id or name) and what `principal` may do with its records."""
    table = await table_head(session, company_id=company_id, table_id=table_id)
    grant = await grant_for(
        session, principal, company_id=company_id, permissions=table.permissions
    )
    return table, grant


def access_by_name(
    session: AsyncSession, principal: Acting, company_id: str
) -> Callable[[str], Awaitable[tuple[TableHead, Grant] | None]]:
    """Expanding's look-up of another table with the reader's access to it (once each)."""
    found: dict[str, tuple[TableHead, Grant] | None] = {}

    async def access_of(name: str) -> tuple[TableHead, Grant] | None:
        if name not in found:
            try:
                found[name] = await table_access(
                    session, principal, company_id=company_id, table_id=name
                )
            except NotFound:
                found[name] = None
        return found[name]

    return access_of


def shown(record: Row | StoredRecord | CustomTableRecord, grant: Grant) -> StoredRecord:
    """The record as the actor may see it (without their hidden fields)."""
    assert isinstance(record, StoredRecord | CustomTableRecord | NewRecord)
    return StoredRecord(
        record.id,
        record.table_id,
        grant.visible(record.data),
        record.created_by,
        record.updated_by,
        record.created_at,
        record.updated_at,
        record.deleted_at,
    )


async def create_record(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    data: dict[str, Any],
    principal: Acting,
    chain_depth: int = 0,
) -> StoredRecord:
    """Validate `data` against the table's schema and stage the row, authored by the
    principal, if their role may create records and write those fields; emits
    DATABASE_ROW_CREATED. `chain_depth` is the depth of the trigger chain that caused the
    write (0: a person)."""
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("create", table.name)
    grant.check_writes([("", data)])
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=table_schema(table), items=[(data, None)]
    )
    user_id = principal.user_id
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
    return shown(record, grant)


async def _load_record(
    session: AsyncSession,
    principal: Acting,
    *,
    company_id: str,
    record_id: str,
    table_id: str | None = None,
    deleted: bool = False,
) -> tuple[CustomTableRecord, TableHead, Grant]:
    """A live record (or, with `deleted`, a soft-deleted one) of the table (by id or name,
    when given) with its table and the principal's access to it; NotFound otherwise, and
    when the principal may not read it."""
    table: TableHead | None = None
    if table_id is not None:
        table = await table_head(session, company_id=company_id, table_id=table_id)
    query = sa.select(CustomTableRecord).where(
        CustomTableRecord.company_id == company_id,
        CustomTableRecord.id == record_id,
        CustomTableRecord.deleted_at.is_not(None)
        if deleted
        else CustomTableRecord.deleted_at.is_(None),
    )
    if table is not None:
        query = query.where(CustomTableRecord.table_id == table.id)
    record = await session.scalar(query)
    if record is None:
        raise NotFound(f"no {'deleted ' if deleted else ''}record {record_id!r}")
    if table is None:
        table = await table_head(session, company_id=company_id, table_id=record.table_id)
    grant = await grant_for(
        session, principal, company_id=company_id, permissions=table.permissions
    )
    if not grant.allows("read", record.created_by):
        raise NotFound(f"no {'deleted ' if deleted else ''}record {record_id!r}")
    return record, table, grant


async def get_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    principal: Acting,
    table_id: str | None = None,
    expand_names: Sequence[str] = (),
) -> tuple[StoredRecord, dict[str, Any]]:
    """The live record as the principal may see it, and its expanded relations (empty unless
    asked for); NotFound when their role may not read it."""
    record, table, grant = await _load_record(
        session, principal, company_id=company_id, record_id=record_id, table_id=table_id
    )
    expanded: dict[str, Any] = {}
    if expand_names:
        expanded = (
            await expand(
                session,
                company_id=company_id,
                table=table,
                schema=table_schema(table),
                access=grant,
                access_of=access_by_name(session, principal, company_id),
                records=[record],
                names=expand_names,
            )
        )[record.id]
    return shown(record, grant), expanded


async def update_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    data: dict[str, Any],
    principal: Acting,
    table_id: str | None = None,
    chain_depth: int = 0,
) -> StoredRecord:
    """Partial update: `data` is merged over the stored values (null clears a field), the
    result validated as a whole, if the principal's role may update the record and write
    those fields; emits DATABASE_ROW_UPDATED with the previous values."""
    record, table, grant = await _load_record(
        session, principal, company_id=company_id, record_id=record_id, table_id=table_id
    )
    grant.check_record("update", table.name, record.id, record.created_by)
    grant.check_writes([("", data)])
    previous = dict(record.data)
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=table_schema(table), items=[(data, previous)]
    )
    record.data = cleaned
    record.updated_by = principal.user_id
    record.updated_at = utcnow()
    await session.flush()
    record_event(
        session,
        EventType.DATABASE_ROW_UPDATED,
        company_id=company_id,
        payload=updated_payload(table, record, previous, principal.user_id),
        table_id=table.id,
        chain_depth=chain_depth,
    )
    return shown(record, grant)


async def delete_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    principal: Acting,
    table_id: str | None = None,
) -> tuple[StoredRecord, StoredRecord]:
    """Soft delete, if the principal's role may delete the record: it leaves lists and
    lookups until restored. Returns the record before and after, as the principal sees it."""
    record, table, grant = await _load_record(
        session, principal, company_id=company_id, record_id=record_id, table_id=table_id
    )
    grant.check_record("delete", table.name, record.id, record.created_by)
    before = shown(record, grant)
    record.deleted_at = utcnow()
    record.updated_by = principal.user_id
    await session.flush()
    return before, shown(record, grant)


async def restore_record(
    session: AsyncSession,
    *,
    company_id: str,
    record_id: str,
    principal: Acting,
    table_id: str | None = None,
) -> StoredRecord:
    """Bring a soft-deleted record back, if the principal's role may delete it (restoring
    undoes a delete); it must fit the table's schema."""
    record, table, grant = await _load_record(
        session,
        principal,
        company_id=company_id,
        record_id=record_id,
        table_id=table_id,
        deleted=True,
    )
    grant.check_record("delete", table.name, record.id, record.created_by)
    schema = table_schema(table)
    data = {k: v for k, v in record.data.items() if k in schema.by_id}
    [cleaned] = await clean_many(
        session, company_id=company_id, schema=schema, items=[(data, None)]
    )
    record.data = cleaned
    record.deleted_at = None
    record.updated_by = principal.user_id
    await session.flush()
    return shown(record, grant)


async def list_records(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    principal: Acting,
    where: Any = None,
    sort: list[str] | None = None,
    limit: int = 50,
    offset: int = 0,
    after: str | None = None,
    deleted: bool = False,
    expand_names: Sequence[str] = (),
    count: str = "exact",
) -> Page:
    """A page of the table's live records (or, with `deleted`, its soft-deleted ones) that
    the principal may read, as they may see them, filtered by a JSONLogic `where` run in
    SQL, sorted on any fields, with the total: `count` "exact" counts every match,
    "bounded" up to COUNT_BOUND, "none" not at all. The page starts at `offset`, or right
    after the row of the cursor `after` (a previous page's `next_cursor`). A filter or sort
    on a field hidden from the principal is refused as if the field did not exist."""
    problems = []
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        problems.append(FieldProblem("limit", f"limit must be 1 to {MAX_PAGE}, offset 0 or more"))
    if count not in COUNT_MODES:
        problems.append(FieldProblem("count", f"must be one of {', '.join(COUNT_MODES)}"))
    if after is not None and offset:
        problems.append(FieldProblem("offset", "must be 0 with a cursor (after)", "conflict"))
    if problems:
        raise ValidationFailed(problems)
    table, grant, listing, bound = await _prepare(
        session, principal, company_id, table_id, where, sort, deleted
    )
    total: int | None = None
    exact = count == "exact"
    if count != "none":
        statement = listing.count if exact else listing.bounded_count
        total = await session.scalar(statement, bound) or 0
        if not exact:
            exact = total <= COUNT_BOUND
            total = min(total, COUNT_BOUND)
    # One row more than asked: whether a next page exists, without counting.
    if after is None:
        result = await session.execute(listing.page, bound | {"limit": limit + 1, "offset": offset})
    else:
        values = decode_cursor(after, listing.sort, len(listing.keys))
        keys = {f"k{i}": value for i, value in enumerate(values)}
        statement = listing.page_after(tuple(v is None for v in values))
        result = await session.execute(statement, bound | {"limit": limit + 1} | keys)
    rows = result.all()
    width = len(STORED_COLUMNS)
    items = [StoredRecord(*row[:width]) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(listing.sort, rows[limit - 1][width:])
    if grant.hidden:
        items = [shown(item, grant) for item in items]
    page = Page(items, total, limit, offset, exact, next_cursor)
    if expand_names and items:
        page.expanded = await expand(
            session,
            company_id=company_id,
            table=table,
            schema=listing.schema,
            access=grant,
            access_of=access_by_name(session, principal, company_id),
            records=items,
            names=expand_names,
        )
    return page


async def count_records(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    principal: Acting,
    where: Any = None,
    deleted: bool = False,
    exact: bool = True,
) -> tuple[int, bool]:
    """How many of the table's live (or soft-deleted) records the principal may read match
    `where`: every one, or with `exact` false up to COUNT_BOUND. Returns (total, whether it
    is exact); past the bound the total is the bound, a lower bound."""
    _, _, listing, bound = await _prepare(
        session, principal, company_id, table_id, where, None, deleted
    )
    total = await session.scalar(listing.count if exact else listing.bounded_count, bound) or 0
    if exact:
        return total, True
    return min(total, COUNT_BOUND), total <= COUNT_BOUND


async def _prepare(
    session: AsyncSession,
    principal: Acting,
    company_id: str,
    table_id: str,
    where: Any,
    sort: list[str] | None,
    deleted: bool,
) -> tuple[TableHead, Grant, _Listing, dict[str, Any]]:
    """The table, the principal's access, the listing's statements and their bound values,
    once the principal may read the table and filter and sort as asked."""
    table, grant = await table_access(session, principal, company_id=company_id, table_id=table_id)
    grant.require("read", table.name)
    schema = table_schema(table)
    grant.check_query(where, sort, schema)
    dialect = dialect_of(session)
    condition = None
    if where not in (None, {}):
        condition = where_clause(where, schema.definitions, schema.kinds, dialect)
        await without_jit(session, condition)
    owner = grant.own_only("read")
    listing = _listing(table.id, schema, dialect, deleted, sort, condition, owner is not None)
    bound = {"company_id": company_id} | ({} if owner is None else {"owner": owner})
    return table, grant, listing, bound


@dataclass(frozen=True, slots=True)
class _Listing:
    """The statements of one kind of listing, with the schema and filter they were built
    from (held, so that their ids in the cache key stay theirs)."""

    schema: CompiledSchema
    condition: sa.ColumnElement[bool] | None
    sort: tuple[str, ...]
    keys: list[SortKey]
    count: sa.Select[Any]
    bounded_count: sa.Select[Any]
    page: sa.Select[Any]
    _after: dict[tuple[bool, ...], sa.Select[Any]] = field(default_factory=dict)

    def page_after(self, nulls: tuple[bool, ...]) -> sa.Select[Any]:
        """The page after a cursor whose null key values are `nulls` (built once each)."""
        statement = self._after.get(nulls)
        if statement is None:
            statement = self.page.where(after_condition(self.keys, nulls)).offset(None)
            self._after[nulls] = statement
        return statement


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
    own_only: bool,
) -> _Listing:
    """The count and page statements of a listing (company, limit and offset bound), built
    once per table, schema, filter and order: building them, and their cache keys, costs
    more than running them. Rows, not ORM objects: a page is read, never changed. A page
    also reads its sort keys (k0, k1, ...), the makings of its cursor."""
    key = (table_id, dialect, deleted, tuple(sort or ()), id(condition), own_only)
    hit = _listings.get(key)
    if hit is not None and hit.schema is schema and hit.condition is condition:
        return hit
    conditions = [
        table_filter(table_id),
        RECORDS.c.deleted_at.is_not(None) if deleted else RECORDS.c.deleted_at.is_(None),
        RECORDS.c.company_id == sa.bindparam("company_id"),
    ]
    if own_only:  # the reader's role reads only the records they created
        conditions.append(RECORDS.c.created_by == sa.bindparam("owner"))
    if condition is not None:
        conditions.append(condition)
    count = sa.select(sa.func.count()).select_from(RECORDS).where(*conditions)
    first_rows = sa.select(sa.literal(1)).where(*conditions).limit(COUNT_BOUND + 1)
    bounded_count = sa.select(sa.func.count()).select_from(first_rows.subquery())
    keys = sort_keys(sort, schema.kinds, dialect)
    page = (
        sa.select(*(RECORDS.c[name] for name in STORED_COLUMNS), *key_columns(keys))
        .where(*conditions)
        .order_by(*(k.clause() for k in keys))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
    listing = _Listing(
        schema,
        condition,
        tuple(sort or ()),
        keys,
        count,
        bounded_count,
        page,
    )
    with _listings_lock:
        _listings[key] = listing
        if len(_listings) > _LISTINGS_KEPT:
            _listings.popitem(last=False)
    return listing
