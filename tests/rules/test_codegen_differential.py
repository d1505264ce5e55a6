"""The generated function of a rule and its closures give the same result on any data."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from core.rules import RuleError, compile_rule, default_registry, register_operator
from core.rules.codegen import generate
from core.rules.compile import build
from tests.rules.strategies import row, rules, same

SETTINGS = settings(
    max_examples=600, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def _outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", fn(value)
    except RuleError as exc:
        return type(exc).__name__, exc.problems[0].code


def _both(rule: Any) -> tuple[Any, Any]:
    compile_rule(rule)  # raises for an invalid rule, as saving it would
    closure = build(rule)
    generated = generate(rule, default_registry.snapshot())
    assert generated is not None, f"Python refused the source of {rule}"
    return closure, generated


@SETTINGS
@given(rules, row)
def test_generated_code_agrees_with_closures(rule: Any, data: Any) -> None:
    closure, generated = _both(rule)
    want, got = _outcome(closure, data), _outcome(generated, data)
    assert want[0] == got[0], f"{rule} on {data}: closures {want}, generated {got}"
    if want[0] == "value":
        assert same(want[1], got[1]), f"{rule} on {data}: closures {want}, generated {got}"


def test_loops_nested_past_pythons_limit_fall_back_to_closures() -> None:
    rule: Any = {">": [{"var": ""}, 0]}
    row: Any = 1
    for _ in range(24):  # Python allows 20 nested loops in one function
        rule = {"some": [{"var": ""}, rule]}
        row = [row]
    assert generate(rule, default_registry.snapshot()) is None
    assert compile_rule(rule)(row) is True


def test_literals_never_become_source_text() -> None:
    evil = "'); __import__('os'); ('"  # no dot: a dot would make it a path
    rule = {"==": [{"var": evil}, evil]}
    assert compile_rule(rule)({evil: evil}) is True
    assert compile_rule({"in": [evil, [evil, "x"]]})(None) is True


def test_plugin_operators_are_called_from_generated_code() -> None:
    calls: list[tuple[Any, ...]] = []

    def record(*args: Any) -> int:
        calls.append(args)
        return len(args)

    register_operator("codegen_probe", record, plugin="tests")
    try:
        rule = {"+": [{"codegen_probe": [{"var": "a"}, 2]}, 1]}
        assert compile_rule(rule)({"a": "x"}) == 3
        assert calls == [("x", 2)]
    finally:
        default_registry.unregister("codegen_probe")
