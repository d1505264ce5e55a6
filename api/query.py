"""Query strings are checked against what each route declares, before its parameters are
parsed, and every problem is reported at once: a name the route does not know is refused (a
misspelt filter used to be ignored, so the list answered every row of the company), values
must convert to the declared types within their bounds, and booleans and date-times must be
written as the OpenAPI document says (`true`/`false`, RFC 3339), where Litestar's own parsing
would also take `0`, `1` and Unix timestamps such as `0.5`."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
from litestar import Litestar, Request
from litestar.routes import HTTPRoute

from api.errors import body_problems
from api.validation import clean_message
from core.errors import FieldProblem, ValidationFailed

OPEN_QUERY = "open_query"
"""`opt` key of routes called by other systems, which add query parameters of their own
(an OAuth provider's callback): unknown names are let through there."""

RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})",
)
BOOLEANS = frozenset({"true", "false"})


@dataclass(frozen=True)
class Declared:
    type: Any  # with its bounds (msgspec Meta), without None: a query string carries no null
    required: bool
    sequence: bool
    base: Any  # bool for `bool | None`, and so on


@dataclass(frozen=True)
class QueryContract:
    params: dict[str, Declared]  # by the name used in the query string
    open: bool


def install_query_contracts(app: Litestar) -> None:
    """Record, for every route handler, the query parameters it declares (its own and its
    dependencies'), as Litestar resolved them when it built the routes."""
    contracts: dict[int, QueryContract] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, kwargs_model in route.route_handler_map.values():
            if "query" in kwargs_model.expected_reserved_kwargs:
                continue  # takes the whole query string itself
            types_ = {f.name: f.type for f in msgspec.structs.fields(handler.signature_model)}
            params = {
                p.field_alias: Declared(
                    type=_present(types_.get(p.field_name, Any)),
                    required=p.is_required,
                    sequence=p.is_sequence,
                    base=_base(types_.get(p.field_name)),
                )
                for p in kwargs_model.expected_query_params
            }
            contracts[id(handler)] = QueryContract(
                params=params, open=bool(handler.opt.get(OPEN_QUERY))
            )
    app.state.query_contracts = contracts


def query_problems(request: Request[Any, Any, Any]) -> list[FieldProblem]:
    """What is wrong with the request's query string, for the route it reached."""
    contracts: dict[int, QueryContract] = request.app.state.get("query_contracts", {})
    contract = contracts.get(id(request.route_handler))
    if contract is None:
        return []
    problems: list[FieldProblem] = []
    query = request.query_params
    for name in dict.fromkeys(query.keys()):
        where = f"query:{name}"
        declared = contract.params.get(name)
        if declared is None:
            if not contract.open:
                known = ", ".join(sorted(contract.params)) or "none"
                message = f"Unknown query parameter (this route takes: {known})."
                problems.append(FieldProblem(where, message, "unknown_parameter"))
            continue
        values = query.getall(name)
        problem = _value_problem(declared, values if declared.sequence else values[-1])
        if problem:
            problems.append(FieldProblem(where, problem, "invalid"))
    for name, declared in contract.params.items():
        if declared.required and name not in query:
            problems.append(
                FieldProblem(f"query:{name}", "This parameter is required.", "required")
            )
    return problems


def _value_problem(declared: Declared, value: Any) -> str | None:
    for one in value if isinstance(value, list) else [value]:
        if declared.base is bool and one not in BOOLEANS:
            return "Write true or false."
        if declared.base is datetime and not RFC3339.fullmatch(one):
            return "Write an RFC 3339 date-time with its offset, as 2025-01-31T09:00:00Z."
    try:
        msgspec.convert(value, declared.type, strict=False)
    except msgspec.ValidationError as exc:
        return clean_message(str(exc))
    return None


def _present(annotation: Any) -> Any:
    """`annotation` without None: an optional parameter that is absent is None, one that is
    present is a value (msgspec's lenient conversion took `null` for None)."""
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        return Annotated[(_present(inner), *metadata)]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if args and len(args) < len(get_args(annotation)):
            return Union[tuple(args)]  # noqa: UP007 (built at run time)
    return annotation


def _base(annotation: Any) -> Any:
    """`bool` for `bool | None`, and so on."""
    if get_origin(annotation) is Annotated:
        return _base(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _base(args[0]) if len(args) == 1 else None
    return annotation


async def check_query(request: Request[Any, Any, Any]) -> None:
    """Refuse the request, before anything is parsed or written, when its query string breaks
    the route's contract; the body's problems are listed with those of the query (it is not
    parsed past a refused query)."""
    problems = query_problems(request)
    if problems and "json" in request.content_type[0]:
        problems += [p for p in body_problems(request, await request.body()) if p not in problems]
    if problems:
        raise ValidationFailed(problems)
