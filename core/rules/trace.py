"""Explanations: evaluate a rule while recording each sub-rule's result and the values it used."""

from __future__ import annotations

import contextvars
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .compile import Compiler, Fn, Node, build, canonical_form, default_registry
from .errors import Path
from .js import truthy
from .registry import CustomOperator, OperatorRegistry

MAX_STEPS = 500


@dataclass
class _State:
    steps: list[dict[str, Any] | None] = field(default_factory=list)
    frames: list[list[Any]] = field(default_factory=list)
    truncated: bool = False


_state: contextvars.ContextVar[_State] = contextvars.ContextVar("rule_trace")


def json_safe(value: Any) -> Any:
    """Trace values as JSON: NaN and the infinities become the strings JavaScript prints."""
    t = type(value)
    if t is float and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if t is list:
        return [json_safe(v) for v in value]
    if t is dict:
        return {k: json_safe(v) for k, v in value.items()}
    return value


class TracingCompiler(Compiler):
    """Compiles without literal specialisations and wraps every node to report its value."""

    def __init__(self, custom: Mapping[str, CustomOperator]) -> None:
        super().__init__(custom, fast=False)

    def node(self, rule: Any, path: Path) -> Node:
        n = super().node(rule, path)
        if n.const:
            value = n.value

            def literal(data: Any) -> Any:
                frames = _state.get().frames
                if frames:
                    frames[-1].append(value)
                return list(value) if type(value) is list else value

            return Node(literal)
        if type(rule) is list:
            return Node(self.wrap(None, n.fn, path))
        return n

    def wrap(self, op: str | None, fn: Fn, path: Path) -> Fn:
        record = op is not None and op != "var"

        def traced(data: Any) -> Any:
            st = _state.get()
            index = -1
            if record:
                if len(st.steps) < MAX_STEPS:
                    index = len(st.steps)
                    st.steps.append(None)
                else:
                    st.truncated = True
            st.frames.append([])
            try:
                result = fn(data)
            finally:
                args = st.frames.pop()
            if st.frames:
                st.frames[-1].append(result)
            if index >= 0:
                st.steps[index] = {
                    "path": list(path),
                    "op": op,
                    "args": json_safe(args),
                    "result": json_safe(result),
                }
            return result

        return traced


_cache: OrderedDict[tuple[int, int, str], Fn] = OrderedDict()
_lock = threading.Lock()


def traced_rule(rule: Any, registry: OperatorRegistry | None = None) -> Fn:
    reg = registry or default_registry
    key = (id(reg), reg.version, canonical_form(rule))
    fn = _cache.get(key)
    if fn is None:
        fn = build(rule, reg, TracingCompiler(reg.snapshot()))
        with _lock:
            _cache[key] = fn
            if len(_cache) > 256:
                _cache.popitem(last=False)
    return fn


def run_traced(
    rule: Any, data: Any, registry: OperatorRegistry | None = None
) -> tuple[Any, dict[str, Any]]:
    """Result and trace of a JSONLogic rule: steps in rule order, root first."""
    fn = traced_rule(rule, registry)
    st = _State()
    token = _state.set(st)
    try:
        from . import limits

        budget = limits.start_budget()
        try:
            result = fn(data)
        finally:
            limits.end_budget(budget)
    finally:
        _state.reset(token)
    steps = [s for s in st.steps if s is not None]
    trace = {
        "matched": truthy(result),
        "steps": steps,
        "truncated": st.truncated,
    }
    return result, trace


def explanation_tree(trace: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A trace's steps as a tree: each operation with the operations it evaluated under
    `children` (steps are recorded root first, so a step's parent is the nearest earlier one
    whose path is a prefix of its own). Operations short-circuiting skipped are absent.
    Usually one root; a rule that is a list gives one per item."""
    roots: list[dict[str, Any]] = []
    open_nodes: list[dict[str, Any]] = []
    for step in trace.get("steps") or ():
        path = list(step.get("path") or ())
        node = {
            "op": step.get("op"),
            "args": step.get("args"),
            "result": step.get("result"),
            "path": path,
            "children": [],
        }
        if "sourcePath" in step:
            node["sourcePath"] = step["sourcePath"]
        while open_nodes and not _under(path, open_nodes[-1]["path"]):
            open_nodes.pop()
        (open_nodes[-1]["children"] if open_nodes else roots).append(node)
        open_nodes.append(node)
    return roots


def _under(path: list[Any], parent: list[Any]) -> bool:
    return len(path) > len(parent) and path[: len(parent)] == parent
