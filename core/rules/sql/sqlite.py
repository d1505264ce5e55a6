"""Rules as SQL on SQLite (JSON1): paths quoted into JSON path strings, and the JavaScript
conversions SQLite cannot express (no regular expressions) as Python functions that
`register_sqlite_functions` installs on each connection."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ..errors import Path, RuleSqlUnsupported
from ..js import parse_float, strict_equals, string_to_number, to_string
from ..operators import js_divide, js_remainder
from .values import Dialect, E, V, lit


class SQLite(Dialect):
    def check_segment(self, segment: str, path: Path) -> None:
        if '"' in segment or "\\" in segment:
            raise RuleSqlUnsupported.at(
                path, f"path segment {segment!r} cannot be quoted for SQLite"
            )

    def _var(self, parts: list[str], ident: tuple[str, ...]) -> V:
        path: E = lit("$")
        for p in parts:
            if p.isdigit():
                step = sa.case(
                    (sa.func.json_type(self.col, path) == "array", f"[{p}]"), else_=f'."{p}"'
                )
                path = path + step
            else:
                path = path + lit(f'."{p}"')
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

    def str_to_number(self, text: E) -> E:
        return sa.func.erp_js_number(text)

    def parse_float(self, v: V) -> E:
        """parseFloat(String(v)) as `+` and `*` use it."""
        if v.static == "number":
            return v.num
        text = sa.case(
            (v.jt == "string", v.txt),
            (v.jt == "array", v.prim),
            (v.jt == "boolean", sa.case((v.flag, "true"), else_="false")),
            (v.jt == "object", "[object Object]"),
            else_="null",
        )
        return sa.case((v.jt == "number", v.num), else_=sa.func.erp_js_parse_float(text))

    def divide(self, x: E, y: E) -> E:
        return sa.func.erp_js_divide(x, y)

    def remainder(self, x: E, divisor: Any, y: Callable[[], E], path: Path) -> E:
        return sa.func.erp_js_remainder(x, y())

    def absent(self, parts: list[str]) -> E:
        v = self.var(parts, ())
        # json_type() is NULL only for an absent path; jt maps it to 'null' too, so ask again
        return sa.and_(v.jt == "null", sa.not_(self._stored_null(parts)))

    def _stored_null(self, parts: list[str]) -> E:
        path: E = lit("$")
        for p in parts:
            if p.isdigit():
                path = path + sa.case(
                    (sa.func.json_type(self.col, path) == "array", f"[{p}]"), else_=f'."{p}"'
                )
            else:
                path = path + lit(f'."{p}"')
        return sa.func.coalesce(sa.func.json_type(self.col, path) == "null", sa.false())

    def find(self, haystack: E, needle: str) -> E:
        return sa.func.instr(haystack, needle)

    def array_has(self, key: Any, needle: Any, hay: V) -> E:
        # json_extract gives an array back as its JSON text
        return sa.func.erp_js_array_has(hay.txt, json.dumps(needle)) == 1


# --- the functions SQLite calls ------------------------------------------------------------


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
