"""Source templates of the built-in operators for codegen: each returns the Expr of its value.

A template mentions an operand twice only after `bind` gave it a name; the plain Python
operator runs when a type test proves it means the same as JavaScript's, the coercing
helper otherwise. Operators without a template here run through their closures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import limits, runtime
from .codegen import EMITTERS, PY_TRUTHY, RELATIONAL, Emitter, Expr, Generator, Scope, var_key
from .errors import Path
from .js import js_number, loose_equals, strict_equals, truthy
from .operators import js_in


def emitter(*names: str) -> Callable[[Any], Any]:
    def register(fn: Any) -> Any:
        for name in names:
            EMITTERS[name] = fn
        return fn

    return register


def _depth(*parts: Expr) -> int:
    return 1 + max((p.depth for p in parts), default=0)


def _num_test(g: Generator, *names: Expr) -> str:
    """Code that is true when every (bound) operand is an int or float."""
    number = g.const(runtime.NUMBER)
    tests = [f"type({e.code}) in {number}" for e in names if e.kind != "num"]
    return " and ".join(tests) or "True"


@emitter("var")
def _var(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    literal_key, parts = var_key(args)
    if literal_key and parts is None:
        return Expr(g.scope_data(scope), simple=scope.reduce is None)
    if literal_key and parts in scope.reads:
        name, sentinel = scope.reads[parts]
        if not sentinel:
            return Expr(name, simple=True)
        default = g.literal(None) if len(args) < 2 else g.expr(args[1], paths[1], scope)
        default = g.bind(default)
        missing = g.const(runtime.MISSING)
        return Expr(f"({default.code} if {name} is {missing} else {name})", depth=1)
    values = g.args(args, paths, scope)
    return g.call(runtime.dynamic_var, [Expr(g.scope_data(scope)), *values])


# --- logic ----------------------------------------------------------------------------------


def _branch(g: Generator, cond: str, then: Callable[[], Expr], other: Callable[[], Expr]) -> Expr:
    then_lines, t = g.block(then)
    else_lines, e = g.block(other)
    kind = t.kind if t.kind == e.kind else "any"
    if not then_lines and not else_lines:
        return Expr(f"({t.code} if {cond} else {e.code})", kind, depth=_depth(t, e) + 1)
    result = g.temp()
    g.emit(f"if {cond}:")
    g.nest([*then_lines, f"{result} = {t.code}"])
    g.emit("else:")
    g.nest([*else_lines, f"{result} = {e.code}"])
    return Expr(result, kind, simple=True)


@emitter("if", "?:")
def _if(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    def chain(i: int) -> Expr:
        if i + 1 >= len(args):
            return g.expr(args[i], paths[i], scope) if i < len(args) else g.literal(None)
        cond = g.expr(args[i], paths[i], scope)
        return _branch(
            g,
            g.test(cond),
            lambda: g.expr(args[i + 1], paths[i + 1], scope),
            lambda: chain(i + 2),
        )

    return chain(0)


def _python_truthy(e: Expr) -> bool:
    return e.kind in PY_TRUTHY or (e.const and truthy(e.value) == bool(e.value))


def _logic(g: Generator, args: list[Any], paths: list[Path], scope: Scope, word: str) -> Expr:
    if not args:
        return g.literal(None)
    parts = [g.expr(args[0], paths[0], scope)]
    for arg, p in zip(args[1:], paths[1:], strict=True):
        lines, nxt = g.block(lambda arg=arg, p=p: g.expr(arg, p, scope))  # type: ignore[misc]
        if not lines and all(_python_truthy(e) for e in parts):
            parts.append(nxt)
            continue
        result = g.temp()
        g.emit(f"{result} = {_join(parts, word).code}")
        test = g.test(Expr(result, _join(parts, word).kind, simple=True))
        g.emit(f"if {test}:" if word == "and" else f"if not {test}:")
        g.nest([*lines, f"{result} = {nxt.code}"])
        kinds = {e.kind for e in parts} | {nxt.kind}
        parts = [Expr(result, kinds.pop() if len(kinds) == 1 else "any", simple=True)]
    return _join(parts, word)


def _join(parts: list[Expr], word: str) -> Expr:
    if len(parts) == 1:
        return parts[0]
    kinds = {e.kind for e in parts}
    code = "(" + f" {word} ".join(e.code for e in parts) + ")"
    return Expr(code, kinds.pop() if len(kinds) == 1 else "any", depth=_depth(*parts))


@emitter("and")
def _and(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    return _logic(g, args, paths, scope, "and")


@emitter("or")
def _or(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    return _logic(g, args, paths, scope, "or")


@emitter("!")
def _not(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    (a,) = g.args(args, paths, scope)
    return Expr(f"(not {g.test(a)})", "bool", depth=_depth(a))


@emitter("!!")
def _not_not(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    (a,) = g.args(args, paths, scope)
    return Expr(g.as_bool(a), "bool", depth=_depth(a))


# --- comparison -----------------------------------------------------------------------------


def _equals(g: Generator, a: Expr, b: Expr, strict: bool) -> str:
    if a.const and not b.const:
        a, b = b, a  # a literal has no effects, so the order of evaluation is kept
    generic = g.const(strict_equals if strict else loose_equals)
    if not b.const or type(b.value) not in (str, int, float, bool, type(None)):
        return f"{generic}({a.code}, {b.code})"
    if b.value is None:
        return f"({a.code} is None)"  # null equals only null (and undefined), both ways
    k = b.code
    if type(b.value) is bool:
        if strict or a.kind == "bool":
            return f"({a.code} is {k})"
        x = g.bind(a)
        return f"({x.code} is {k} if type({x.code}) is bool else {generic}({x.code}, {k}))"
    if type(b.value) is str:
        if strict or a.kind == "str":
            return f"({a.code} == {k})"
        x = g.bind(a)
        return f"({x.code} == {k} if type({x.code}) is str else {generic}({x.code}, {k}))"
    if a.kind == "num":
        return f"({a.code} == {k})"
    x = g.bind(a)
    if strict:  # True == 1 in Python, not in JavaScript
        return f"({x.code} == {k} and type({x.code}) is not bool)"
    return f"({x.code} == {k} if {_num_test(g, x)} else {generic}({x.code}, {k}))"


def _equality(g: Generator, args: list[Any], paths: list[Path], scope: Scope, op: str) -> Expr:
    a, b = g.args(args, paths, scope)
    code = _equals(g, a, b, strict=op in ("===", "!=="))
    if op in ("!=", "!=="):
        code = f"(not {code})"
    return Expr(code, "bool", depth=_depth(a, b) + 1)


def _equality_emitter(op: str) -> Emitter:
    def emit(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
        return _equality(g, args, paths, scope, op)

    return emit


for _op in ("==", "===", "!=", "!=="):
    EMITTERS[_op] = _equality_emitter(_op)


def _relational(g: Generator, args: list[Any], paths: list[Path], scope: Scope, op: str) -> Expr:
    values = g.args(args, paths, scope)
    if len(values) == 3:
        strict = Expr("True" if op == "<" else "False")
        return g.call(runtime.between, [*values, strict], "bool")
    a, b = values
    py, helper = RELATIONAL[op]
    slow = g.const(helper)
    if a.kind == "num" and b.kind == "num":
        return Expr(f"({a.code} {py} {b.code})", "bool", depth=_depth(a, b))
    if not (a.kind == "num" or b.kind == "num"):
        return g.call(helper, [a, b], "bool")
    x, y = g.bind(a), g.bind(b)
    code = f"({x.code} {py} {y.code} if {_num_test(g, x, y)} else {slow}({x.code}, {y.code}))"
    return Expr(code, "bool", depth=1)


def _relational_emitter(op: str) -> Emitter:
    def emit(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
        return _relational(g, args, paths, scope, op)

    return emit


for _op in RELATIONAL:
    EMITTERS[_op] = _relational_emitter(_op)


@emitter("in")
def _in(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    needle, haystack = g.args(args, paths, scope)
    items = haystack.value if haystack.const else None
    if type(items) is list and items:
        if all(type(i) is str for i in items):
            x = g.bind(needle)
            code = f"(type({x.code}) is str and {x.code} in {g.const(frozenset(items))})"
            return Expr(code, "bool", depth=1)
        if all(type(i) in (int, float) for i in items):
            x = g.bind(needle)
            numbers = g.const(frozenset(items))
            return Expr(f"({_num_test(g, x)} and {x.code} in {numbers})", "bool", depth=1)
    if haystack.const and type(items) is list:
        haystack = Expr(g.const(items), "list", simple=True)  # read-only: no copy needed
    return g.call(js_in, [needle, haystack], "bool")


# --- arithmetic -----------------------------------------------------------------------------


def _binary(g: Generator, a: Expr, b: Expr, py: str, slow: Callable[..., Any]) -> Expr:
    norm = g.const(js_number)
    if a.kind == "num" and b.kind == "num":
        return Expr(f"{norm}({a.code} {py} {b.code})", "num", depth=_depth(a, b) + 1)
    x, y = g.bind(a), g.bind(b)
    fast = f"{norm}({x.code} {py} {y.code})"
    code = f"({fast} if {_num_test(g, x, y)} else {g.const(slow)}({x.code}, {y.code}))"
    return Expr(code, "num", depth=2)


@emitter("+")
def _plus(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    values = g.args(args, paths, scope)
    if len(values) == 2:
        return _binary(g, values[0], values[1], "+", runtime.plus2)
    return g.call(runtime.plus, values, "num")


@emitter("-")
def _minus(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    values = g.args(args, paths, scope)
    if len(values) == 1:
        return g.call(runtime.negate, values, "num")
    return _binary(g, values[0], values[1], "-", runtime.minus)


@emitter("*")
def _times(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    values = g.args(args, paths, scope)
    if len(values) == 1:
        return values[0]  # as the reference: one operand comes back untouched
    if len(values) == 2:
        return _binary(g, values[0], values[1], "*", runtime.times)
    return g.call(runtime.times, values, "num")


def _helper(fn: Callable[..., Any], kind: str, with_path: bool = False) -> Any:
    def emit(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
        values = g.args(args, paths, scope)
        head = [Expr(g.const(path)), Expr(repr(scope.in_loop))] if with_path else []
        return g.call(fn, [*head, *values], kind)

    return emit


EMITTERS["/"] = _helper(runtime.divide, "num")
EMITTERS["%"] = _helper(runtime.remainder, "num")
EMITTERS["max"] = _helper(runtime.maximum, "num")
EMITTERS["min"] = _helper(runtime.minimum, "num")
EMITTERS["substr"] = _helper(runtime.substr, "str")
EMITTERS["cat"] = _helper(runtime.cat, "str", with_path=True)
EMITTERS["merge"] = _helper(runtime.merge, "list", with_path=True)


@emitter("log")
def _log(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
    values = g.args(args, paths, scope)
    return g.call(runtime.log_value, [Expr(g.const(path)), *values])


# --- array operators ------------------------------------------------------------------------


def _loop(
    g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope, op: str
) -> Expr:
    source = g.bind(g.expr(args[0], paths[0], scope))
    acc = ""
    if op == "reduce":
        initial = g.expr(args[2], paths[2], scope) if len(args) > 2 else g.literal(None)
        acc = g.temp()
        g.emit(f"{acc} = {initial.code}")
    g.uses_budget = True
    item = g.temp()
    inner = Scope(item, in_loop=True, reduce=(item, acc) if op == "reduce" else None)

    def body() -> Expr:
        g.hoist(args[1], inner)
        return g.expr(args[1], paths[1], inner)

    lines, value = g.block(body)
    s = source.code
    result = acc or g.temp()
    start = {"map": "[]", "filter": "[]", "all": "False", "some": "False", "none": "True"}
    if op != "reduce":
        g.emit(f"{result} = {start[op]}")
    g.emit(f"if type({s}) is list:" if source.kind != "list" else "if True:")
    g.emit(f"    {g.const(limits.charge)}(len({s}), {g.const(path)})")
    if op == "all":
        g.emit(f"    {result} = len({s}) > 0")
    g.emit(f"    for {item} in {s}:")
    test = g.test(value)
    tail = {
        "map": [f"{result}.append({value.code})"],
        "filter": [f"if {test}:", f"    {result}.append({item})"],
        "reduce": [f"{acc} = {value.code}"],
        "all": [f"if not {test}:", f"    {result} = False", "    break"],
        "some": [f"if {test}:", f"    {result} = True", "    break"],
        "none": [f"if {test}:", f"    {result} = False", "    break"],
    }[op]
    g.lines.extend("        " + line for line in [*lines, *tail])
    kind = {"map": "list", "filter": "list", "reduce": "any"}.get(op, "bool")
    return Expr(result, kind, simple=True)


def _loop_emitter(op: str) -> Emitter:
    def emit(g: Generator, args: list[Any], paths: list[Path], path: Path, scope: Scope) -> Expr:
        return _loop(g, args, paths, path, scope, op)

    return emit


for _op in ("map", "filter", "reduce", "all", "some", "none"):
    EMITTERS[_op] = _loop_emitter(_op)
