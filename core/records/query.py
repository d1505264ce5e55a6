"""Record queries in SQL: a field's value as a typed expression (the same text as its index),
filters from JSONLogic, sorting on any field.

The rule engine's `to_sql` mirrors JavaScript semantics exactly, which no index can serve. For
simple comparisons of a field with a literal, a plain typed comparison that the exact clause
implies is added beside it: the planner uses it with the field's expression index, and the
exact clause still decides.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.errors import FieldProblem, ValidationFailed
from core.models import CustomTableRecord
from core.models.base import Base
from core.plugins.fields import FieldDefinition, ValueKind
from core.rules import RuleError
from core.rules.service import prepare_rule
from core.rules.sql import to_sql

Record = Base.metadata.tables[CustomTableRecord.__tablename__].c
"""The record table's columns. Core columns, not the mapped class's attributes: a statement
built from them stays a Core statement (no ORM compile step) and still works in ORM queries."""
META_SORTS: dict[str, Any] = {
    "createdAt": Record.created_at,
    "updatedAt": Record.updated_at,
    "id": Record.id,
}
_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")


def dialect_of(session: AsyncSession) -> str:
    """ "postgresql" or "sqlite": the backend the session talks to."""
    return session.get_bind().dialect.name


async def without_jit(session: AsyncSession, clause: ColumnElement[bool]) -> None:
    """Turn PostgreSQL's JIT off for the rest of the transaction when `clause` is the rule
    engine's exact translation: a large CASE tree whose estimated cost always crosses the JIT
    threshold, so compiling it takes seconds while running it on the rows an index left takes
    milliseconds. Typed clauses are small and need nothing."""
    if dialect_of(session) == "postgresql" and _typed_clauses.get(id(clause)) is not clause:
        await session.execute(sa.text("SET LOCAL jit = off"))


def _key_literal(field_id: str) -> ColumnElement[Any]:
    # Inline, not a bind parameter: the expression must read exactly like the index's
    # (a prepared statement's generic plan cannot match `data ->> $1` to an index).
    if not _SAFE_KEY.match(field_id):
        raise ValueError(f"unsafe field id {field_id!r}")
    return sa.literal_column(f"'{field_id}'")


def value_expression(field_id: str, kind: ValueKind, dialect: str) -> ColumnElement[Any]:
    """The field's value as SQL: numeric for numbers, C-collated text otherwise."""
    if dialect == "postgresql":
        text = Record.data.op("->>")(_key_literal(field_id))
        if kind == "number":
            return sa.cast(text, sa.Numeric)
        return sa.type_coerce(text, sa.Text).collate("C")
    value = sa.func.json_extract(Record.data, sa.literal_column(f"'$.\"{field_id}\"'"))
    return value


def index_sql(table_id: str, field_id: str, kind: ValueKind) -> tuple[str, str]:
    """(index name, CREATE INDEX statement) of a field's expression index on PostgreSQL."""
    if not _SAFE_KEY.match(field_id) or not re.fullmatch(r"[0-9a-f-]{36}", table_id):
        raise ValueError("unsafe identifier")
    expression = (
        f"((data ->> '{field_id}')::numeric)"
        if kind == "number"
        else f"((data ->> '{field_id}') COLLATE \"C\")"
    )
    name = index_name(table_id, field_id, kind)
    statement = (
        f'CREATE INDEX IF NOT EXISTS "{name}" ON custom_table_records ({expression}) '
        f"WHERE table_id = '{table_id}' AND deleted_at IS NULL"
    )
    return name, statement


def index_name(table_id: str, field_id: str, kind: ValueKind) -> str:
    letter = "n" if kind == "number" else "t"
    return f"ixr_{table_id.replace('-', '')[:16]}_{letter}_{field_id.lower()[:36]}"


def index_prefix(table_id: str) -> str:
    return f"ixr_{table_id.replace('-', '')[:16]}_"


def table_filter(table_id: str) -> ColumnElement[bool]:
    """`table_id = '<id>'` with the id inline, so partial indexes of the table are usable."""
    return Record.table_id == sa.literal(table_id, literal_execute=True)


_WHERE_CACHE_SIZE = 512
_where_cache: OrderedDict[tuple[str, str], ColumnElement[bool]] = OrderedDict()
_where_lock = threading.Lock()
_typed_clauses: weakref.WeakValueDictionary[int, ColumnElement[bool]] = (
    weakref.WeakValueDictionary()
)


