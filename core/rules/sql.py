"""JSONLogic as a SQL WHERE over a JSON column (PostgreSQL JSONB, SQLite JSON1).

Every JSON value is carried as its runtime type tag plus typed projections, and each operator is
a CASE over those tags that mirrors the in-memory JavaScript semantics. SQLite has no regular
expressions, so its string-to-number coercions call Python functions that
`register_sqlite_functions` installs on each connection. What cannot be mirrored is refused
with RuleSqlUnsupported. NaN is carried as SQL NULL.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BIT, JSONB, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from .compile import compile_rule
from .data_access import split_path
from .errors import Path, RuleSqlUnsupported
from .js import _WS as JS_WHITESPACE
from .js import parse_float, strict_equals, string_to_number, to_string
from .operators import js_divide, js_remainder

E = ColumnElement[Any]
_WS = r"[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_NUM = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"


def _lit(value: Any) -> E:
    return sa.literal(value)


def _null() -> E:
    return sa.null()


@dataclass
class V:
    """A JSON value in SQL: `jt` is its JSON type name; the other parts are valid for that type."""

    jt: E
    num: E = field(default_factory=sa.null)  # float (NULL is NaN) when jt = 'number'
    txt: E = field(default_factory=sa.null)  # text when jt = 'string'
    flag: E = field(default_factory=sa.null)  # boolean when jt = 'boolean'
    alen: E = field(default_factory=sa.null)  # length when jt = 'array'
    prim: E = field(default_factory=sa.null)  # String(value) when jt = 'array'
    ident: tuple[str, ...] | None = None  # same path => same object (JS identity)
    static: str | None = None  # JSON type known at compile time


class _Sql:
    def __init__(self, column: E, dialect: str) -> None:
        if dialect not in ("postgresql", "sqlite"):
            raise RuleSqlUnsupported.at((), f"no SQL for dialect {dialect!r}", "rule.sql_dialect")
        self.col, self.pg = column, dialect == "postgresql"
        # On PostgreSQL each variable's projections are computed once per row, as columns of a
        # LATERAL subquery, and the condition refers to them: inlining them at every use made
        # the SQL grow with each operator that mentions an operand twice.
        self.table = getattr(column, "table", None) if self.pg else None
        self.cells: list[Any] = []
        self.vars: dict[tuple[str, ...], V] = {}

    # --- values -------------------------------------------------------------------------

    def literal(self, value: Any, path: Path) -> V:
        t = type(value)
        if value is None:
            return V(_lit("null"), static="null")
        if t is bool:
            return V(_lit("boolean"), flag=sa.true() if value else sa.false(), static="boolean")
        if t is int or t is float:
            return V(_lit("number"), num=sa.cast(_lit(float(value)), sa.Float), static="number")
        if t is str:
            return V(_lit("string"), txt=_lit(value), static="string")
        raise RuleSqlUnsupported.at(path, "only scalar literals compile to SQL here")

    def var(self, parts: list[str] | None, path: Path) -> V:
        for p in parts or []:
            if (p.lstrip("-").isdigit() and p != str(int(p))) or p.startswith("-"):
                raise RuleSqlUnsupported.at(path, f"path segment {p!r} has no exact SQL meaning")
            if not self.pg and ('"' in p or "\\" in p):
                raise RuleSqlUnsupported.at(path, f"path segment {p!r} cannot be quoted for SQLite")
        ident = tuple(parts or ())
        return self._pg_var(list(ident), ident) if self.pg else self._sqlite_var(list(ident), ident)

    def _pg_var(self, parts: list[str], ident: tuple[str, ...]) -> V:
        known = self.vars.get(ident)
        if known is not None:
            return known
        raw = sa.func.jsonb_extract_path(self.col, *map(_lit, parts)) if parts else self.col
        text = sa.func.jsonb_extract_path_text(self.col, *map(_lit, parts)) if parts else None
        v = self._pg_value(raw, text, ident)
        if self.table is not None:
            kind = sa.func.jsonb_typeof(raw)
            v = V(
                jt=self.cell(v.jt, sa.Text()),
                num=self.cell(sa.case((kind == "number", v.num)), sa.Float()),
                txt=self.cell(v.txt, sa.Text()),
                flag=self.cell(v.flag, sa.Boolean()),
                alen=self.cell(sa.case((kind == "array", v.alen)), sa.Integer()),
                prim=self.cell(sa.case((kind == "array", v.prim)), sa.Text()),
                ident=ident,
            )
        self.vars[ident] = v
        return v

    def cell(self, expr: E, type_: Any) -> E:
        name = f"erp_c{len(self.cells)}"
        self.cells.append(expr.label(name))
        return sa.literal_column(f"erp_v.{name}", type_=type_)

    def where(self, condition: E) -> E:
        """The condition, over the LATERAL subquery of the variables' projections if any."""
        if not self.cells:
            return condition
        # OFFSET 0 keeps the planner from inlining the projections back into every use
        values = sa.select(*self.cells).correlate(self.table).offset(0).lateral("erp_v")
        select = sa.select(condition).select_from(values).correlate(self.table)
        return sa.func.coalesce(select.scalar_subquery(), sa.false())

    def _pg_value(self, raw: E, text: E | None, ident: tuple[str, ...] | None, depth: int = 0) -> V:
        text = text if text is not None else raw.op("#>>")(sa.literal_column("'{}'"))
        return V(
            jt=sa.func.coalesce(sa.func.jsonb_typeof(raw), "null"),
            num=sa.cast(text, sa.Float),
            txt=text,
            flag=text == "true",
            alen=sa.func.jsonb_array_length(raw),
            prim=self._pg_array_string(raw, depth),
            ident=ident,
        )

    def _pg_array_string(self, raw: E, depth: int) -> E:
        """String(array): items joined by ',' with JS renderings (nulls as '')."""
        items = sa.func.jsonb_array_elements(raw).table_valued(
            "value", with_ordinality="ordinality"
        )
        items = items.alias(f"items{depth}")
        e = items.c.value
        t = e.op("#>>")(sa.literal_column("'{}'"))
        nested: E = self._pg_array_string(e, depth + 1) if depth < 2 else _null()
        rendering = sa.case(
            (sa.func.jsonb_typeof(e) == "string", t),
            (sa.func.jsonb_typeof(e) == "null", ""),
            (sa.func.jsonb_typeof(e) == "boolean", t),
            (
                sa.func.jsonb_typeof(e) == "number",
                sa.cast(sa.func.trim_scale(sa.cast(t, sa.Numeric)), sa.Text),
            ),
            (sa.func.jsonb_typeof(e) == "object", "[object Object]"),
            else_=nested,
        )
        agg = sa.func.string_agg(rendering, aggregate_order_by(_lit(","), items.c.ordinality))
        return sa.func.coalesce(sa.select(agg).select_from(items).scalar_subquery(), "")

    def _sqlite_var(self, parts: list[str], ident: tuple[str, ...]) -> V:
        path: E = _lit("$")
        for p in parts:
            if p.isdigit():
                step = sa.case(
                    (sa.func.json_type(self.col, path) == "array", f"[{p}]"), else_=f'."{p}"'
                )
                path = path + step
            else:
                path = path + _lit(f'."{p}"')
        jtype = sa.func.json_type(self.col, path)
        raw = sa.func.json_extract(self.col, path)
        return V(
            jt=sa.case(
                (jtype.in_(["true", "false"]), "boolean"),
                (jtype.in_(["integer", "real"]), "number"),
                (jtype == "text", "string"),
                (jtype.in_(["array", "object"]), jtype),
                else_="null",
            ),
            num=sa.cast(raw, sa.Float),
            txt=raw,
            flag=jtype == "true",
            alen=sa.func.json_array_length(self.col, path),
            prim=sa.func.erp_js_string(raw),
            ident=ident,
        )

    # --- JavaScript conversions ----------------------------------------------------------

    def str_to_number(self, text: E) -> E:
        if not self.pg:
            return sa.func.erp_js_number(text)
        trimmed = sa.func.btrim(text, _lit(JS_WHITESPACE))
        m = text.op("~")
        return sa.case(
            (m(_lit(f"^{_WS}*$")), 0.0),
            (m(_lit(f"^{_WS}*{_NUM}{_WS}*$")), sa.cast(trimmed, sa.Float)),
            (m(_lit(f"^{_WS}*\\+?Infinity{_WS}*$")), sa.cast(_lit("Infinity"), sa.Float)),
            (m(_lit(f"^{_WS}*-Infinity{_WS}*$")), sa.cast(_lit("-Infinity"), sa.Float)),
            (
                m(_lit(f"^{_WS}*0[xX][0-9a-fA-F]{{1,15}}{_WS}*$")),
                sa.cast(
                    sa.cast(
                        sa.cast(
                            "x" + sa.func.lpad(sa.func.substring(trimmed, 3), 16, "0"),
                            BIT(64),
                        ),
                        sa.BigInteger,
                    ),
                    sa.Float,
                ),
            ),
            else_=_null(),
        )

    def parse_float(self, v: V) -> E:
        """parseFloat(String(v)) as `+` and `*` use it."""
        if v.static == "number":
            return v.num
        if not self.pg:
            text = sa.case(
                (v.jt == "string", v.txt),
                (v.jt == "array", v.prim),
                (v.jt == "boolean", sa.case((v.flag, "true"), else_="false")),
                (v.jt == "object", "[object Object]"),
                else_="null",
            )
            return sa.case((v.jt == "number", v.num), else_=sa.func.erp_js_parse_float(text))
        text = sa.case((v.jt == "string", v.txt), (v.jt == "array", v.prim), else_=_null())
        prefix = sa.func.substring(text, _lit(f"^{_WS}*({_NUM}|[+-]?Infinity)"))
        return sa.case(
            (v.jt == "number", v.num),
            (prefix.is_(None), _null()),
            (
                prefix.op("~")(_lit("Infinity$")),
                sa.cast(sa.func.replace(prefix, "Infinity", "Infinity"), sa.Float),
            ),
            else_=sa.cast(prefix, sa.Float),
        )

    def no_nan(self, number: E) -> E:
        """NaN is carried as NULL; PostgreSQL's own NaN (Infinity - Infinity) equals itself."""
        return sa.func.nullif(number, sa.cast(_lit("NaN"), sa.Float)) if self.pg else number

    def divide(self, x: E, y: E) -> E:
        """x / y as js_divide: a zero divisor gives ±Infinity by the dividend's sign, or NaN."""
        if not self.pg:
            return sa.func.erp_js_divide(x, y)
        infinity = sa.cast(_lit("Infinity"), sa.Float)
        return sa.case(
            (y == 0, sa.case((x > 0, infinity), (x < 0, -infinity), else_=_null())),
            else_=self.no_nan(x / y),
        )

    def pg_remainder(self, x: E, y: int) -> E:
        """x % y as js_remainder for an integer literal y, exact as C's fmod.

        Below 2**53, x - y*trunc(x/y) is exact except that x/y may round up to the next
        integer, which leaves a result of the wrong sign that one more y corrects. Larger
        doubles are integers and go through bigint; beyond 2**63 the result is NaN (NULL).
        """
        if y == 0:
            return sa.cast(_null(), sa.Float)
        k = sa.cast(_lit(float(y)), sa.Float)
        r = x - k * sa.func.trunc(x / k)
        fixed = sa.case(
            (sa.and_(r != 0, sa.func.sign(r) != sa.func.sign(x)), r + sa.func.sign(x) * abs(y)),
            else_=r,
        )
        big = sa.cast(
            sa.func.mod(sa.cast(x, sa.BigInteger), sa.cast(_lit(y), sa.BigInteger)), sa.Float
        )
        return sa.case(
            (sa.func.abs(x) < 2.0**53, fixed),
            (sa.func.abs(x) < 2.0**63, big),
            else_=_null(),
        )

    def to_number(self, v: V) -> E:
        if v.static == "number":
            return v.num
        return sa.case(
            (v.jt == "null", 0.0),
            (v.jt == "boolean", sa.case((v.flag, 1.0), else_=0.0)),
            (v.jt == "number", v.num),
            (v.jt == "string", self.str_to_number(v.txt)),
            (
                v.jt == "array",
                sa.case(
                    (v.alen == 0, 0.0), (v.alen == 1, self.str_to_number(v.prim)), else_=_null()
                ),
            ),
            else_=_null(),
        )

    def prim_string(self, v: V) -> E:
        """String(v) for values whose primitive is a string (strings, arrays, objects)."""
        return sa.case(
            (v.jt == "string", v.txt),
            (v.jt == "array", v.prim),
            else_="[object Object]",
        )

    def truthy(self, v: V) -> E:
        if v.static == "boolean":
            return v.flag
        if v.static == "number":
            return sa.func.coalesce(v.num != 0, sa.false())
        return sa.func.coalesce(
            sa.case(
                (v.jt == "null", sa.false()),
                (v.jt == "boolean", v.flag),
                (v.jt == "number", v.num != 0),
                (v.jt == "string", v.txt != ""),
                (v.jt == "array", v.alen > 0),
                else_=sa.true(),
            ),
            sa.false(),
        )

    # --- comparisons -------------------------------------------------------------------

    def _same_type_equal(self, a: V, b: V) -> E:
        same_object = sa.true() if a.ident is not None and a.ident == b.ident else sa.false()
        return sa.case(
            (a.jt == "null", sa.true()),
            (a.jt == "boolean", a.flag == b.flag),
            (a.jt == "number", a.num == b.num),
            (a.jt == "string", self._text_eq(a.txt, b.txt)),
            else_=same_object,
        )

    def _text_eq(self, x: E, y: E) -> E:
        return x.collate("C") == y if self.pg else x == y

    def strict_equal(self, a: V, b: V) -> E:
        # CASE, not AND: PostgreSQL may evaluate AND operands in any order, and the float cast
        # of a projection is only valid once the types are known to match
        return sa.func.coalesce(
            sa.case((a.jt == b.jt, self._same_type_equal(a, b)), else_=sa.false()), sa.false()
        )

    def loose_equal(self, a: V, b: V) -> E:
        objects = ("array", "object")
        return sa.func.coalesce(
            sa.case(
                (sa.or_(a.jt == "null", b.jt == "null"), sa.and_(a.jt == "null", b.jt == "null")),
                (a.jt == b.jt, self._same_type_equal(a, b)),
                (sa.and_(a.jt.in_(objects), b.jt.in_(objects)), sa.false()),
                (
                    sa.and_(a.jt == "string", b.jt.in_(objects)),
                    self._text_eq(a.txt, self.prim_string(b)),
                ),
                (
                    sa.and_(b.jt == "string", a.jt.in_(objects)),
                    self._text_eq(self.prim_string(a), b.txt),
                ),
                else_=self.to_number(a) == self.to_number(b),
            ),
            sa.false(),
        )

    def ordered(self, a: V, b: V, strict_lt: bool) -> E:
        stringy = ("string", "array", "object")
        sa_, sb = self.prim_string(a), self.prim_string(b)
        if self.pg:
            sa_ = sa_.collate("C")
        text_cmp = sa_ < sb if strict_lt else sa_ <= sb
        na, nb = self.to_number(a), self.to_number(b)
        num_cmp = na < nb if strict_lt else na <= nb
        if a.static == "number" or b.static == "number":
            return sa.func.coalesce(num_cmp, sa.false())
        return sa.func.coalesce(
            sa.case((sa.and_(a.jt.in_(stringy), b.jt.in_(stringy)), text_cmp), else_=num_cmp),
            sa.false(),
        )


