"""Seed conditions, save-time checks, explanations and plugin operators, as scenarios."""

from __future__ import annotations

import pytest

from core.rules import (
    OperatorRegistrationError,
    OperatorRegistry,
    RuleLimitExceeded,
    RuleSchemaError,
    RuleSyntaxError,
    compile_rule,
    evaluate,
)
from core.rules.service import evaluate_with_trace, prepare_rule, rule_problems

FIELDS = [
    {"id": "field_1", "type": "text", "label": "Employee Name"},
    {"id": "field_2", "type": "number", "label": "Amount"},
    {"id": "field_3", "type": "dropdown", "label": "Category"},
    {"id": "field_5", "type": "date", "label": "Spent On"},
    {"id": "field_6", "type": "multi-select", "label": "Tags"},
]
HIGH_VALUE_ALERT = {
    "operator": "AND",
    "rules": [{"field": "Amount", "operator": "greater_than", "value": 10000}],
}


def test_high_value_alert_fires_above_ten_thousand() -> None:
    logic = prepare_rule(HIGH_VALUE_ALERT, FIELDS)
    assert evaluate(logic, {"field_2": 12000}) is True
    assert evaluate(logic, {"field_2": 10000}) is False
    assert evaluate(logic, {}) is False


def test_fields_resolve_by_label_or_id() -> None:
    by_id = {
        "operator": "AND",
        "rules": [{"field": "field_2", "operator": "greater_than", "value": 10000}],
    }
    assert prepare_rule(by_id, FIELDS) == prepare_rule(HIGH_VALUE_ALERT, FIELDS)


def test_nested_groups_and_text_operators() -> None:
    condition = {
        "operator": "OR",
        "rules": [
            {"field": "Employee Name", "operator": "starts_with", "value": "Al"},
            {
                "operator": "AND",
                "rules": [
                    {"field": "Category", "operator": "in", "value": ["Travel", "Equipment"]},
                    {"field": "Tags", "operator": "is_not_empty"},
                    {"field": "Employee Name", "operator": "not_contains", "value": "Bot"},
                ],
            },
        ],
    }
    logic = prepare_rule(condition, FIELDS)
    assert evaluate(logic, {"field_1": "Alex"}) is True
    assert evaluate(logic, {"field_1": "Sam", "field_3": "Travel", "field_6": ["x"]}) is True
    assert evaluate(logic, {"field_1": "Sam", "field_3": "Travel", "field_6": []}) is False
    assert evaluate(logic, {"field_1": "SamBot", "field_3": "Travel", "field_6": ["x"]}) is False


def test_unknown_field_and_type_clash_are_rejected_with_paths() -> None:
    condition = {
        "operator": "AND",
        "rules": [
            {"field": "Amout", "operator": "greater_than", "value": 1},
            {"field": "Amount", "operator": "equals", "value": "a lot"},
            {"field": "Spent On", "operator": "less_than", "value": 5},
        ],
    }
    with pytest.raises(RuleSchemaError) as err:
        prepare_rule(condition, FIELDS)
    assert [(p.code, p.path) for p in err.value.problems] == [
        ("rule.unknown_field", ("rules", 0, "field")),
        ("rule.type_mismatch", ("rules", 1, "value")),
        ("rule.type_mismatch", ("rules", 2, "value")),
    ]


def test_jsonlogic_is_checked_against_the_schema_too() -> None:
    problems = rule_problems({"and": [{">": [{"var": "Amount"}, "x"]}, {"var": "nope"}]}, FIELDS)
    assert [(p["code"], p["path"]) for p in problems] == [
        ("rule.type_mismatch", ["and", 0]),
        ("rule.unknown_field", ["and", 1, "var"]),
    ]
    assert prepare_rule({"<": [{"var": "Spent On"}, "2024-06-01"]}, FIELDS) == {
        "<": [{"var": "field_5"}, "2024-06-01"]
    }


def test_unknown_operators_and_malformed_rules_point_at_the_place() -> None:
    with pytest.raises(RuleSyntaxError) as err:
        compile_rule(
            {"and": [{"==": [1, 1]}, {"frobnicate": [1]}, {"a": 1, "b": 2}, {"!": [1, 2]}]}
        )
    assert [(p.code, p.path) for p in err.value.problems] == [
        ("rule.unknown_operator", ("and", 1)),
        ("rule.malformed_operation", ("and", 2)),
        ("rule.arity", ("and", 3)),
    ]


def test_trace_explains_which_condition_failed() -> None:
    data = {"field_2": 500, "field_3": "Travel"}
    condition = {
        "operator": "AND",
        "rules": [
            {"field": "Category", "operator": "equals", "value": "Travel"},
            {"field": "Amount", "operator": "greater_than", "value": 10000},
        ],
    }
    result, trace = evaluate_with_trace(condition, data, FIELDS)
    assert result is False
    failed = [s for s in trace["steps"] if s["result"] is False and s["op"] == ">"]
    assert failed == [
        {
            "path": ["and", 1],
            "op": ">",
            "args": [500, 10000],
            "result": False,
            "sourcePath": ["rules", 1],
        }
    ]
    assert trace["matched"] is False


def test_plugin_operators_are_accepted_once_registered_and_recompiled() -> None:
    registry = OperatorRegistry(reserved={"==", "var"})
    rule = {"double": [{"var": "x"}]}
    with pytest.raises(RuleSyntaxError):
        compile_rule(rule, registry)
    registry.register("double", lambda x: x * 2, min_args=1, max_args=1, plugin="demo")
    assert compile_rule(rule, registry)({"x": 21}) == 42
    registry.register("double", lambda x: x * 3, min_args=1, max_args=1, replace=True)
    assert compile_rule(rule, registry)({"x": 1}) == 3
    with pytest.raises(OperatorRegistrationError):
        registry.register("==", lambda a, b: True)


def test_runaway_string_doubling_is_stopped() -> None:
    rule = {
        "reduce": [
            {"merge": [list(range(40))]},
            {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]},
            "ab",
        ]
    }
    with pytest.raises(RuleLimitExceeded):
        evaluate(rule, None)
