"""JSON values in SQL, and the part of JSONLogic's semantics both dialects express alike:
literals, truthiness, JavaScript's number coercion, equality and ordering. Each dialect
(postgresql.py, sqlite.py) supplies reading a variable, string-to-number conversion and
the arithmetic that differs between them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from ..errors import Path, RuleSqlUnsupported

E = ColumnElement[Any]


def lit(value: Any) -> E:
    return sa.literal(value)


def null() -> E:
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


class Dialect(ABC):
    """A rule's SQL over one JSON `column` of one database."""

    def __init__(self, column: E) -> None:
        self.col = column

    # --- what each dialect says its own way ------------------------------------------------

    @abstractmethod
    def _var(self, parts: list[str], ident: tuple[str, ...]) -> V:
        """The value at `parts` (already checked) of the row's JSON."""

    def check_segment(self, segment: str, path: Path) -> None:  # noqa: B027 (most accept all)
        """Refuse a path segment this dialect cannot address exactly."""

    @abstractmethod
    def str_to_number(self, text: E) -> E:
        """Number(text) as JavaScript converts a string (NULL for NaN)."""

    @abstractmethod
    def parse_float(self, v: V) -> E:
        """parseFloat(String(v)) as `+` and `*` use it."""

    def no_nan(self, number: E) -> E:
        """NaN is carried as NULL."""
        return number

    @abstractmethod
    def divide(self, x: E, y: E) -> E:
        """x / y as js_divide."""

    @abstractmethod
    def remainder(self, x: E, divisor: Any, y: Callable[[], E], path: Path) -> E:
        """x % y as js_remainder; `divisor` is the rule's divisor, `y()` its number."""

    @abstractmethod
    def absent(self, parts: list[str]) -> E:
        """True when the row's JSON has nothing at `parts` (a stored null is present)."""

    @abstractmethod
    def find(self, haystack: E, needle: str) -> E:
        """The 1-based position of `needle` in `haystack`, 0 when it is not there."""

    @abstractmethod
    def array_has(self, key: Any, needle: Any, hay: V) -> E:
        """The array `hay` at `key` holds an item strictly equal to the literal `needle`."""

    def text_eq(self, x: E, y: E) -> E:
        """Texts equal code unit by code unit, as JavaScript compares strings."""
        return x == y

    def text_order(self, x: E) -> E:
        """`x` as it should be ordered: by code units, as JavaScript orders strings."""
        return x

    def where(self, condition: E) -> E:
        """The finished WHERE clause for `condition`."""
        return condition

    # --- values -------------------------------------------------------------------------

    def var(self, parts: list[str] | None, path: Path) -> V:
        for p in parts or []:
            if (p.lstrip("-").isdigit() and p != str(int(p))) or p.startswith("-"):
                raise RuleSqlUnsupported.at(path, f"path segment {p!r} has no exact SQL meaning")
            self.check_segment(p, path)
        ident = tuple(parts or ())
        return self._var(list(ident), ident)

    def literal(self, value: Any, path: Path) -> V:
        t = type(value)
        if value is None:
            return V(lit("null"), static="null")
        if t is bool:
            return V(lit("boolean"), flag=sa.true() if value else sa.false(), static="boolean")
        if t is int or t is float:
            return V(lit("number"), num=sa.cast(lit(float(value)), sa.Float), static="number")
        if t is str:
            return V(lit("string"), txt=lit(value), static="string")
        raise RuleSqlUnsupported.at(path, "only scalar literals compile to SQL here")

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
                    (v.alen == 0, 0.0), (v.alen == 1, self.str_to_number(v.prim)), else_=null()
                ),
            ),
            else_=null(),
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

    def _same_type_equal(self, a: V, b: V) -> E:
        same_object = sa.true() if a.ident is not None and a.ident == b.ident else sa.false()
        return sa.case(
            (a.jt == "null", sa.true()),
            (a.jt == "boolean", a.flag == b.flag),
            (a.jt == "number", a.num == b.num),
            (a.jt == "string", self.text_eq(a.txt, b.txt)),
            else_=same_object,
        )

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
                    self.text_eq(a.txt, self.prim_string(b)),
                ),
                (
                    sa.and_(b.jt == "string", a.jt.in_(objects)),
                    self.text_eq(self.prim_string(a), b.txt),
                ),
                else_=self.to_number(a) == self.to_number(b),
            ),
            sa.false(),
        )

    def ordered(self, a: V, b: V, strict_lt: bool) -> E:
        stringy = ("string", "array", "object")
        sa_, sb = self.text_order(self.prim_string(a)), self.prim_string(b)
        text_cmp = sa_ < sb if strict_lt else sa_ <= sb
        na, nb = self.to_number(a), self.to_number(b)
        num_cmp = na < nb if strict_lt else na <= nb
        if a.static == "number" or b.static == "number":
            return sa.func.coalesce(num_cmp, sa.false())
        return sa.func.coalesce(
            sa.case((sa.and_(a.jt.in_(stringy), b.jt.in_(stringy)), text_cmp), else_=num_cmp),
            sa.false(),
        )