def _bool(expr: E) -> V:
    return V(_lit("boolean"), flag=expr, static="boolean")


def _number(expr: E) -> V:
    return V(_lit("number"), num=expr, static="number")


class _Translator:
    def __init__(self, sql: _Sql) -> None:
        self.sql = sql

    def truthy(self, node: Any, path: Path) -> E:
        op, args, paths = _operation(node, path)
        if op in ("and", "or"):
            if not args:
                return sa.false()
            parts = [self.truthy(a, p) for a, p in zip(args, paths, strict=True)]
            return sa.and_(*parts) if op == "and" else sa.or_(*parts)
        if op == "!":
            return sa.not_(self.truthy(args[0], paths[0]))
        if op == "!!":
            return self.truthy(args[0], paths[0])
        if op in ("if", "?:"):
            if not args:
                return sa.false()
            if len(args) == 1:
                return self.truthy(args[0], paths[0])
            whens = [
                (self.truthy(args[i], paths[i]), self.truthy(args[i + 1], paths[i + 1]))
                for i in range(0, len(args) - 1, 2)
            ]
            otherwise = self.truthy(args[-1], paths[-1]) if len(args) % 2 else sa.false()
            return sa.case(*whens, else_=otherwise)
        if op == "missing":
            keys = self._keys(args, path)
            return sa.or_(*[self._is_missing(k, path) for k in keys]) if keys else sa.false()
        if op == "missing_some":
            need, options = args
            if type(need) not in (int, float) or type(options) is not list:
                raise RuleSqlUnsupported.at(path, "missing_some needs a literal count and key list")
            keys = self._keys([options], path)
            absent = [sa.cast(self._is_missing(k, path), sa.Integer) for k in keys]
            total_absent = sum(absent[1:], absent[0]) if absent else _lit(0)
            return sa.and_(len(keys) - total_absent < need, total_absent > 0)
        return self.sql.truthy(self.value(node, path))

    def _keys(self, args: list[Any], path: Path) -> list[Any]:
        keys = args[0] if args and type(args[0]) is list else args
        if any(type(k) not in (str, int) for k in keys):
            raise RuleSqlUnsupported.at(path, "missing needs literal keys to compile to SQL")
        return list(keys)

    def _is_missing(self, key: Any, path: Path) -> E:
        v = self.sql.var(split_path(key), path)
        return sa.or_(v.jt == "null", sa.and_(v.jt == "string", v.txt == ""))

    def value(self, node: Any, path: Path) -> V:
        if type(node) is not dict:
            return self.sql.literal(node, path)
        op, args, paths = _operation(node, path)
        sql = self.sql
        if op == "var":
            return self._var(args, path)
        if op in ("==", "!=", "===", "!=="):
            a, b = (self.value(x, p) for x, p in zip(args, paths, strict=True))
            eq = sql.strict_equal(a, b) if op in ("===", "!==") else sql.loose_equal(a, b)
            return _bool(eq if op in ("==", "===") else sa.not_(eq))
        if op in ("<", "<=", ">", ">="):
            vals = [self.value(x, p) for x, p in zip(args, paths, strict=True)]
            strict_lt = op in ("<", ">")
            if op in (">", ">="):
                vals.reverse()
            pairs = list(itertools.pairwise(vals))
            return _bool(sa.and_(*[sql.ordered(x, y, strict_lt) for x, y in pairs]))
        if op in ("!", "!!", "and", "or", "if", "?:", "missing", "missing_some"):
            return (
                _bool(self.truthy(node, path))
                if op in ("!", "!!")
                else self._boolean_only(op, path)
            )
        if op == "in":
            return _bool(self._in(args, paths, path))
        if op in ("+", "*", "-"):
            return self._arithmetic(op, args, paths, path)
        if op == "/":
            x, y = (self.value(a, p) for a, p in zip(args, paths, strict=True))
            return _number(self.sql.divide(self.sql.to_number(x), self.sql.to_number(y)))
        if op == "%":
            return self._remainder(args, paths, path)
        raise RuleSqlUnsupported.at(path, f"operator {op!r} does not compile to SQL")

    def _boolean_only(self, op: str, path: Path) -> V:
        raise RuleSqlUnsupported.at(
            path, f"{op!r} returns one of its operands; in SQL it may only be used as a condition"
        )

    def _var(self, args: list[Any], path: Path) -> V:
        if not args:
            return self.sql.var(None, path)
        key = args[0]
        if type(key) not in (str, int) and key is not None:
            raise RuleSqlUnsupported.at(path, "var needs a literal path to compile to SQL")
        v = self.sql.var(split_path(key), path)
        if len(args) < 2 or args[1] is None:
            return v
        default = self.sql.literal(args[1], path)
        # the default applies to an absent key only, not to a stored null
        absent = self._absent(split_path(key))
        return V(
            jt=sa.case((absent, default.jt), else_=v.jt),
            num=sa.case((absent, default.num), else_=v.num),
            txt=sa.case((absent, default.txt), else_=v.txt),
            flag=sa.case((absent, default.flag), else_=v.flag)
            if default.flag is not None
            else v.flag,
            alen=v.alen,
            prim=v.prim,
        )

    def _absent(self, parts: list[str] | None) -> E:
        if not parts:
            return sa.false()
        if self.sql.pg:
            return sa.func.jsonb_extract_path(self.sql.col, *map(_lit, parts)).is_(None)
        v = self.sql.var(parts, ())
        # json_type() is NULL only for an absent path; jt maps it to 'null' too, so ask again
        return sa.and_(v.jt == "null", sa.not_(self._stored_null(parts)))

    def _stored_null(self, parts: list[str]) -> E:
        path: E = _lit("$")
        for p in parts:
            if p.isdigit():
                path = path + sa.case(
                    (sa.func.json_type(self.sql.col, path) == "array", f"[{p}]"), else_=f'."{p}"'
                )
            else:
                path = path + _lit(f'."{p}"')
        return sa.func.coalesce(sa.func.json_type(self.sql.col, path) == "null", sa.false())

    def _in(self, args: list[Any], paths: list[Path], path: Path) -> E:
        needle_rule, haystack = args
        if type(haystack) is list:
            needle = self.value(needle_rule, paths[0])
            if not haystack:
                return sa.false()
            return sa.or_(
                *[self.sql.strict_equal(needle, self.sql.literal(h, paths[1])) for h in haystack]
            )
        is_var = type(haystack) is dict and len(haystack) == 1 and "var" in haystack
        if is_var and (needle_rule is None or type(needle_rule) in (str, int, float, bool)):
            return self._in_var(needle_rule, self.value(haystack, paths[1]), haystack["var"], path)
        raise RuleSqlUnsupported.at(
            path, "'in' compiles to SQL with a literal list, or a literal looked up in a field"
        )

    def _in_var(self, needle: Any, hay: V, var_args: Any, path: Path) -> E:
        sql = self.sql
        key = var_args[0] if type(var_args) is list else var_args
        if type(key) not in (str, int):
            raise RuleSqlUnsupported.at(path, "var needs a literal path to compile to SQL")
        find = sa.func.strpos if sql.pg else sa.func.instr
        substring = sa.and_(hay.txt != "", find(hay.txt, to_string(needle)) > 0)
        member: E
        if sql.pg:
            parts = split_path(key) or []
            raw = sa.func.jsonb_extract_path(sql.col, *map(_lit, parts))
            member = raw.op("@>")(sa.func.jsonb_build_array(_pg_scalar(needle)))
        else:
            # json_extract gives an array back as its JSON text
            member = sa.func.erp_js_array_has(hay.txt, json.dumps(needle)) == 1
        return sa.func.coalesce(
            sa.case((hay.jt == "string", substring), (hay.jt == "array", member), else_=sa.false()),
            sa.false(),
        )

    def _remainder(self, args: list[Any], paths: list[Path], path: Path) -> V:
        x = self.sql.to_number(self.value(args[0], paths[0]))
        if not self.sql.pg:
            y = self.sql.to_number(self.value(args[1], paths[1]))
            return _number(sa.func.erp_js_remainder(x, y))
        divisor = args[1]
        if type(divisor) not in (int, float) or divisor != int(divisor) or abs(divisor) > 2**53:
            raise RuleSqlUnsupported.at(
                path, "'%' compiles to SQL for PostgreSQL with a literal integer divisor"
            )
        return _number(self.sql.pg_remainder(x, int(divisor)))

    def _arithmetic(self, op: str, args: list[Any], paths: list[Path], path: Path) -> V:
        vals = [self.value(x, p) for x, p in zip(args, paths, strict=True)]
        sql = self.sql
        if op == "*" and len(vals) == 1:
            return vals[0]
        if op == "-":
            if len(vals) == 1:
                return _number(-sql.to_number(vals[0]))
            return _number(sql.no_nan(sql.to_number(vals[0]) - sql.to_number(vals[1])))
        if not vals:
            return _number(sa.cast(_lit(0.0), sa.Float))
        terms = [sql.parse_float(v) for v in vals]
        total = terms[0]
        for t in terms[1:]:
            total = sql.no_nan(total + t if op == "+" else total * t)
        return _number(total)