def where_clause(
    rule: Any, definitions: list[FieldDefinition], kinds: Mapping[str, ValueKind], dialect: str
) -> ColumnElement[bool]:
    """The exact SQL of a `where` rule (JSONLogic or the seed's format, fields by id or label),
    with index-friendly comparisons beside it; ValidationFailed points at what is wrong.
    Built once per (rule, fields, dialect): a page of records asks for the same filter often."""
    fields = [{"id": d.id, "label": d.label, "type": d.type} for d in definitions]
    try:
        key = (
            json.dumps([rule, fields, sorted(kinds.items())], sort_keys=True),
            dialect,
        )
    except (TypeError, ValueError):
        raise ValidationFailed([FieldProblem("where", "must be JSON", "invalid_type")]) from None
    cached = _where_cache.get(key)
    if cached is not None:
        return cached
    try:
        logic = prepare_rule(rule, fields)
        clause = typed_clause(logic, kinds, dialect)
        if clause is not None:
            _typed_clauses[id(clause)] = clause
        else:
            exact = to_sql(logic, Record.data, dialect)
            hints = _hints(logic, kinds, dialect)
            clause = sa.and_(*hints, exact) if hints else exact
    except RuleError as exc:
        raise ValidationFailed(
            [FieldProblem("where" + _path(p.path), p.message, p.code) for p in exc.problems],
            "The filter is invalid",
        ) from None
    with _where_lock:
        _where_cache[key] = clause
        if len(_where_cache) > _WHERE_CACHE_SIZE:
            _where_cache.popitem(last=False)
    return clause


def typed_clause(
    logic: Any, kinds: Mapping[str, ValueKind], dialect: str, negate: bool = False
) -> ColumnElement[bool] | None:
    """Plain typed SQL for rules made only of `and`, `or`, `!` and comparisons of a field with
    a literal of the field's kind; None for anything else.

    Exact because of an invariant of custom tables: every write is cleaned by the table's
    schema and a schema change is refused while a record does not fit, so a field holds a
    value of its kind or nothing. For such values the JavaScript meaning is the typed one,
    with a missing value compared as JavaScript compares null (as 0 for < and >, equal to
    nothing). Negations are pushed down to the comparisons (flipping them) and a missing
    value is added or excluded explicitly, so every comparison stays a plain indexable
    `expression OP literal`.
    """
    if not isinstance(logic, dict) or len(logic) != 1:
        return None
    op, args = next(iter(logic.items()))
    args = args if isinstance(args, list) else [args]
    if op in ("and", "or") and args:
        parts = [typed_clause(a, kinds, dialect, negate) for a in args]
        if any(p is None for p in parts):
            return None
        conjunction = (op == "and") != negate  # De Morgan
        return sa.and_(*parts) if conjunction else sa.or_(*parts)  # type: ignore[arg-type]
    if op in ("!", "!!") and len(args) == 1:
        flip = negate != (op == "!")
        field = _var(args[0])
        if field is not None and kinds.get(field) == "boolean":
            expr = value_expression(field, "boolean", dialect)
            return sa.or_(expr.is_(None), expr != "true") if flip else expr == "true"
        return typed_clause(args[0], kinds, dialect, flip)
    return _typed_comparison(op, args, kinds, dialect, negate)


_NEGATED = {
    "==": "!=",
    "===": "!==",
    "!=": "==",
    "!==": "===",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
}


def _typed_comparison(
    op: str, args: list[Any], kinds: Mapping[str, ValueKind], dialect: str, negate: bool
) -> ColumnElement[bool] | None:
    if dialect != "postgresql" or len(args) != 2:
        return None
    if op == "in":
        field, options = _var(args[0]), args[1]
        strings = isinstance(options, list) and all(isinstance(o, str) for o in options)
        if field is None or kinds.get(field) not in ("string", "date") or not strings:
            return None
        expr = value_expression(field, "string", dialect)
        if not options:
            return sa.true() if negate else sa.false()
        return sa.or_(expr.is_(None), expr.not_in(options)) if negate else expr.in_(options)
    left, right = _var(args[0]), _var(args[1])
    if left is not None and right is None:
        field, literal = left, args[1]
    elif right is not None and left is None and op in _FLIP:
        field, literal, op = right, args[0], _FLIP[op]
    else:
        return None
    if op not in _NEGATED:
        return None
    kind = kinds.get(field)
    equality = op in ("==", "===", "!=", "!==")
    if kind == "number" and type(literal) in (int, float):
        expr = value_expression(field, "number", dialect)
    elif kind == "boolean" and type(literal) is bool and equality:
        expr, literal = value_expression(field, "boolean", dialect), "true" if literal else "false"
    elif (
        kind in ("string", "date")
        and type(literal) is str
        and (
            equality or (kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}[0-9T:.Z+-]*", literal))
        )
    ):
        # Ordering is only typed for ISO dates: both sides ASCII, so text order is code order.
        expr = value_expression(field, kind, dialect)
    else:
        return None
    # How JavaScript answers for a missing value (null): as 0 for ordering, equal to nothing.
    missing = op in ("!=", "!==") if equality else kind == "number" and _PY_COMPARE[op](0, literal)
    if negate:
        op, missing = _NEGATED[op], not missing
    compared = _compare(expr, op, literal)
    return sa.or_(compared, expr.is_(None)) if missing else compared


