"""Compile a JSONLogic rule once, cached by its canonical form: checked and built as nested
closures (what traces and fallbacks run), then generated as one Python function (codegen.py)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import limits
from .errors import Path, RuleEvaluationError, RuleLimitExceeded, RuleProblem, RuleSyntaxError
from .js import truthy
from .registry import CustomOperator, OperatorRegistry

Fn = Callable[[Any], Any]


@dataclass(frozen=True)
class Node:
    """A compiled sub-rule; `const` marks literals so operators can specialise on them."""

    fn: Fn
    const: bool = False
    value: Any = None


@dataclass(frozen=True)
class Builtin:
    """How a built-in operator is checked (arity) and compiled."""

    min_args: int
    max_args: int | None
    build: Callable[[Compiler, list[Any], list[Path], Path], Fn]
    scoped: tuple[int, ...] = ()  # argument indexes evaluated against each array item


BUILTINS: dict[str, Builtin] = {}


class Compiler:
    """One compilation: walks the rule, collects every problem, builds closures."""

    def __init__(self, custom: Mapping[str, CustomOperator], *, fast: bool = True) -> None:
        self.custom = custom
        self.fast = fast  # specialised closures; the tracer turns them off so every value is seen
        self.problems: list[RuleProblem] = []
        self.nodes = 0
        self.scope_depth = 0
        self.uses_budget = False

    def problem(self, code: str, message: str, path: Path) -> None:
        self.problems.append(RuleProblem(code, message, path))

    def node(self, rule: Any, path: Path) -> Node:
        self.nodes += 1
        if self.nodes == limits.MAX_NODES + 1:
            self.problem("rule.too_large", f"rule has more than {limits.MAX_NODES} nodes", path)
        if len(path) > limits.MAX_DEPTH:
            self.problem("rule.too_deep", f"rule is nested deeper than {limits.MAX_DEPTH}", path)
            return _const(None)
        t = type(rule)
        if t is dict:
            if not rule:
                return _const({})
            if len(rule) > 1:
                keys = ", ".join(sorted(map(str, rule)))
                self.problem(
                    "rule.malformed_operation",
                    f"an operation is an object with exactly one key, got: {keys}",
                    path,
                )
                return _const(None)
            op, raw = next(iter(rule.items()))
            if type(raw) is list:
                args, paths = raw, [(*path, op, i) for i in range(len(raw))]
            else:
                args, paths = [raw], [(*path, op)]
            return Node(self.operation(op, args, paths, path))
        if t is list:
            items = [self.node(item, (*path, i)) for i, item in enumerate(rule)]
            if all(n.const for n in items):
                frozen = [n.value for n in items]
                return Node(lambda data: list(frozen), True, frozen)
            fns = [n.fn for n in items]
            return Node(lambda data: [f(data) for f in fns])
        if rule is None or t in (bool, int, float, str):
            if t is float and rule != rule:
                self.problem("rule.malformed_value", "NaN is not a JSON value", path)
            return _const(rule)
        self.problem("rule.malformed_value", f"{t.__name__} is not a JSON value", path)
        return _const(None)

    def args(self, args: list[Any], paths: list[Path]) -> list[Node]:
        return [self.node(a, p) for a, p in zip(args, paths, strict=True)]

    def operation(self, op: str, args: list[Any], paths: list[Path], path: Path) -> Fn:
        builtin = BUILTINS.get(op)
        custom = None if builtin else self.custom.get(op)
        if builtin is None and custom is None:
            self.problem("rule.unknown_operator", f"unknown operator {op!r}", path)
            return _const(None).fn
        spec: Builtin | CustomOperator = builtin if builtin is not None else custom  # type: ignore[assignment]
        lo, hi = spec.min_args, spec.max_args
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            self.problem(
                "rule.arity", f"operator {op!r} takes {want} argument(s), got {len(args)}", path
            )
            return _const(None).fn
        if builtin is not None:
            fn = builtin.build(self, args, paths, path)
        else:
            assert custom is not None
            fn = _custom_call(custom, [n.fn for n in self.args(args, paths)], path)
        return self.wrap(op, fn, path)

    def wrap(self, op: str, fn: Fn, path: Path) -> Fn:
        """Hook for the tracer; plain compilation keeps the closure as it is."""
        return fn


def _const(value: Any) -> Node:
    return Node(lambda data: value, True, value)


def _custom_call(op: CustomOperator, fns: list[Fn], path: Path) -> Fn:
    impl = op.fn

    def call(data: Any) -> Any:
        values = [f(data) for f in fns]
        try:
            return impl(*values)
        except RuleLimitExceeded:
            raise
        except Exception as exc:
            raise RuleEvaluationError.at(
                path, f"operator {op.name!r} failed: {exc}", "rule.operator_failed"
            ) from exc

    return call


class CompiledRule:
    """A rule ready to run: `rule.evaluate(data)` (or `rule(data)`) returns the JSONLogic result."""

    __slots__ = ("canonical", "evaluate", "rule")

    def __init__(self, rule: Any, canonical: str, fn: Fn, uses_budget: bool) -> None:
        self.rule = rule
        self.canonical = canonical
        self.evaluate: Fn = _budgeted(fn) if uses_budget else fn

    def __call__(self, data: Any) -> Any:
        return self.evaluate(data)

    def matches(self, data: Any) -> bool:
        """Whether the result is truthy (what a condition or a `where` asks)."""
        return truthy(self.evaluate(data))


def _budgeted(fn: Fn) -> Fn:
    def run(data: Any) -> Any:
        token = limits.start_budget()
        try:
            return fn(data)
        finally:
            limits.end_budget(token)

    return run


def canonical_form(rule: Any) -> str:
    """The cache key text of a rule: key order and whitespace do not matter."""
    try:
        return json.dumps(rule, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise RuleSyntaxError.at((), f"rule is not JSON: {exc}", "rule.malformed_value") from exc


default_registry = OperatorRegistry(reserved=BUILTINS.keys())
_CACHE_SIZE = 2048
_cache: OrderedDict[tuple[int, int, str], CompiledRule] = OrderedDict()
_cache_lock = threading.Lock()


def build(
    rule: Any, registry: OperatorRegistry | None = None, compiler: Compiler | None = None
) -> Fn:
    """Compile without caching; raises RuleSyntaxError listing every problem."""
    reg = registry or default_registry
    c = compiler or Compiler(reg.snapshot())
    node = c.node(rule, ())
    if c.problems:
        raise RuleSyntaxError(c.problems)
    return node.fn


def compile_rule(rule: Any, registry: OperatorRegistry | None = None) -> CompiledRule:
    """Compile (or fetch from the cache) a JSONLogic rule; raises RuleSyntaxError when invalid."""
    from . import codegen  # imports this module: the operator tables live here

    reg = registry or default_registry
    canonical = canonical_form(rule)
    key = (id(reg), reg.version, canonical)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    custom = reg.snapshot()
    c = Compiler(custom)
    # Compile a private copy so a caller mutating its rule afterwards cannot change the closures.
    private = json.loads(canonical)
    fn = build(private, reg, c)  # validates, and is the fallback when Python refuses the source
    generated = codegen.generate(private, custom)
    if generated is not None:
        compiled = CompiledRule(rule, canonical, generated, False)
    else:
        compiled = CompiledRule(rule, canonical, fn, c.uses_budget)
    with _cache_lock:
        _cache[key] = compiled
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def evaluate(rule: Any, data: Any, registry: OperatorRegistry | None = None) -> Any:
    """Evaluate a JSONLogic rule against data (compiling it on first use)."""
    return compile_rule(rule, registry)(data)


def validate_rule(rule: Any, registry: OperatorRegistry | None = None) -> None:
    """Save-time check of the rule's syntax and operators; raises RuleSyntaxError."""
    compile_rule(rule, registry)