def _pg_scalar(value: Any) -> E:
    if type(value) is str:
        return sa.cast(_lit(value), sa.Text)
    return sa.cast(_lit(json.dumps(value)), JSONB)


def _operation(node: Any, path: Path) -> tuple[str, list[Any], list[Path]]:
    if type(node) is not dict:
        return "", [], []
    op, raw = next(iter(node.items()))
    if type(raw) is list:
        return op, raw, [(*path, op, i) for i in range(len(raw))]
    return op, [raw], [(*path, op)]


def to_sql(rule: Any, column: Any, dialect_name: str) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the rows whose `column` data makes the rule truthy.

    Raises RuleSyntaxError for an invalid rule and RuleSqlUnsupported (with the path of the
    offending sub-rule) for operators or shapes that have no exact SQL counterpart.
    """
    compile_rule(rule)  # syntax and operators are checked exactly as for in-memory use
    sql = _Sql(column, dialect_name)
    return sql.where(_Translator(sql).truthy(rule, ()))


# --- SQLite support functions --------------------------------------------------------------


def _sqlite_number(text: Any) -> float | None:
    if text is None:
        return None
    n = string_to_number(str(text))
    return None if n != n else float(n)


def _sqlite_parse_float(text: Any) -> float | None:
    n = parse_float(text)
    return None if n != n else float(n)


def _sqlite_string(json_text: Any) -> str | None:
    if json_text is None:
        return None
    try:
        return to_string(json.loads(json_text))
    except (TypeError, ValueError):
        return to_string(json_text)


def _nan_to_null(value: int | float) -> float | None:
    return None if value != value else float(value)


def _sqlite_divide(x: float | None, y: float | None) -> float | None:
    nan = float("nan")
    return _nan_to_null(js_divide(nan if x is None else x, nan if y is None else y))


def _sqlite_remainder(x: float | None, y: float | None) -> float | None:
    nan = float("nan")
    return _nan_to_null(js_remainder(nan if x is None else x, nan if y is None else y))


def _sqlite_array_has(json_text: Any, needle_json: str) -> int:
    try:
        items = json.loads(json_text)
    except (TypeError, ValueError):
        return 0
    needle = json.loads(needle_json)
    return int(type(items) is list and any(strict_equals(needle, i) for i in items))


SQLITE_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "erp_js_number": (1, _sqlite_number),
    "erp_js_parse_float": (1, _sqlite_parse_float),
    "erp_js_string": (1, _sqlite_string),
    "erp_js_array_has": (2, _sqlite_array_has),
    "erp_js_divide": (2, _sqlite_divide),
    "erp_js_remainder": (2, _sqlite_remainder),
}


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Install the functions SQLite rule filters call; use from a "connect" engine event.

    Accepts a sqlite3 connection or SQLAlchemy's aiosqlite adapter connection.
    """
    run_async = getattr(dbapi_connection, "run_async", None)
    for name, (nargs, fn) in SQLITE_FUNCTIONS.items():
        if run_async is not None:

            async def install(
                conn: Any, name: str = name, nargs: int = nargs, fn: Any = fn
            ) -> None:
                await conn.create_function(name, nargs, fn, deterministic=True)

            run_async(install)
        else:
            dbapi_connection.create_function(name, nargs, fn, deterministic=True)
