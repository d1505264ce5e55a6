"""Built-in JSONLogic operators: logic, comparison, arithmetic, strings and merging.

Each builder gets the raw arguments and their paths and returns one closure; literals are
folded into specialised closures so the common shapes run without generic coercion calls.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from . import limits
from .compile import BUILTINS, Builtin, Compiler, Fn, Node
from .errors import Path
from .js import (
    INF,
    NAN,
    join_string,
    js_number,
    less_or_equal,
    less_than,
    loose_equals,
    parse_float,
    strict_equals,
    to_number,
    to_string,
    truthy,
)

log = logging.getLogger("core.rules")
Builder = Callable[[Compiler, list[Any], list[Path], Path], Fn]


def builtin(
    *names: str, min_args: int = 0, max_args: int | None = None
) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        for name in names:
            BUILTINS[name] = Builtin(min_args, max_args, build)
        return build

    return register


def _nodes(c: Compiler, args: list[Any], paths: list[Path]) -> list[Node]:
    return c.args(args, paths)


# --- logic -------------------------------------------------------------------------------


@builtin("if", "?:")
def _if(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    if not fns:
        return lambda data: None
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 3:
        test, yes, no = fns
        return lambda data: yes(data) if truthy(test(data)) else no(data)
    pairs = [(fns[i], fns[i + 1]) for i in range(0, len(fns) - 1, 2)]
    otherwise = fns[-1] if len(fns) % 2 else None

    def chain(data: Any) -> Any:
        for test, then in pairs:
            if truthy(test(data)):
                return then(data)
        return otherwise(data) if otherwise is not None else None

    return chain


@builtin("and")
def _and(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    if len(fns) == 2:
        a, b = fns

        def and2(data: Any) -> Any:
            v = a(data)
            return b(data) if truthy(v) else v

        return and2

    def and_n(data: Any) -> Any:
        v = None
        for f in fns:
            v = f(data)
            if not truthy(v):
                return v
        return v

    return and_n


@builtin("or")
def _or(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    if len(fns) == 2:
        a, b = fns

        def or2(data: Any) -> Any:
            v = a(data)
            return v if truthy(v) else b(data)

        return or2

    def or_n(data: Any) -> Any:
        v = None
        for f in fns:
            v = f(data)
            if truthy(v):
                return v
        return v

    return or_n


@builtin("!", min_args=1, max_args=1)
def _not(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    (a,) = (n.fn for n in _nodes(c, args, paths))
    return lambda data: not truthy(a(data))


@builtin("!!", min_args=1, max_args=1)
def _not_not(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    (a,) = (n.fn for n in _nodes(c, args, paths))
    return lambda data: truthy(a(data))


# --- equality ----------------------------------------------------------------------------

_PLAIN = (str, int, float, bool)


def _equality(c: Compiler, args: list[Any], paths: list[Path], strict: bool) -> Fn:
    left, right = _nodes(c, args, paths)
    if c.fast and left.const and not right.const:
        left, right = right, left  # equality is symmetric; put the literal on the right
    a = left.fn
    generic = strict_equals if strict else loose_equals
    if c.fast and right.const and type(right.value) in _PLAIN:
        value, kind = right.value, type(right.value)

        def eq_const(data: Any) -> bool:
            v = a(data)
            if type(v) is kind:
                return bool(v == value)
            return generic(v, value)

        return eq_const
    if c.fast and right.const and right.value is None:
        # null only equals null (undefined is null here), loosely or strictly
        return lambda data: a(data) is None
    b = right.fn
    return lambda data: generic(a(data), b(data))


@builtin("==", min_args=2, max_args=2)
def _eq(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _equality(c, args, paths, strict=False)


@builtin("===", min_args=2, max_args=2)
def _seq(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _equality(c, args, paths, strict=True)


@builtin("!=", min_args=2, max_args=2)
def _ne(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    eq = _equality(c, args, paths, strict=False)
    return lambda data: not eq(data)


@builtin("!==", min_args=2, max_args=2)
def _sne(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    eq = _equality(c, args, paths, strict=True)
    return lambda data: not eq(data)


# --- ordering ----------------------------------------------------------------------------

Compare = Callable[[Any, Any], bool]


def _lt(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a < b)
    return less_than(a, b)


def _le(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a <= b)
    return less_or_equal(a, b)


def _number_const(node: Node) -> bool:
    return node.const and type(node.value) in (int, float)


def _ordered(c: Compiler, left: Node, right: Node, cmp: Compare, strict_lt: bool) -> Fn:
    """left cmp right, with a fast path when one side is a number literal."""
    a, b = left.fn, right.fn
    if c.fast and _number_const(right):
        k = right.value
        if strict_lt:

            def lt_k(data: Any) -> bool:
                v = a(data)
                t = type(v)
                return bool(v < k) if t is int or t is float else less_than(v, k)

            return lt_k

        def le_k(data: Any) -> bool:
            v = a(data)
            t = type(v)
            return bool(v <= k) if t is int or t is float else less_or_equal(v, k)

        return le_k
    if c.fast and _number_const(left):
        k = left.value
        if strict_lt:

            def k_lt(data: Any) -> bool:
                v = b(data)
                t = type(v)
                return bool(k < v) if t is int or t is float else less_than(k, v)

            return k_lt

        def k_le(data: Any) -> bool:
            v = b(data)
            t = type(v)
            return bool(k <= v) if t is int or t is float else less_or_equal(k, v)

        return k_le
    return lambda data: cmp(a(data), b(data))


def _relational(c: Compiler, args: list[Any], paths: list[Path], strict_lt: bool, flip: bool) -> Fn:
    nodes = _nodes(c, args, paths)
    cmp = _lt if strict_lt else _le
    if len(nodes) == 3:
        # between: evaluate all three (as the reference does), then a < b < c
        fa, fb, fc = (n.fn for n in nodes)

        def between(data: Any) -> bool:
            x, y, z = fa(data), fb(data), fc(data)
            return cmp(x, y) and cmp(y, z)

        return between
    left, right = nodes
    if c.fast:
        # a > b is b < a
        return (
            _ordered(c, right, left, cmp, strict_lt)
            if flip
            else _ordered(c, left, right, cmp, strict_lt)
        )
    fa, fb = left.fn, right.fn
    if flip:
        return lambda data: cmp(*reversed((fa(data), fb(data))))
    return lambda data: cmp(fa(data), fb(data))


@builtin("<", min_args=2, max_args=3)
def _less(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _relational(c, args, paths, strict_lt=True, flip=False)


@builtin("<=", min_args=2, max_args=3)
def _less_eq(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _relational(c, args, paths, strict_lt=False, flip=False)


@builtin(">", min_args=2, max_args=2)
def _greater(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _relational(c, args, paths, strict_lt=True, flip=True)


@builtin(">=", min_args=2, max_args=2)
def _greater_eq(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _relational(c, args, paths, strict_lt=False, flip=True)


# --- arithmetic --------------------------------------------------------------------------


def js_divide(x: int | float, y: int | float) -> int | float:
    # The sign of a zero divisor is ignored (JavaScript: 1 / -0 is -Infinity): Python ints have
    # no -0, so integer arithmetic could not keep it, and SQL must give the same answer.
    if y == 0:
        if x != x or x == 0:
            return NAN
        return INF if x > 0 else -INF
    return js_number(x / y)


def js_remainder(x: int | float, y: int | float) -> int | float:
    if y == 0 or x != x or y != y or x in (INF, -INF):
        return NAN
    if y in (INF, -INF):
        return x
    if type(x) is int and type(y) is int:
        r = abs(x) % abs(y)
        return js_number(-r if x < 0 else r)
    return js_number(math.fmod(x, y))


@builtin("+")
def _plus(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    # The reference adds with parseFloat, so "3 apples" counts as 3 and true as NaN.
    fns = [n.fn for n in _nodes(c, args, paths)]
    if len(fns) == 2:
        a, b = fns

        def plus2(data: Any) -> Any:
            x, y = a(data), b(data)
            tx, ty = type(x), type(y)
            if (tx is int or tx is float) and (ty is int or ty is float):
                return js_number(x + y)
            return js_number(parse_float(x) + parse_float(y))

        return plus2

    def plus(data: Any) -> Any:
        total: int | float = 0
        for f in fns:
            total += parse_float(f(data))
        return js_number(total)

    return plus


@builtin("*", min_args=1)
def _times(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    if len(fns) == 1:
        return fns[0]  # a reduce over one item returns it untouched

    def times(data: Any) -> Any:
        it = iter(fns)
        product = parse_float(next(it)(data))
        for f in it:
            product = js_number(product * parse_float(f(data)))
        return js_number(product)

    return times


@builtin("-", min_args=1, max_args=2)
def _minus(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    if len(fns) == 1:
        (a,) = fns
        return lambda data: js_number(-to_number(a(data)))
    a, b = fns

    def minus(data: Any) -> Any:
        x, y = a(data), b(data)
        tx, ty = type(x), type(y)
        if (tx is int or tx is float) and (ty is int or ty is float):
            return js_number(x - y)
        return js_number(to_number(x) - to_number(y))

    return minus


@builtin("/", min_args=2, max_args=2)
def _divide(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    a, b = (n.fn for n in _nodes(c, args, paths))
    return lambda data: js_divide(to_number(a(data)), to_number(b(data)))


@builtin("%", min_args=2, max_args=2)
def _remainder(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    a, b = (n.fn for n in _nodes(c, args, paths))
    return lambda data: js_remainder(to_number(a(data)), to_number(b(data)))


def _extreme(fns: list[Fn], pick: Callable[..., Any], empty: float) -> Fn:
    def extreme(data: Any) -> Any:
        values = [to_number(f(data)) for f in fns]
        if not values:
            return empty
        if any(v != v for v in values):
            return NAN
        return pick(values)

    return extreme


@builtin("max")
def _max(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _extreme([n.fn for n in _nodes(c, args, paths)], max, -INF)


@builtin("min")
def _min(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    return _extreme([n.fn for n in _nodes(c, args, paths)], min, INF)


# --- strings, membership, merging --------------------------------------------------------


def js_in(needle: Any, haystack: Any) -> bool:
    t = type(haystack)
    if t is str:
        return haystack != "" and to_string(needle) in haystack
    if t is list:
        return any(strict_equals(needle, item) for item in haystack)
    return False


@builtin("in", min_args=2, max_args=2)
def _in(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    needle, haystack = _nodes(c, args, paths)
    a = needle.fn
    if c.fast and haystack.const and type(haystack.value) is list:
        items = haystack.value
        if items and all(type(i) is str for i in items):
            strings = frozenset(items)
            return lambda data: (type(v := a(data)) is str) and v in strings
        if items and all(type(i) in (int, float) for i in items):
            numbers = frozenset(items)

            def in_numbers(data: Any) -> bool:
                v = a(data)
                t = type(v)
                return (t is int or t is float) and v in numbers

            return in_numbers
    b = haystack.fn
    return lambda data: js_in(a(data), b(data))


@builtin("cat")
def _cat(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    in_loop = c.scope_depth > 0

    def cat(data: Any) -> str:
        out = limits.check_string("".join([join_string(f(data)) for f in fns]), path)
        if in_loop:
            limits.charge(len(out) // 64, path)
        return out

    return cat


def _integer(value: Any) -> float:
    """ECMAScript ToIntegerOrInfinity."""
    n = to_number(value)
    if n != n:
        return 0
    if n in (INF, -INF):
        return n
    return math.trunc(n)


def js_substr(text: str, start: Any, length: Any = None, has_length: bool = False) -> str:
    size = len(text)
    s = _integer(start)
    s = 0 if s == -INF else (max(size + s, 0) if s < 0 else min(s, size))
    if not has_length:
        return text[int(s) :]
    n = min(max(_integer(length), 0), size - s)
    return text[int(s) : int(s + n)]


@builtin("substr", min_args=2, max_args=3)
def _substr(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    if len(fns) == 2:
        a, b = fns
        return lambda data: js_substr(to_string(a(data)), b(data))
    a, b, e = fns

    def substr(data: Any) -> str:
        text, start, end = to_string(a(data)), b(data), e(data)
        if less_than(end, 0):
            rest = js_substr(text, start)
            return js_substr(rest, 0, len(rest) + to_number(end), True)
        return js_substr(text, start, end, True)

    return substr


@builtin("merge")
def _merge(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    fns = [n.fn for n in _nodes(c, args, paths)]
    in_loop = c.scope_depth > 0

    def merge(data: Any) -> list[Any]:
        out: list[Any] = []
        for f in fns:
            v = f(data)
            if type(v) is list:
                out.extend(v)
            else:
                out.append(v)
        limits.check_list(out, path)
        if in_loop:
            limits.charge(len(out), path)
        return out

    return merge


@builtin("log", min_args=1, max_args=1)
def _log(c: Compiler, args: list[Any], paths: list[Path], path: Path) -> Fn:
    (a,) = (n.fn for n in _nodes(c, args, paths))

    def log_value(data: Any) -> Any:
        v = a(data)
        log.info("rule log at %s: %r", list(path), v)
        return v

    return log_value
