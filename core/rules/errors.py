"""Errors raised by the rule engine: each has a stable code, a message and a path into the rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class RuleProblem:
    """One offending place in a rule; `path` is the list of keys/indexes leading to it."""

    code: str
    message: str
    path: Path = ()
    field: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "message": self.message,
            "path": list(self.path),
        }
        if self.field is not None:
            out["field"] = self.field
        return out


class RuleError(Exception):
    """Base class; `problems` lists every offending place (at least one)."""

    code = "rule.error"

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        self.problems: tuple[RuleProblem, ...] = tuple(problems)
        first = self.problems[0] if self.problems else RuleProblem(self.code, "invalid rule")
        self.message = first.message
        self.path = first.path
        super().__init__("; ".join(f"{p.message} (at {_show(p.path)})" for p in self.problems))

    @classmethod
    def at(
        cls, path: Path, message: str, code: str | None = None, field: str | None = None
    ) -> RuleError:
        return cls([RuleProblem(code or cls.code, message, path, field)])


class RuleSyntaxError(RuleError):
    """The rule is malformed or uses an unknown operator (rejected at save time)."""

    code = "rule.syntax"


class RuleSchemaError(RuleError):
    """The rule reads an unknown field or compares values of incompatible kinds."""

    code = "rule.schema"


class RuleLimitExceeded(RuleError):
    """A rule or one evaluation of it went past the engine's size/depth/work bounds."""

    code = "rule.limit_exceeded"


class RuleSqlUnsupported(RuleError):
    """The rule (or a part of it) cannot be compiled to SQL with exactly the same meaning."""

    code = "rule.sql_unsupported"


class OperatorRegistrationError(Exception):
    """A plugin tried to register an operator that clashes or is malformed."""

    code = "rule.operator_registration"


@dataclass
class _Collector:
    """Gathers problems while walking a rule so one save reports every offending place."""

    problems: list[RuleProblem] = field(default_factory=list)

    def add(self, code: str, message: str, path: Path, field: str | None = None) -> None:
        self.problems.append(RuleProblem(code, message, path, field))


def _show(path: Path) -> str:
    return "/" + "/".join(str(p) for p in path)


class RuleEvaluationError(RuleError):
    """A plugin operator failed while a rule was being evaluated."""

    code = "rule.evaluation_failed"
