"""Relations between custom tables: checked when a table is saved, expanded on read.

A `record` field is the many-to-one side (it holds the id of a row of another table, or a
list of ids when `settings.multiple`). A table's `relations` name the other side:
`{"name": "orders", "type": "one-to-many", "table": "orders", "field": "customer"}` says that
rows of `orders` point at this table through their single `customer` field; `many-to-many`
is the same through a multiple record field.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import FieldProblem, ValidationFailed
from core.models import CustomTable, CustomTableRecord
from core.records.query import dialect_of
from core.schema import CompiledSchema, compile_schema

RELATION_TYPES = ("one-to-many", "many-to-many")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")

RELATIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "title": "Relations",
    "description": "The other side of other tables' links to this one: the rows of that table "
    "whose link field holds this row's id (what `expand` by the relation's name returns).",
    "items": {
        "type": "object",
        "required": ["name", "type", "table", "field"],
        "additionalProperties": False,
        "properties": {
            "name": {
                "type": "string",
                "title": "Name",
                "description": "What `expand` calls it; not a field id of this table.",
                "pattern": "^" + _NAME.pattern.removesuffix("\\Z") + "$",
            },
            "type": {
                "type": "string",
                "title": "Kind",
                "enum": list(RELATION_TYPES),
                "description": "one-to-many through a single record field, many-to-many "
                "through a multiple one.",
            },
            "table": {"type": "string", "title": "Table", "description": "The other table's name."},
            "field": {
                "type": "string",
                "title": "Through its field",
                "description": "Its record field that points at this table.",
            },
        },
    },
}
"""The JSON Schema of a table's `relations` (GET /tables/definition-schemas)."""


def record_targets(schema: CompiledSchema) -> dict[str, str]:
    """Field id -> name of the table its record field points at."""
    return {d.id: d.settings.table for d in schema.definitions if d.type == "record"}


async def check_relations(
    session: AsyncSession,
    *,
    company_id: str,
    table_name: str,
    schema: CompiledSchema,
    relations: Any,
) -> list[dict[str, Any]]:
    """Check record fields' target tables and the `relations` list; return the relations as
    stored. ValidationFailed lists every problem."""
    problems: list[FieldProblem] = []
    targets = record_targets(schema)
    names = {t for t in targets.values() if t != table_name}
    if not isinstance(relations, list):
        raise ValidationFailed([FieldProblem("relations", "must be a list", "invalid_type")])
    names |= {
        str(r["table"])
        for r in relations
        if isinstance(r, dict) and isinstance(r.get("table"), str)
    }
    names.discard(table_name)
    tables = await _tables_by_name(session, company_id, names)
    for field_id, target in targets.items():
        if target != table_name and target not in tables:
            problems.append(
                FieldProblem(
                    f"schema.{field_id}.settings.table",
                    f"no table named {target!r}",
                    "unknown_table",
                )
            )
    seen: set[str] = set()
    for i, relation in enumerate(relations):
        at = f"relations[{i}]"
        if not isinstance(relation, dict) or set(relation) - {"name", "type", "table", "field"}:
            problems.append(FieldProblem(at, 'must be {"name", "type", "table", "field"}'))
            continue
        name, kind, wanted, via = (relation.get(k) for k in ("name", "type", "table", "field"))
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(FieldProblem(f"{at}.name", "must be a plain name"))
        elif name in seen or name in schema.by_id:
            problems.append(
                FieldProblem(f"{at}.name", f"{name!r} is already a field or relation", "duplicate")
            )
        else:
            seen.add(name)
        if kind not in RELATION_TYPES:
            problems.append(
                FieldProblem(f"{at}.type", f"must be one of {', '.join(RELATION_TYPES)}")
            )
            continue
        other: CompiledSchema | None
        if wanted == table_name:
            other = schema
        else:
            found = tables.get(wanted) if isinstance(wanted, str) else None
            other = compile_schema(found.schema, where="schema") if found else None
        if other is None:
            problems.append(
                FieldProblem(f"{at}.table", f"no table named {wanted!r}", "unknown_table")
            )
            continue
        definition = other.by_id.get(via) if isinstance(via, str) else None
        if (
            definition is None
            or definition.type != "record"
            or definition.settings.table != table_name
        ):
            problems.append(
                FieldProblem(
                    f"{at}.field",
                    f"{wanted} has no record field {via!r} pointing at {table_name}",
                    "invalid_relation",
                )
            )
            continue
        if definition.settings.multiple != (kind == "many-to-many"):
            wanted = "a multiple" if kind == "many-to-many" else "a single"
            problems.append(
                FieldProblem(
                    f"{at}.field",
                    f"a {kind} relation needs {wanted} record field",
                    "invalid_relation",
                )
            )
    if problems:
        raise ValidationFailed(problems, "The table's relations are invalid")
    return relations


