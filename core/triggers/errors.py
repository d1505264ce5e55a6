"""Errors of trigger processing and of the actions that plugins provide."""

from __future__ import annotations

from core.errors import ErpError, FieldProblem, ValidationFailed


class ActionFailed(ErpError):
    """An action could not do its work. `retryable=False` skips the remaining retries (for
    failures that another attempt cannot fix, such as a rejected recipient)."""

    code = "action.failed"
    status = 502

    def __init__(self, message: str, *, retryable: bool = True, **extra: object) -> None:
        super().__init__(message, **extra)
        self.retryable = retryable


class ActionConfigInvalid(ValidationFailed):
    """An action's configuration does not match its schema (found at save time, or at run
    time for a trigger stored before the schema changed)."""

    code = "action.config_invalid"

    def __init__(self, problems: list[FieldProblem], message: str = "Invalid action config"):
        super().__init__(problems, message)


class UnknownAction(ErpError):
    """No loaded plugin provides an action of this type."""

    code = "action.unknown"
    status = 422
