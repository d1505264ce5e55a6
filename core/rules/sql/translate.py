"""JSONLogic rules translated to a SQL condition: the operators' structure (and/or/if,
comparisons, arithmetic, `in`, `missing`) over the dialect's values."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from ..compile import compile_rule
from ..data_access import split_path
from ..errors import Path, RuleSqlUnsupported
from ..js import to_string
from .postgresql import PostgreSQL
from .sqlite import SQLite
from .values import Dialect, E, V, lit

DIALECTS: dict[str, type[Dialect]] = {"postgresql": PostgreSQL, "sqlite": SQLite}


def _bool(expr: E) -> V:
    return V(lit("boolean"), flag=expr, static="boolean")


def _number(expr: E) -> V:
    return V(lit("number"), num=expr, static="number")


class _Translator:
    def __init__(self, sql: Dialect) -> None:
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
            total_absent = sum(absent[1:], absent[0]) if absent else lit(0)
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
        return self.sql.absent(parts)

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
        substring = sa.and_(hay.txt != "", sql.find(hay.txt, to_string(needle)) > 0)
        member = sql.array_has(key, needle, hay)
        return sa.func.coalesce(
            sa.case((hay.jt == "string", substring), (hay.jt == "array", member), else_=sa.false()),
            sa.false(),
        )

    def _remainder(self, args: list[Any], paths: list[Path], path: Path) -> V:
        x = self.sql.to_number(self.value(args[0], paths[0]))

        def y() -> E:
            return self.sql.to_number(self.value(args[1], paths[1]))

        return _number(self.sql.remainder(x, args[1], y, path))

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
            return _number(sa.cast(lit(0.0), sa.Float))
        terms = [sql.parse_float(v) for v in vals]
        total = terms[0]
        for t in terms[1:]:
            total = sql.no_nan(total + t if op == "+" else total * t)
        return _number(total)


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
    dialect = DIALECTS.get(dialect_name)
    if dialect is None:
        raise RuleSqlUnsupported.at((), f"no SQL for dialect {dialect_name!r}", "rule.sql_dialect")
    sql = dialect(column)
    return sql.where(_Translator(sql).truthy(rule, ()))