async def _tables_by_name(
    session: AsyncSession, company_id: str, names: Iterable[str]
) -> dict[str, CustomTable]:
    names = set(names)
    if not names:
        return {}
    rows = await session.scalars(
        sa.select(CustomTable).where(
            CustomTable.company_id == company_id, CustomTable.name.in_(names)
        )
    )
    return {t.name: t for t in rows}


class RecordRow(Protocol):
    """What expanding needs of a listed record."""

    @property
    def id(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


class Expanding(Protocol):
    """What expanding needs of a table: its name, id and relations."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def relations(self) -> Any: ...


class TableAccess(Protocol):
    """What the reader may see of a table's rows (core.records.permissions.Grant)."""

    @property
    def hidden(self) -> frozenset[str]: ...

    def own_only(self, action: str) -> str | None: ...

    def visible(self, data: Any) -> dict[str, Any]: ...


AccessOf = Callable[[str], Awaitable[tuple[Expanding, TableAccess] | None]]
"""The table of a name with what the reader may see of it (None: no such table)."""


async def expand(
    session: AsyncSession,
    *,
    company_id: str,
    table: Expanding,
    schema: CompiledSchema,
    access: TableAccess,
    access_of: AccessOf,
    records: Sequence[RecordRow],
    names: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """For each record id, the expanded relations asked for: a record field gives the row (or
    rows) it points at, a relation gives the rows of the other table pointing here. Rows are
    `{"id", "data"}`, as the reader may see them in their own table (rows they may not read
    are left out, so are their hidden fields); deleted rows are left out."""
    targets = {k: v for k, v in record_targets(schema).items() if k not in access.hidden}
    relations = {r["name"]: r for r in table.relations if isinstance(r, dict)}
    problems = [
        FieldProblem(
            f"expand[{i}]", f"{name!r} is neither a record field nor a relation", "unknown_relation"
        )
        for i, name in enumerate(names)
        if name not in targets and name not in relations
    ]
    if problems:
        raise ValidationFailed(problems, "Cannot expand")
    out: dict[str, dict[str, Any]] = {r.id: {} for r in records}
    live = (CustomTableRecord.company_id == company_id, CustomTableRecord.deleted_at.is_(None))
    for i, name in enumerate(names):
        if name in targets:
            seen = await access_of(targets[name])
            wanted = {i for r in records for i in _ids(r.data.get(name))}
            rows: dict[str, dict[str, Any]] = {}
            if seen is not None and wanted:
                target, target_access = seen
                query = sa.select(CustomTableRecord).where(
                    *live,
                    CustomTableRecord.table_id == target.id,
                    CustomTableRecord.id.in_(wanted),
                    *_own(target_access),
                )
                rows = {
                    row.id: {"id": row.id, "data": target_access.visible(row.data)}
                    for row in await session.scalars(query)
                }
            multiple = schema.by_id[name].settings.multiple
            for r in records:
                found = [rows[i] for i in _ids(r.data.get(name)) if i in rows]
                out[r.id][name] = found if multiple else (found[0] if found else None)
            continue
        relation = relations[name]
        for r in records:
            out[r.id][name] = []
        seen = await access_of(relation["table"])
        if seen is None:
            continue
        target, target_access = seen
        if relation["field"] in target_access.hidden:
            raise ValidationFailed(
                [
                    FieldProblem(
                        f"expand[{i}]",
                        f"{name!r} goes through a field of {target.name} your role may not see",
                        "unknown_relation",
                    )
                ],
                "Cannot expand",
            )
        ids = [r.id for r in records]
        pointer = CustomTableRecord.data[relation["field"]]
        rows_query = sa.select(CustomTableRecord).where(
            *live, CustomTableRecord.table_id == target.id, *_own(target_access)
        )
        if relation["type"] == "one-to-many":
            rows_query = rows_query.where(pointer.as_string().in_(ids))
        elif dialect_of(session) == "postgresql":
            pointers = sa.type_coerce(CustomTableRecord.data, JSONB)[relation["field"]]
            rows_query = rows_query.where(pointers.has_any(sa.cast(ids, ARRAY(sa.Text))))
        for row in await session.scalars(rows_query.order_by(CustomTableRecord.created_at)):
            pointed = _ids(row.data.get(relation["field"]))
            for rid in pointed:
                if rid in out:
                    out[rid][name].append({"id": row.id, "data": target_access.visible(row.data)})
    return out


def _own(access: TableAccess) -> list[sa.ColumnElement[bool]]:
    owner = access.own_only("read")
    return [] if owner is None else [CustomTableRecord.created_by == owner]


def _ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []
