"""Compile a validated JSONLogic rule into the source of one Python function, the hot path.

Every `var` path with a literal key is read once per scope into a local; comparisons against
literals are inlined with a type test guarding the plain Python operator, and the coercing
helpers of runtime.py run only when that test fails; array operators become `for` loops.
Literals and keys reach the code only through a constants tuple (`_k0`, `_k1`, ...): no text
from a rule is ever placed in the source. `generate` returns None when Python refuses the
source (nesting beyond its parser's limits), and the caller keeps the closures then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import limits, runtime
from .compile import BUILTINS, Compiler, Fn
from .data_access import split_path
from .errors import Path
from .js import truthy
from .registry import CustomOperator

SCOPED = frozenset(("map", "filter", "reduce", "all", "some", "none"))
# Evaluated by their closures (they read the data through their own key lists).
CLOSURE_OPS = frozenset(("missing", "missing_some"))
NOT_FOLDABLE = SCOPED | CLOSURE_OPS | {"var", "log"}
# Kinds whose Python truthiness is JSONLogic's (floats may be NaN and {} is truthy in JS).
PY_TRUTHY = frozenset(("bool", "str", "list", "null"))
RELATIONAL = {"<": ("<", runtime.lt), "<=": ("<=", runtime.le), ">": (">", runtime.gt)}
RELATIONAL[">="] = (">=", runtime.ge)
MAX_EXPR_DEPTH = 24  # deeper expressions go through a local so Python's parser copes

Emitter = Callable[["Generator", list[Any], list[Path], Path, "Scope"], "Expr"]
EMITTERS: dict[str, Emitter] = {}


@dataclass(frozen=True)
class Expr:
    """Python source of a value; `simple` code (a name) may be repeated without re-running."""

    code: str
    kind: str = "any"  # bool | num | str | list | dict | null | any
    simple: bool = False
    const: bool = False
    value: Any = None
    depth: int = 0


@dataclass
class Scope:
    """The data a sub-rule reads: the rule's input, an array item, or reduce's pair."""

    data: str
    in_loop: bool = False
    reduce: tuple[str, str] | None = None  # (current, accumulator) locals
    reads: dict[tuple[str, ...], tuple[str, bool]] = field(default_factory=dict)


def _literal(rule: Any) -> tuple[bool, Any]:
    t = type(rule)
    if t is dict:
        return (True, {}) if not rule else (False, None)
    if t is list:
        values = []
        for item in rule:
            ok, v = _literal(item)
            if not ok:
                return False, None
            values.append(v)
        return True, values
    return True, rule


def _operation(rule: dict[str, Any], path: Path) -> tuple[str, list[Any], list[Path]]:
    op, raw = next(iter(rule.items()))
    if type(raw) is list:
        return op, raw, [(*path, op, i) for i in range(len(raw))]
    return op, [raw], [(*path, op)]


def _kind_of(value: Any) -> str:
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        return "bool"
    if t is int or t is float:
        return "num"
    if t is str or t is list or t is dict:
        return t.__name__
    return "any"


def _union(*kinds: str) -> str:
    return kinds[0] if len(set(kinds)) == 1 else "any"


class Generator:
    """One rule's function: source lines, the constants tuple and the loop budget flag."""

    def __init__(self, custom: Mapping[str, CustomOperator]) -> None:
        self.custom = custom
        self.consts: list[Any] = []
        self.const_names: dict[tuple[type, Any], str] = {}
        self.lines: list[str] = []
        self.temps = 0
        self.uses_budget = False

    # --- names and lines --------------------------------------------------------------------

    def const(self, value: Any) -> str:
        key: tuple[type, Any] = (type(value), repr(value) if type(value) is float else value)
        try:
            hash(key)
        except TypeError:
            key = (object, id(value))  # the same list object (a folded value) may be shared
        name = self.const_names.get(key)
        if name is None:
            name = f"_k{len(self.consts)}"
            self.consts.append(value)
            self.const_names[key] = name
        return name

    def temp(self) -> str:
        self.temps += 1
        return f"_t{self.temps}"

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def block(self, body: Callable[[], Expr]) -> tuple[list[str], Expr]:
        """Generate into a fresh list of lines (the inside of an `if` or a loop)."""
        saved, self.lines = self.lines, []
        try:
            result = body()
            return self.lines, result
        finally:
            self.lines = saved

    def nest(self, lines: list[str]) -> None:
        self.lines.extend("    " + line for line in lines)

    def bind(self, e: Expr) -> Expr:
        """A name for the value, so a template may mention it twice."""
        if e.simple:
            return e
        name = self.temp()
        self.emit(f"{name} = {e.code}")
        return replace(e, code=name, simple=True, depth=0)

    # --- expressions ------------------------------------------------------------------------

    def literal(self, value: Any) -> Expr:
        if value is None or type(value) is bool:
            return Expr(repr(value), _kind_of(value), True, True, value)
        if type(value) is list:
            return Expr(f"list({self.const(value)})", "list", False, True, value, 1)
        if type(value) is dict:
            return Expr("{}", "dict", False, True, value)
        return Expr(self.const(value), _kind_of(value), True, True, value)

    def expr(self, rule: Any, path: Path, scope: Scope) -> Expr:
        ok, value = _literal(rule)
        if ok:
            return self.literal(value)
        if type(rule) is list:
            items = self.args(rule, [(*path, i) for i in range(len(rule))], scope)
            code = "[" + ", ".join(e.code for e in items) + "]"
            return self.spill(Expr(code, "list", depth=1 + max(e.depth for e in items)))
        op, args, paths = _operation(rule, path)
        if op not in NOT_FOLDABLE and op in BUILTINS and _constant(rule):
            folded = self.fold(rule, path)
            if folded is not None:
                return folded
        emitter = EMITTERS.get(op) if op in BUILTINS else None
        if op in CLOSURE_OPS or (emitter is None and op in BUILTINS):
            return self.closure(rule, path, scope)
        if emitter is None:
            return self.custom_call(self.custom[op], args, paths, path, scope)
        return self.spill(emitter(self, args, paths, path, scope))

    def spill(self, e: Expr) -> Expr:
        return self.bind(e) if e.depth > MAX_EXPR_DEPTH else e

    def args(self, args: list[Any], paths: list[Path], scope: Scope) -> list[Expr]:
        """Operands in order; when one needs statements, the earlier ones are computed first."""
        out: list[Expr] = []
        for arg, p in zip(args, paths, strict=True):
            start = len(self.lines)
            e = self.expr(arg, p, scope)
            if len(self.lines) > start:
                early = []
                for i, prev in enumerate(out):
                    if not prev.simple:
                        name = self.temp()
                        early.append(f"{name} = {prev.code}")
                        out[i] = replace(prev, code=name, simple=True, depth=0)
                self.lines[start:start] = early
            out.append(e)
        return out

    def fold(self, rule: Any, path: Path) -> Expr | None:
        try:
            value = Compiler(self.custom).node(rule, path).fn(None)
        except Exception:  # it fails again, with its error, when the rule runs
            return None
        return self.literal(value)

    def closure(self, rule: Any, path: Path, scope: Scope) -> Expr:
        c = Compiler(self.custom)
        c.scope_depth = 1 if scope.in_loop else 0
        fn = c.node(rule, path).fn
        self.uses_budget = self.uses_budget or c.uses_budget
        return Expr(f"{self.const(fn)}({self.scope_data(scope)})", depth=1)

    def call(self, helper: Callable[..., Any], args: list[Expr], kind: str = "any") -> Expr:
        code = f"{self.const(helper)}({', '.join(e.code for e in args)})"
        return Expr(code, kind, depth=1 + max((e.depth for e in args), default=0))

    def custom_call(
        self, op: CustomOperator, args: list[Any], paths: list[Path], path: Path, scope: Scope
    ) -> Expr:
        values = self.args(args, paths, scope)
        head = [Expr(self.const(op)), Expr(self.const(path))]
        return self.call(runtime.call_custom, head + values)

    def scope_data(self, scope: Scope) -> str:
        if scope.reduce is None:
            return scope.data
        current, acc = scope.reduce
        return f"{{'current': {current}, 'accumulator': {acc}}}"

    # --- truthiness -------------------------------------------------------------------------

    def test(self, e: Expr) -> str:
        """Code whose Python truthiness is the JSONLogic truthiness of `e`."""
        if e.const:
            return "True" if truthy(e.value) else "False"
        if e.kind in PY_TRUTHY:
            return e.code
        return f"{self.const(truthy)}({e.code})"

    def as_bool(self, e: Expr) -> str:
        if e.kind == "bool" or (not e.const and e.kind not in PY_TRUTHY):
            return self.test(e)
        return f"(not not {self.test(e)})"

    # --- var --------------------------------------------------------------------------------

    def hoist(self, rule: Any, scope: Scope) -> None:
        """Read every literal `var` path of the scope once, at its top, into locals."""
        wanted: dict[tuple[str, ...], bool] = {}
        _collect_vars(rule, wanted)
        if not wanted:
            return
        tree: dict[tuple[str, ...], bool] = {}
        for parts, sentinel in wanted.items():
            for i in range(1, len(parts)):
                tree.setdefault(parts[:i], False)
            tree[parts] = tree.get(parts, False) or sentinel
        for parts in sorted(tree, key=len):
            scope.reads[parts] = (self.temp(), tree[parts])
        parents = sorted(tree, key=len)
        if scope.reduce is None:
            parents.insert(0, ())
        else:
            current, acc = scope.reduce
            bound = {("current",): current, ("accumulator",): acc}
            for parts, (name, _) in scope.reads.items():
                if len(parts) == 1:
                    self.emit(f"{name} = {bound.get(parts) or self.absent(scope, parts)}")
        for parent in parents:
            children = [p for p in tree if len(p) == len(parent) + 1 and p[:-1] == parent]
            if children:
                code = scope.reads[parent][0] if parent else scope.data
                self.read_children(code, children, scope)

    def absent(self, scope: Scope, parts: tuple[str, ...]) -> str:
        return self.const(runtime.MISSING) if scope.reads[parts][1] else "None"

    def read_children(self, parent: str, children: list[tuple[str, ...]], scope: Scope) -> None:
        by_key = [c for c in children if _index(c[-1]) is None]
        by_index = [c for c in children if _index(c[-1]) is not None]
        for c in by_index:
            name = scope.reads[c][0]
            index = _index(c[-1])
            self.emit(
                f"{name} = {self.const(runtime.list_step)}"
                f"({parent}, {self.const(index)}, {self.absent(scope, c)})"
            )
        if not by_key:
            return
        self.emit(f"if type({parent}) is dict:")
        for c in by_key:
            name, sentinel = scope.reads[c]
            default = f", {self.const(runtime.MISSING)}" if sentinel else ""
            self.emit(f"    {name} = {parent}.get({self.const(c[-1])}{default})")
        self.emit("else:")
        for c in by_key:
            self.emit(f"    {scope.reads[c][0]} = {self.absent(scope, c)}")


def _index(prop: str) -> int | None:
    if prop.isdigit() and prop.isascii() and (prop == "0" or prop[0] != "0"):
        return int(prop)
    return None


def var_key(args: list[Any]) -> tuple[bool, tuple[str, ...] | None]:
    """(literal key?, its path); a None path is the whole data."""
    if not args:
        return True, None
    ok, key = _literal(args[0])
    if not ok:
        return False, None
    parts = split_path(key)
    return True, (tuple(parts) if parts is not None else None)


def _collect_vars(rule: Any, wanted: dict[tuple[str, ...], bool]) -> None:
    if type(rule) is list:
        for item in rule:
            _collect_vars(item, wanted)
        return
    if type(rule) is not dict or len(rule) != 1:
        return
    op, args, _ = _operation(rule, ())
    if op in CLOSURE_OPS:
        return
    if op == "var":
        literal_key, parts = var_key(args)
        if literal_key and parts is not None:
            sentinel = len(args) > 1 and (not _literal(args[1])[0] or args[1] is not None)
            wanted[parts] = wanted.get(parts, False) or sentinel
        for arg in args[0 if not literal_key else 1 :]:
            _collect_vars(arg, wanted)
        return
    for i, arg in enumerate(args):
        if not (op in SCOPED and i == 1):
            _collect_vars(arg, wanted)


def _constant(rule: Any) -> bool:
    """No data, no effects: the sub-rule can be evaluated once while compiling."""
    if type(rule) is list:
        return all(_constant(item) for item in rule)
    if type(rule) is not dict or not rule:
        return True
    op, args, _ = _operation(rule, ())
    return op in BUILTINS and op not in NOT_FOLDABLE and all(_constant(a) for a in args)


def generate(rule: Any, custom: Mapping[str, CustomOperator]) -> Fn | None:
    """The rule as one Python function (the rule must already have compiled without problems)."""
    from . import emitters  # noqa: F401  (fills EMITTERS)

    g = Generator(custom)
    scope = Scope("data")
    g.hoist(rule, scope)
    result = g.expr(rule, (), scope)
    body = [*g.lines, f"return {result.code}"]
    if g.uses_budget:
        body = [
            "_token = _start()",
            "try:",
            *("    " + line for line in body),
            "finally:",
            "    _end(_token)",
        ]
    unpack = f"    ({', '.join(f'_k{i}' for i in range(len(g.consts)))},) = _consts"
    source = "\n".join(
        [
            "def _make(_consts, _start, _end):",
            unpack if g.consts else "    pass",
            "    def _rule(data):",
            *("        " + line for line in body),
            "    return _rule",
        ]
    )
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, "<rule>", "exec"), namespace)  # noqa: S102  (our own source)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    fn: Fn = namespace["_make"](tuple(g.consts), limits.start_budget, limits.end_budget)
    return fn