def _path(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


_COMPARISONS = {"==", "===", "<", "<=", ">", ">="}
_PY_COMPARE = {
    "==": lambda a, b: a == b,
    "===": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "!==": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_FLIP = {
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
    "==": "==",
    "===": "===",
    "!=": "!=",
    "!==": "!==",
}


def _hints(logic: Any, kinds: Mapping[str, ValueKind], dialect: str) -> list[ColumnElement[bool]]:
    """Typed comparisons implied by the rule (for `and` of `field OP literal`); never more
    selective than the rule itself."""
    if not isinstance(logic, dict) or len(logic) != 1:
        return []
    op, args = next(iter(logic.items()))
    if op == "and" and isinstance(args, list):
        return [h for arg in args for h in _hints(arg, kinds, dialect)]
    if op == "in" and isinstance(args, list) and len(args) == 2:
        field, options = _var(args[0]), args[1]
        strings = isinstance(options, list) and options and all(isinstance(o, str) for o in options)
        if field is not None and kinds.get(field) == "string" and strings:
            return [value_expression(field, "string", dialect).in_(options)]
        return []
    if op not in _COMPARISONS or not isinstance(args, list) or len(args) != 2:
        return []
    left, right = _var(args[0]), _var(args[1])
    if left is None and right is not None:
        op, left, literal = _FLIP[op], right, args[0]
    elif left is not None and right is None:
        literal = args[1]
    else:
        return []
    kind = kinds.get(left)
    expr = value_expression(left, kind, dialect) if kind else None
    if expr is None:
        return []
    if kind == "number" and type(literal) in (int, float):
        hint = _compare(expr, op, literal)
        # JavaScript compares a missing value as 0 for < and >, never for ==.
        if op not in ("==", "===") and _PY_COMPARE[op](0, literal):
            hint = sa.or_(hint, expr.is_(None))
        return [hint]
    if kind in ("string", "date") and type(literal) is str:
        if op in ("==", "==="):
            return [expr == literal]
        if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", literal):
            # Both sides are ISO text (never numbers to JavaScript), compared as strings.
            return [_compare(expr, op, literal)]
    return []


def _compare(expr: ColumnElement[Any], op: str, literal: Any) -> ColumnElement[bool]:
    return {
        "==": expr == literal,
        "===": expr == literal,
        "!=": expr != literal,
        "!==": expr != literal,
        "<": expr < literal,
        "<=": expr <= literal,
        ">": expr > literal,
        ">=": expr >= literal,
    }[op]


def _var(node: Any) -> str | None:
    if isinstance(node, dict) and len(node) == 1 and "var" in node:
        name = node["var"]
        if isinstance(name, list):
            name = name[0] if len(name) == 1 else None
        return name if isinstance(name, str) and "." not in name else None
    return None


@dataclass(frozen=True, slots=True)
class SortKey:
    """One key of a listing's order: its SQL value, its direction, and whether it may be
    null (a field's value may be missing; the meta columns never are)."""

    expr: ColumnElement[Any]
    descending: bool
    nullable: bool

    def clause(self) -> ColumnElement[Any]:
        ordered = self.expr.desc() if self.descending else self.expr.asc()
        # Only where a value may be missing: SQLite cannot read `id ASC NULLS LAST` from an
        # index (its primary keys may hold NULL), and sorts the whole table instead.
        return ordered.nulls_last() if self.nullable else ordered


def sort_keys(
    sort: list[str] | None, kinds: Mapping[str, ValueKind], dialect: str
) -> list[SortKey]:
    """The keys of ["-amount", "name", "createdAt"]: any field or createdAt/updatedAt, "-" for
    descending, missing values last; the record id last, in the direction of the key before
    it, so that pages are stable and an index on (key, id) serves them in either direction."""
    keys: list[SortKey] = []
    problems = []
    for i, item in enumerate(sort or ["createdAt"]):
        descending = item.startswith("-")
        name = item[1:] if descending else item
        if name in META_SORTS:
            keys.append(SortKey(META_SORTS[name], descending, nullable=False))
        elif name in kinds:
            keys.append(SortKey(value_expression(name, kinds[name], dialect), descending, True))
        else:
            problems.append(
                FieldProblem(f"sort[{i}]", f"no field {name!r} to sort on", "unknown_field")
            )
    if problems:
        raise ValidationFailed(problems, "The sort order is invalid")
    last = keys[-1].descending if keys else False
    keys.append(SortKey(Record.id, last, nullable=False))
    return keys


def order_by(
    sort: list[str] | None, kinds: Mapping[str, ValueKind], dialect: str
) -> list[ColumnElement[Any]]:
    """ORDER BY of a sort (see sort_keys)."""
    return [key.clause() for key in sort_keys(sort, kinds, dialect)]
