"""Custom tables: create, change (checking existing records first), read, delete."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.models import CustomTable, CustomTableRecord
from core.records.indexes import drop_indexes, sync_indexes
from core.records.permissions import check_permissions
from core.records.query import dialect_of
from core.records.relations import check_relations
from core.records.schema_changes import SchemaImpact, schema_impact
from core.releases.running import released_version
from core.schema import CompiledSchema, compile_schema

TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}\Z")


def table_schema(table: CustomTable | TableHead) -> CompiledSchema:
    """The table's compiled schema (cached by content)."""
    return compile_schema(table.schema, where="schema")


def _schema_list(schema: Any) -> Any:
    # The seed leaves the shape open; {"fields": [...]} is accepted and stored as the list.
    if isinstance(schema, dict) and set(schema) == {"fields"}:
        return schema["fields"]
    return schema


# Built once: records are written on every request, and building a query costs more than
# running it. The head query is plain Core (no ORM entity), the cheapest SQLAlchemy runs.
TABLE_BY_KEY = sa.select(CustomTable).where(
    CustomTable.company_id == sa.bindparam("company_id"),
    sa.or_(CustomTable.id == sa.bindparam("key"), CustomTable.name == sa.bindparam("key")),
)
_TABLES = CustomTable.__table__.c
HEAD_BY_KEY = sa.select(
    _TABLES.id, _TABLES.name, _TABLES.schema, _TABLES.relations, _TABLES.permissions
).where(
    _TABLES.company_id == sa.bindparam("company_id"),
    sa.or_(_TABLES.id == sa.bindparam("key"), _TABLES.name == sa.bindparam("key")),
)


@dataclass(frozen=True, slots=True)
class TableHead:
    """What working with a table's records needs of it (lighter to load than the ORM row),
    as the company sees it: from the version that reaches it (`version`), else its row."""

    id: str
    name: str
    schema: Any
    relations: Any
    permissions: Any
    version: str | None = None


async def get_table(session: AsyncSession, *, company_id: str, table_id: str) -> CustomTable:
    """The table by id or by name; NotFound when the company has none such."""
    table = await session.scalar(TABLE_BY_KEY, {"company_id": company_id, "key": table_id})
    if table is None:
        raise NotFound(f"no table {table_id!r}")
    return table


async def table_head(session: AsyncSession, *, company_id: str, table_id: str) -> TableHead:
    """The table (by id or name) as its records see it in the company: the schema, relations
    and permissions of the version of it the company sees, else of its row. NotFound when
    the company has none such."""
    row = (await session.execute(HEAD_BY_KEY, {"company_id": company_id, "key": table_id})).first()
    if row is None:
        raise NotFound(f"no table {table_id!r}")
    head = TableHead(*row)
    released = await released_version(
        session, entity_type="CustomTable", entity_id=head.id, company_id=company_id
    )
    if released is None:
        return head
    attributes = released.snapshot.get("attributes", {})
    return TableHead(
        head.id,
        head.name,
        released.snapshot["fields"],
        attributes.get("relations") or [],
        attributes.get("permissions") or {},
        released.version,
    )


async def list_tables(session: AsyncSession, *, company_id: str) -> list[CustomTable]:
    return list(
        await session.scalars(
            sa.select(CustomTable)
            .where(CustomTable.company_id == company_id)
            .order_by(CustomTable.name)
        )
    )


async def create_table(
    session: AsyncSession,
    *,
    company_id: str,
    name: str,
    display_name: str,
    schema: Any,
    relations: Any = None,
    settings: dict[str, Any] | None = None,
    description: str | None = None,
    permissions: Any = None,
) -> CustomTable:
    """A new table; its schema, relations and permissions are checked, its indexed fields
    indexed.
    ValidationFailed lists every problem; Conflict when the name is taken."""
    problems = []
    if not isinstance(name, str) or not TABLE_NAME.match(name):
        problems.append(FieldProblem("name", "must be lower-case letters, digits and _ (max 63)"))
    if not isinstance(display_name, str) or not display_name.strip():
        problems.append(FieldProblem("displayName", "is required", "required"))
    if problems:
        raise ValidationFailed(problems)
    schema = _schema_list(schema)
    compiled = compile_schema(schema, where="schema")
    relations = await check_relations(
        session, company_id=company_id, table_name=name, schema=compiled, relations=relations or []
    )
    permissions = await check_permissions(
        session, company_id=company_id, permissions=permissions, schema=compiled
    )
    exists = await session.scalar(
        sa.select(CustomTable.id).where(
            CustomTable.company_id == company_id, CustomTable.name == name
        )
    )
    if exists:
        raise Conflict(f"a table named {name!r} already exists")
    table = CustomTable(
        company_id=company_id,
        name=name,
        display_name=display_name,
        description=description,
        schema=schema,
        relations=relations,
        settings=settings or {},
        permissions=permissions,
    )
    session.add(table)
    await session.flush()
    await sync_indexes(session, table.id, compiled)
    return table


async def update_table(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    display_name: str | None = None,
    description: str | None = None,
    schema: Any = None,
    relations: Any = None,
    settings: dict[str, Any] | None = None,
    permissions: Any = None,
) -> CustomTable:
    """Change a table. A new schema is checked against every live record first: if any no
    longer fits, ValidationFailed lists them (paths `records[<id>].<field>`) and nothing
    changes. Values of removed fields are dropped from the records."""
    table = await get_table(session, company_id=company_id, table_id=table_id)
    compiled = table_schema(table)
    if schema is not None:
        schema = _schema_list(schema)
        new = compile_schema(schema, where="schema")
        impact = await schema_impact(
            session, company_id=company_id, table_id=table.id, current=compiled, new=new
        )
        if not impact.fits:
            raise impact.refusal()
        removed = set(compiled.by_id) - set(new.by_id)
        compiled = new
    if schema is not None or relations is not None:
        await check_relations(
            session,
            company_id=company_id,
            table_name=table.name,
            schema=compiled,
            relations=table.relations if relations is None else relations,
        )
    if schema is not None or permissions is not None:
        # Permissions name fields: a schema change is checked against them too.
        table.permissions = await check_permissions(
            session,
            company_id=company_id,
            permissions=table.permissions if permissions is None else permissions,
            schema=compiled,
        )
    if schema is not None:
        if removed:
            await _drop_values(session, table.id, removed)
        table.schema = schema
        await sync_indexes(session, table.id, compiled)
    if relations is not None:
        table.relations = relations
    if display_name is not None:
        if not display_name.strip():
            raise ValidationFailed([FieldProblem("displayName", "is required", "required")])
        table.display_name = display_name
    if description is not None:
        table.description = description
    if settings is not None:
        table.settings = settings
    await session.flush()
    return table


async def check_table_change(
    session: AsyncSession,
    *,
    company_id: str,
    table_id: str,
    schema: Any,
    relations: Any = None,
    permissions: Any = None,
) -> SchemaImpact:
    """What `update_table` with this schema would do to the table's records, writing nothing.
    An invalid schema, or relations and permissions that do not hold with it (the table's own
    when not given), raise ValidationFailed as saving would; records that would not fit are
    reported in the answer."""
    table = await get_table(session, company_id=company_id, table_id=table_id)
    new = compile_schema(_schema_list(schema), where="schema")
    problems: list[FieldProblem] = []
    for check in (
        check_relations(
            session,
            company_id=company_id,
            table_name=table.name,
            schema=new,
            relations=table.relations if relations is None else relations,
        ),
        check_permissions(
            session,
            company_id=company_id,
            permissions=table.permissions if permissions is None else permissions,
            schema=new,
        ),
    ):
        try:
            await check
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems, "The table's relations or permissions do not hold")
    return await schema_impact(
        session, company_id=company_id, table_id=table.id, current=table_schema(table), new=new
    )


async def _drop_values(session: AsyncSession, table_id: str, fields: set[str]) -> None:
    data = CustomTableRecord.data
    stripped: sa.ColumnElement[Any]
    if dialect_of(session) == "postgresql":
        stripped = data.op("-")(sa.cast(sorted(fields), sa.dialects.postgresql.ARRAY(sa.Text)))
    else:
        stripped = sa.func.json_remove(data, *[f'$."{f}"' for f in sorted(fields)])
    await session.execute(
        sa.update(CustomTableRecord)
        .where(CustomTableRecord.table_id == table_id)
        .values(data=stripped)
        .execution_options(synchronize_session=False)
    )
    # Rows this session already loaded still hold the dropped values.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, CustomTableRecord) and obj.table_id == table_id:
            session.expire(obj, ["data"])


async def tables_pointing_at(
    session: AsyncSession, *, company_id: str, table: CustomTable
) -> list[str]:
    """Names of the company's other tables whose record fields point at `table`."""
    users = []
    for other in await list_tables(session, company_id=company_id):
        if other.id == table.id:
            continue
        targets = {
            f.get("settings", {}).get("table")
            for f in _schema_list(other.schema)
            if isinstance(f, dict)
            and f.get("type") == "record"
            and isinstance(f.get("settings"), dict)
        }
        if table.name in targets:
            users.append(other.name)
    return users


async def delete_table(session: AsyncSession, *, company_id: str, table_id: str) -> None:
    """Delete a table with its records and indexes (not undoable: records are soft-deleted,
    tables are not). Conflict while another table's record fields point at it."""
    table = await get_table(session, company_id=company_id, table_id=table_id)
    users = await tables_pointing_at(session, company_id=company_id, table=table)
    if users:
        raise Conflict(
            f"table {table.name!r} is used by {', '.join(users)}; change those first",
            tables=users,
        )
    await drop_indexes(session, table.id)
    await session.execute(
        sa.delete(CustomTableRecord).where(CustomTableRecord.table_id == table.id)
    )
    await session.delete(table)
    await session.flush()
