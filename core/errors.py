"""Error values of the core: each has a stable code and a human message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ErpError(Exception):
    """Base of every error a caller can act on; `code` is stable, `message` is for people."""

    code = "error"
    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class ConfigurationError(ErpError):
    """The platform cannot start with the given settings."""

    code = "configuration_error"
    status = 500


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One offending field of a request or a submission."""

    path: str
    message: str
    code: str = "invalid"
    extra: dict[str, Any] = field(default_factory=dict)


class ValidationFailed(ErpError):
    """Input was rejected; `problems` lists every offending field."""

    code = "validation_failed"
    status = 422

    def __init__(self, problems: list[FieldProblem], message: str = "Validation failed") -> None:
        super().__init__(message)
        self.problems = problems


class NotFound(ErpError):
    """The entity does not exist or is not visible to the caller (tenancy looks the same)."""

    code = "not_found"
    status = 404


class Conflict(ErpError):
    """The change contradicts the current state (duplicate name, stale version...)."""

    code = "conflict"
    status = 409


class PermissionDenied(ErpError):
    """The caller is authenticated but may not do this."""

    code = "permission_denied"
    status = 403
