"""The rule engine: JSONLogic compiled to one generated function per rule (closures for traces),
the seed condition format, schema checks, explanations and SQL. Importing this package
registers every built-in operator."""

from __future__ import annotations

from . import arrays, data_access, emitters, operators  # noqa: F401  (they fill the tables)
from .compile import (
    CompiledRule,
    canonical_form,
    compile_rule,
    default_registry,
    evaluate,
    validate_rule,
)
from .errors import (
    OperatorRegistrationError,
    RuleError,
    RuleEvaluationError,
    RuleLimitExceeded,
    RuleProblem,
    RuleSchemaError,
    RuleSqlUnsupported,
    RuleSyntaxError,
)
from .js import truthy
from .registry import CustomOperator, OperatorFn, OperatorRegistry


def register_operator(
    name: str,
    fn: OperatorFn,
    *,
    min_args: int = 0,
    max_args: int | None = None,
    plugin: str | None = None,
) -> CustomOperator:
    """Add a plugin operator to the default registry; `fn` receives the evaluated arguments."""
    return default_registry.register(name, fn, min_args=min_args, max_args=max_args, plugin=plugin)


__all__ = [
    "CompiledRule",
    "CustomOperator",
    "OperatorRegistrationError",
    "OperatorRegistry",
    "RuleError",
    "RuleEvaluationError",
    "RuleLimitExceeded",
    "RuleProblem",
    "RuleSchemaError",
    "RuleSqlUnsupported",
    "RuleSyntaxError",
    "canonical_form",
    "compile_rule",
    "default_registry",
    "evaluate",
    "register_operator",
    "truthy",
    "validate_rule",
]
