"""Value-level helpers that generated rule functions call for the uncommon (slow) paths.

Each mirrors the closure built by the operator of the same name in operators.py, taking the
evaluated operands instead of closures, so both compilers give the same results.
"""

from __future__ import annotations

import logging
from typing import Any

from . import limits
from .data_access import lookup, split_path
from .errors import Path, RuleEvaluationError, RuleLimitExceeded
from .js import (
    INF,
    NAN,
    join_string,
    js_number,
    less_or_equal,
    less_than,
    parse_float,
    to_number,
    to_string,
)
from .operators import js_divide, js_remainder, js_substr
from .registry import CustomOperator

log = logging.getLogger("core.rules")
NUMBER = frozenset((int, float))
MISSING = object()


def lt(a: Any, b: Any) -> bool:
    if type(a) in NUMBER and type(b) in NUMBER:
        return bool(a < b)
    return less_than(a, b)


def le(a: Any, b: Any) -> bool:
    if type(a) in NUMBER and type(b) in NUMBER:
        return bool(a <= b)
    return less_or_equal(a, b)


def gt(a: Any, b: Any) -> bool:
    return lt(b, a)


def ge(a: Any, b: Any) -> bool:
    return le(b, a)


def between(a: Any, b: Any, c: Any, strict: bool) -> bool:
    cmp = lt if strict else le
    return cmp(a, b) and cmp(b, c)


def plus(*values: Any) -> int | float:
    total: int | float = 0
    for v in values:
        total += parse_float(v)
    return js_number(total)


def plus2(x: Any, y: Any) -> int | float:
    if type(x) in NUMBER and type(y) in NUMBER:
        return js_number(x + y)
    return js_number(parse_float(x) + parse_float(y))


def times(*values: Any) -> int | float:
    product = parse_float(values[0])
    for v in values[1:]:
        product = js_number(product * parse_float(v))
    return js_number(product)


def minus(x: Any, y: Any) -> int | float:
    if type(x) in NUMBER and type(y) in NUMBER:
        return js_number(x - y)
    return js_number(to_number(x) - to_number(y))


def negate(x: Any) -> int | float:
    return js_number(-to_number(x))


def divide(x: Any, y: Any) -> int | float:
    return js_divide(to_number(x), to_number(y))


def remainder(x: Any, y: Any) -> int | float:
    return js_remainder(to_number(x), to_number(y))


def maximum(*values: Any) -> int | float:
    numbers = [to_number(v) for v in values]
    if not numbers:
        return -INF
    return NAN if any(n != n for n in numbers) else max(numbers)


def minimum(*values: Any) -> int | float:
    numbers = [to_number(v) for v in values]
    if not numbers:
        return INF
    return NAN if any(n != n for n in numbers) else min(numbers)


def cat(path: Path, in_loop: bool, *values: Any) -> str:
    out = limits.check_string("".join([join_string(v) for v in values]), path)
    if in_loop:
        limits.charge(len(out) // 64, path)
    return out


def substr(text: Any, start: Any, *rest: Any) -> str:
    s = to_string(text)
    if not rest:
        return js_substr(s, start)
    end = rest[0]
    if less_than(end, 0):
        tail = js_substr(s, start)
        return js_substr(tail, 0, len(tail) + to_number(end), True)
    return js_substr(s, start, end, True)


def merge(path: Path, in_loop: bool, *values: Any) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if type(v) is list:
            out.extend(v)
        else:
            out.append(v)
    limits.check_list(out, path)
    if in_loop:
        limits.charge(len(out), path)
    return out


def log_value(path: Path, value: Any) -> Any:
    log.info("rule log at %s: %r", list(path), value)
    return value


def call_custom(op: CustomOperator, path: Path, *values: Any) -> Any:
    try:
        return op.fn(*values)
    except RuleLimitExceeded:
        raise
    except Exception as exc:
        raise RuleEvaluationError.at(
            path, f"operator {op.name!r} failed: {exc}", "rule.operator_failed"
        ) from exc


def dynamic_var(data: Any, key: Any, default: Any = None) -> Any:
    """`var` whose key is computed while the rule runs."""
    return lookup(data, split_path(key), default)


def list_step(value: Any, index: int, absent: Any) -> Any:
    """One `var` step by array index (dicts are read by the key's text)."""
    if type(value) is list:
        return value[index] if index < len(value) else absent
    if type(value) is dict:
        return value.get(str(index), absent)
    return absent
