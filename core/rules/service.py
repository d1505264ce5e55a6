"""What the rest of the platform calls: prepare a rule at save time, evaluate it, explain it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .compile import compile_rule, default_registry
from .errors import RuleError, RuleProblem, RuleSchemaError, RuleSyntaxError
from .fields import FieldIndex
from .registry import OperatorRegistry
from .schema_check import check_rule
from .seed_format import is_seed_condition, normalise_condition, to_jsonlogic
from .trace import explanation_tree, json_safe, run_traced

Fields = Iterable[Mapping[str, Any]] | FieldIndex


def prepare_rule(
    rule: Any, fields: Fields | None = None, registry: OperatorRegistry | None = None
) -> Any:
    """Save-time gate: normalise either format into JSONLogic, then check it.

    Returns the JSONLogic to store or run. Raises RuleSyntaxError (malformed rule, unknown
    operator) or RuleSchemaError (unknown field, incompatible comparison); `problems` lists
    every offending place with its path in the rule as given.
    """
    index = (
        FieldIndex(fields) if fields is not None and not isinstance(fields, FieldIndex) else fields
    )
    logic = to_jsonlogic(rule, index)
    compile_rule(logic, registry)
    if index is not None and not is_seed_condition(rule):
        check_rule(logic, index)
    return logic


def rule_problems(
    rule: Any, fields: Fields | None = None, registry: OperatorRegistry | None = None
) -> list[dict[str, object]]:
    """Every problem as a JSON-ready dict (empty when the rule may be saved)."""
    try:
        prepare_rule(rule, fields, registry)
    except (RuleSyntaxError, RuleSchemaError) as exc:
        return [p.as_dict() for p in exc.problems]
    return []


def evaluate_with_trace(
    rule: Any,
    data: Any,
    fields: Fields | None = None,
    registry: OperatorRegistry | None = None,
    *,
    open_names: bool = False,
) -> tuple[Any, dict[str, Any]]:
    """Result and JSON-serialisable explanation, for POST /rules/evaluate and TriggerExecution.

    The trace is {"rule": the JSONLogic run, "matched": bool, "steps": [{"path", "op", "args",
    "result", "sourcePath"?}], "truncated": bool}. `path` points into `trace["rule"]`; for a
    seed condition `sourcePath` points at the group or condition it came from. With
    `open_names`, a seed condition's name that is no field reads the data's value of that name.
    """
    origins: dict[Any, Any] = {}
    if is_seed_condition(rule):
        logic, origins = normalise_condition(rule, fields, open_names=open_names)
    else:
        logic = to_jsonlogic(rule, fields)
    compile_rule(logic, registry)  # raises the save-time errors before anything runs
    result, trace = run_traced(logic, data, registry or default_registry)
    if origins:
        for step in trace["steps"]:
            source = origins.get(tuple(step["path"]))
            if source is not None:
                step["sourcePath"] = list(source)
    return json_safe(result), {"rule": logic, **trace}


def explain_error(exc: RuleError) -> list[dict[str, object]]:
    """The problems of a rule error as JSON-ready dicts (for RFC 9457 `errors`)."""
    return [p.as_dict() for p in exc.problems]


__all__ = [
    "RuleProblem",
    "evaluate_with_trace",
    "explain_error",
    "explanation_tree",
    "prepare_rule",
    "rule_problems",
]
