"""RFC 9457 problem responses for every error the API can return, in one place."""

from __future__ import annotations

import logging
from typing import Annotated, Any, get_args, get_origin

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.utils.scope.state import ScopeState

from api.validation import struct_problems, value_problems, whole_numbers
from core.errors import ErpError, FieldProblem, ValidationFailed
from core.rules import RuleError

log = logging.getLogger("erp.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://erp-builder.dev/problems/"


class FieldProblemDetails(msgspec.Struct, kw_only=True):
    """One offending place of a request (a problem may add members, such as `field`)."""

    path: str
    """`/field/...` in the body, `query:name` in the query string, `/` for the whole body."""
    message: str
    code: str


class ProblemDetails(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem document as `problem` writes it (some add members of their own)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    """Stable, for programs to act on."""
    instance: str
    """The path of the request."""
    errors: list[FieldProblemDetails] | msgspec.UnsetType = msgspec.UNSET
    """Every offending place, when the input was refused."""


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    request: Request[Any, Any, Any] | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = [
            {"path": p.path or "/", "message": p.message, "code": p.code, **p.extra} for p in errors
        ]
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def erp_error_handler(request: Request[Any, Any, Any], exc: ErpError) -> Response[dict[str, Any]]:
    extra = dict(exc.extra)
    retry_after = extra.pop("retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    errors = exc.problems if isinstance(exc, ValidationFailed) else None
    response = problem(
        exc.status, exc.code, exc.message, request=request, errors=errors, headers=headers
    )
    # Extra members of the problem; they never replace its standard ones.
    for key, value in extra.items():
        response.content.setdefault(key, value)
    return response


def validation_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar stops at the first bad value; re-check the body to list every one."""
    # The body was already read to parse it; handlers are synchronous, so take it from
    # the connection state where Litestar keeps it.
    body = ScopeState.from_scope(request.scope).body
    errors = body_problems(request, body if isinstance(body, bytes) else b"")
    if not errors:
        for item in exc.extra or []:
            if isinstance(item, dict):
                key = str(item.get("key") or "")
                source = str(item.get("source") or "")
                path = (
                    f"{source}:{key}" if source and source != "body" else f"/{key}" if key else ""
                )
                errors.append(FieldProblem(path, str(item.get("message", "invalid")), "invalid"))
    if not errors:
        errors = [FieldProblem("", exc.detail or "Invalid request", "invalid")]
    malformed = any(p.code == "malformed_json" for p in errors)
    return problem(
        400 if malformed else 422,
        "malformed_json" if malformed else "validation_failed",
        errors[0].message if malformed else "The request has invalid fields.",
        request=request,
        errors=errors,
    )


def body_problems(request: Request[Any, Any, Any], body: bytes) -> list[FieldProblem]:
    """Every problem of `body` against the JSON body the route takes (none if it takes none)."""
    target = _body_type(request)
    return [] if target is None else struct_problems(body, target)


def strict_body_problems(request: Request[Any, Any, Any], body: bytes) -> list[FieldProblem]:
    """The problems of a JSON `body` that is not exactly of the type the route takes (and
    the document describes). Litestar converts bodies leniently: `0` passed for false,
    `"1"` for 1, a number for a date-time. Whole numbers written `3.0` are integers, as
    in JSON Schema (and to Litestar). Malformed JSON is left to the body parser."""
    target = _body_type(request)
    if target is None:
        return []
    try:
        msgspec.json.decode(body, type=target, strict=True)
        return []
    except msgspec.ValidationError:  # (a DecodeError too, so first)
        pass
    except (msgspec.DecodeError, TypeError):  # not JSON, or a type msgspec leaves to Litestar
        return []
    try:
        value = whole_numbers(msgspec.json.decode(body))
    except msgspec.DecodeError:  # malformed past the first wrong value
        return []
    return value_problems(value, target, "")


def _body_type(request: Request[Any, Any, Any]) -> Any:
    data_field = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data_field is None or request.method not in ("POST", "PUT", "PATCH"):
        return None
    target = data_field.annotation
    if get_origin(target) is Annotated:
        target = get_args(target)[0]
    return target


def http_error_handler(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    if isinstance(exc, NotAuthorizedException):
        return problem(
            401,
            "not_authenticated",
            exc.detail or "Sign in first.",
            request=request,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, PermissionDeniedException):
        return problem(403, "permission_denied", exc.detail, request=request)
    if exc.status_code == 400 and request.method in ("POST", "PUT", "PATCH"):
        body = ScopeState.from_scope(request.scope).body
        if isinstance(body, bytes) and body.strip():
            problems = struct_problems(body, Any)
            if problems and problems[0].code == "malformed_json":
                return problem(
                    400, "malformed_json", problems[0].message, request=request, errors=problems
                )
    if isinstance(exc, NotFoundException):
        return problem(404, "not_found", "Nothing here.", request=request)
    code = {
        400: "bad_request",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        429: "too_many_requests",
    }.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, exc.detail, request=request, headers=exc.headers)


def rule_error_handler(request: Request[Any, Any, Any], exc: RuleError) -> Response[dict[str, Any]]:
    """A rule that cannot be saved or run: every offending place, with its path in the rule."""
    errors = [
        FieldProblem(
            path="/" + "/".join(str(p) for p in problem.path),
            message=problem.message,
            code=problem.code,
            extra={"field": problem.field} if problem.field else {},
        )
        for problem in exc.problems
    ]
    return problem(
        422, exc.code.replace(".", "_"), "The rule is invalid.", request=request, errors=errors
    )


def internal_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on our side; it has been logged.",
        request=request,
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ErpError: erp_error_handler,
    RuleError: rule_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "ProblemDetails", "problem"]
