"""Rules as SQL on PostgreSQL: JSONB paths, variables computed once per row in a LATERAL
subquery, JavaScript's number parsing as regular expressions, remainders exact as fmod."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BIT, JSONB, aggregate_order_by

from ..data_access import split_path
from ..errors import Path, RuleSqlUnsupported
from ..js import _WS as JS_WHITESPACE
from .values import Dialect, E, V, lit, null

_WS = r"[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_NUM = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"


class PostgreSQL(Dialect):
    def __init__(self, column: E) -> None:
        super().__init__(column)
        # Each variable's projections are computed once per row, as columns of a LATERAL
        # subquery, and the condition refers to them: inlining them at every use made the SQL
        # grow with each operator that mentions an operand twice.
        self.table = getattr(column, "table", None)
        self.cells: list[Any] = []
        self.vars: dict[tuple[str, ...], V] = {}

    def _var(self, parts: list[str], ident: tuple[str, ...]) -> V:
        known = self.vars.get(ident)
        if known is not None:
            return known
        raw = sa.func.jsonb_extract_path(self.col, *map(lit, parts)) if parts else self.col
        text = sa.func.jsonb_extract_path_text(self.col, *map(lit, parts)) if parts else None
        v = self._value(raw, text, ident)
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

    def _value(self, raw: E, text: E | None, ident: tuple[str, ...] | None, depth: int = 0) -> V:
        text = text if text is not None else raw.op("#>>")(sa.literal_column("'{}'"))
        return V(
            jt=sa.func.coalesce(sa.func.jsonb_typeof(raw), "null"),
            num=sa.cast(text, sa.Float),
            txt=text,
            flag=text == "true",
            alen=sa.func.jsonb_array_length(raw),
            prim=self._array_string(raw, depth),
            ident=ident,
        )

    def _array_string(self, raw: E, depth: int) -> E:
        """String(array): items joined by ',' with JS renderings (nulls as '')."""
        items = sa.func.jsonb_array_elements(raw).table_valued(
            "value", with_ordinality="ordinality"
        )
        items = items.alias(f"items{depth}")
        e = items.c.value
        t = e.op("#>>")(sa.literal_column("'{}'"))
        nested: E = self._array_string(e, depth + 1) if depth < 2 else null()
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
        agg = sa.func.string_agg(rendering, aggregate_order_by(lit(","), items.c.ordinality))
        return sa.func.coalesce(sa.select(agg).select_from(items).scalar_subquery(), "")

    def str_to_number(self, text: E) -> E:
        trimmed = sa.func.btrim(text, lit(JS_WHITESPACE))
        m = text.op("~")
        return sa.case(
            (m(lit(f"^{_WS}*$")), 0.0),
            (m(lit(f"^{_WS}*{_NUM}{_WS}*$")), sa.cast(trimmed, sa.Float)),
            (m(lit(f"^{_WS}*\\+?Infinity{_WS}*$")), sa.cast(lit("Infinity"), sa.Float)),
            (m(lit(f"^{_WS}*-Infinity{_WS}*$")), sa.cast(lit("-Infinity"), sa.Float)),
            (
                m(lit(f"^{_WS}*0[xX][0-9a-fA-F]{{1,15}}{_WS}*$")),
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
            else_=null(),
        )

    def parse_float(self, v: V) -> E:
        """parseFloat(String(v)) as `+` and `*` use it."""
        if v.static == "number":
            return v.num
        text = sa.case((v.jt == "string", v.txt), (v.jt == "array", v.prim), else_=null())
        prefix = sa.func.substring(text, lit(f"^{_WS}*({_NUM}|[+-]?Infinity)"))
        return sa.case(
            (v.jt == "number", v.num),
            (prefix.is_(None), null()),
            (
                prefix.op("~")(lit("Infinity$")),
                sa.cast(sa.func.replace(prefix, "Infinity", "Infinity"), sa.Float),
            ),
            else_=sa.cast(prefix, sa.Float),
        )

    def no_nan(self, number: E) -> E:
        """NaN is carried as NULL; PostgreSQL's own NaN (Infinity - Infinity) equals itself."""
        return sa.func.nullif(number, sa.cast(lit("NaN"), sa.Float))

    def divide(self, x: E, y: E) -> E:
        """x / y as js_divide: a zero divisor gives ±Infinity by the dividend's sign, or NaN."""
        infinity = sa.cast(lit("Infinity"), sa.Float)
        return sa.case(
            (y == 0, sa.case((x > 0, infinity), (x < 0, -infinity), else_=null())),
            else_=self.no_nan(x / y),
        )

    def remainder(self, x: E, divisor: Any, y: Callable[[], E], path: Path) -> E:
        if type(divisor) not in (int, float) or divisor != int(divisor) or abs(divisor) > 2**53:
            raise RuleSqlUnsupported.at(
                path, "'%' compiles to SQL for PostgreSQL with a literal integer divisor"
            )
        return self._exact_remainder(x, int(divisor))

    def _exact_remainder(self, x: E, y: int) -> E:
        """x % y as js_remainder for an integer literal y, exact as C's fmod.

        Below 2**53, x - y*trunc(x/y) is exact except that x/y may round up to the next
        integer, which leaves a result of the wrong sign that one more y corrects. Larger
        doubles are integers and go through bigint; beyond 2**63 the result is NaN (NULL).
        """
        if y == 0:
            return sa.cast(null(), sa.Float)
        k = sa.cast(lit(float(y)), sa.Float)
        r = x - k * sa.func.trunc(x / k)
        fixed = sa.case(
            (sa.and_(r != 0, sa.func.sign(r) != sa.func.sign(x)), r + sa.func.sign(x) * abs(y)),
            else_=r,
        )
        big = sa.cast(
            sa.func.mod(sa.cast(x, sa.BigInteger), sa.cast(lit(y), sa.BigInteger)), sa.Float
        )
        return sa.case(
            (sa.func.abs(x) < 2.0**53, fixed),
            (sa.func.abs(x) < 2.0**63, big),
            else_=null(),
        )

    def absent(self, parts: list[str]) -> E:
        return sa.func.jsonb_extract_path(self.col, *map(lit, parts)).is_(None)

    def find(self, haystack: E, needle: str) -> E:
        return sa.func.strpos(haystack, needle)

    def array_has(self, key: Any, needle: Any, hay: V) -> E:
        parts = split_path(key) or []
        raw = sa.func.jsonb_extract_path(self.col, *map(lit, parts))
        return raw.op("@>")(sa.func.jsonb_build_array(_scalar(needle)))

    def text_eq(self, x: E, y: E) -> E:
        return x.collate("C") == y

    def text_order(self, x: E) -> E:
        return x.collate("C")


def _scalar(value: Any) -> E:
    if type(value) is str:
        return sa.cast(lit(value), sa.Text)
    return sa.cast(lit(json.dumps(value)), JSONB)
