"""The OpenAPI document as the API really answers: the problems each operation may return,
no security requirement on the public routes, query parameters as a query string carries
them, and the headers Litestar's defaults misdescribe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any, ClassVar

from litestar import Litestar
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition
from msgspec import inspect as mi

from api.errors import PROBLEM_JSON, ProblemDetails

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PROBLEMS: Mapping[int, str] = {
    400: "A malformed body (`malformed_json`), or a request the API cannot act on as sent (a "
    "developer naming no company with `X-Company-Id`: `company_required`).",
    401: "Not signed in, or the access token or API key has expired, been revoked or belongs "
    "to a disabled account (`not_authenticated`).",
    403: "The signed-in user's role may not do this (`permission_denied`).",
    404: "No such entity in the company, or no such company (`not_found`).",
    409: "The change contradicts the current state: a duplicate name, an entity still in use, "
    "a stale or finished state (`conflict` and more specific codes).",
    410: "The link has expired.",
    413: "The body is larger than the API accepts.",
    415: "The content is not of a type the API accepts.",
    422: "Invalid input: every offending body field and query parameter is listed in "
    "`errors`, each with its `path` (`/field/...` in the body, `query:name` in the query "
    "string) and `code`.",
    429: "Too many requests (sign-in attempts, or an API key's calls a minute); `Retry-After` "
    "says how many seconds to wait.",
    502: "The vendor or remote system did not answer as it should.",
}
"""What each problem status means, wherever an operation may answer it."""

HTTP_DATE = r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$"

PROBLEM_HEADERS: Mapping[str, Mapping[str, OpenAPIHeader]] = {
    "401": {
        "WWW-Authenticate": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING),
            description="`Bearer` when no usable access token was sent.",
        )
    },
    "429": {
        "Retry-After": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
            description="Seconds to wait before trying again.",
        )
    },
}

FILE_HEADERS: Mapping[str, OpenAPIHeader] = {
    "content-disposition": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description='`attachment; filename="..."`: the name the file was uploaded with.',
    ),
    "content-length": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.INTEGER, minimum=0), description="File size in bytes."
    ),
    "last-modified": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING, pattern=HTTP_DATE),
        description="When the stored file was written, as an HTTP-date (RFC 9110), e.g. "
        "`Tue, 03 Jun 2025 09:00:00 GMT`.",
    ),
    "etag": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING),
        description="Entity tag of the stored file (its modification time and size).",
    ),
}
"""The headers a file download (litestar.response.File) sends: Litestar's defaults call
Last-Modified a date-time (it is an HTTP-date) and the length a string."""


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem responses for `statuses`: a handler declares with `responses=problems(...)`
    those only it may answer (the others each operation may answer are derived by
    `document_operations`)."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            media_type=PROBLEM_JSON,
            description=PROBLEMS[status],
            generate_examples=False,
        )
        for status in statuses
    }


RAW_BODY = "raw_body"
"""`opt` key of routes that read their body themselves (Litestar documents only bodies it
parses): the body's media type, for the document."""
ALSO_SENDS = "also_sends"
"""`opt` key of routes whose success may come in other media types than the one Litestar
documents (a parameter chooses): those types."""


@dataclass
class ApiOperation(Operation):
    """An operation as the API answers it: error responses are problem documents (the
    JSON ones Litestar adds by default describe what the API never sends), problems carry
    their headers, query parameters cannot be null (an absent one is the default), and a
    file download's headers are what it sends. Subclassed per kind of route
    (`operation_class`): a public one requires no token, a body the handler reads itself is
    documented, and so are the other media types a success may come in."""

    public: ClassVar[bool] = False
    raw_body: ClassVar[str | None] = None
    also_sends: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        if self.public:
            self.security = []
        if self.raw_body is not None and self.request_body is None:
            self.request_body = RequestBody(
                content={self.raw_body: OpenAPIMediaType(schema=_RAW_SCHEMAS[self.raw_body])},
                required=True,
            )
        for parameter in self.parameters or []:
            if isinstance(parameter, Parameter) and parameter.param_in == "query":
                parameter.schema = _whole_bounds(_not_null(parameter.schema))
        responses = self.responses or {}
        for status, response in list(responses.items()):
            if not isinstance(response, OpenAPIResponse):
                continue
            if status >= "400" and _litestar_error(response):
                del responses[status]
                continue
            if status < "300" and response.content and self.also_sends:
                for media_type in self.also_sends:
                    response.content[media_type] = OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.STRING, content_media_type=media_type)
                    )
            if status in PROBLEM_HEADERS:
                response.headers = {**(response.headers or {}), **PROBLEM_HEADERS[status]}
            if response.headers and "last-modified" in response.headers:
                response.headers = {**response.headers, **FILE_HEADERS}


_RAW_SCHEMAS: Mapping[str, Schema] = {
    "text/csv": Schema(type=OpenAPIType.STRING, description="UTF-8 CSV with a header row."),
    "application/json": Schema(description="Any JSON: the payload as its sender signed it."),
}


def _litestar_error(response: OpenAPIResponse) -> bool:
    """Whether `response` is one Litestar documents by default (`{status_code, detail,
    extra}` as JSON), which the API never sends: its errors are problem documents."""
    content = response.content or {}
    schema = content["application/json"].schema if "application/json" in content else None
    return isinstance(schema, Schema) and "status_code" in (schema.properties or {})


@cache
def operation_class(
    public: bool, raw_body: str | None, also_sends: tuple[str, ...]
) -> type[ApiOperation]:
    """The operation class of routes that are `public` (or not), read a `raw_body` or may
    answer in other media types."""
    if not public and raw_body is None and not also_sends:
        return ApiOperation
    name = "Public" * public + "RawBody" * (raw_body is not None) + "Typed" * bool(also_sends)
    name += "Operation"
    return type(
        name, (ApiOperation,), {"public": public, "raw_body": raw_body, "also_sends": also_sends}
    )


def _not_null(schema: Any) -> Any:
    """`schema` without the null alternative Litestar gives optional parameters."""
    if isinstance(schema, Schema) and isinstance(schema.type, list):
        kinds = [t for t in schema.type if t != OpenAPIType.NULL]
        schema.type = kinds[0] if len(kinds) == 1 else kinds
        if schema.enum:
            schema.enum = [value for value in schema.enum if value is not None]
    if isinstance(schema, Schema) and schema.one_of:
        rest = [
            s for s in schema.one_of if not (isinstance(s, Schema) and s.type == OpenAPIType.NULL)
        ]
        schema.one_of = rest
        if len(rest) == 1 and isinstance(rest[0], Schema):
            # Litestar writes the bounds beside the alternatives: they go with the one left.
            outer = {
                f.name: getattr(schema, f.name)
                for f in fields(schema)
                if f.name != "one_of" and getattr(schema, f.name) is not None
            }
            inner = rest[0]
            return replace(inner, **{k: v for k, v in outer.items() if getattr(inner, k) is None})
    return schema


def _whole_bounds(schema: Any) -> Any:
    """`schema` with its whole-number bounds written as integers: Litestar writes every bound
    as a float (`maximum: 200.0`), which reads as a bound on a number, not on an integer."""
    if isinstance(schema, Schema):
        for bound in ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum"):
            value = getattr(schema, bound)
            if isinstance(value, float) and value.is_integer():
                setattr(schema, bound, int(value))
        for nested in (*(schema.one_of or []), *(schema.properties or {}).values(), schema.items):
            _whole_bounds(nested)
    return schema


class StructSchemas(StructSchemaPlugin):
    """Litestar's schemas of msgspec structs, saying what msgspec decodes: a body refuses
    unknown fields (`forbid_unknown_fields`), and the bounds Litestar leaves out (those of
    list items, dictionary values and the members of a union) are there."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        info = mi.type_info(struct)
        if isinstance(info, mi.StructType):
            for field in info.fields:
                _constrain((schema.properties or {}).get(field.encode_name), field.type)
        return _whole_bounds(schema)


_KINDS: Mapping[type[mi.Type], OpenAPIType] = {
    mi.IntType: OpenAPIType.INTEGER,
    mi.FloatType: OpenAPIType.NUMBER,
    mi.StrType: OpenAPIType.STRING,
    mi.ListType: OpenAPIType.ARRAY,
    mi.SetType: OpenAPIType.ARRAY,
    mi.FrozenSetType: OpenAPIType.ARRAY,
    mi.VarTupleType: OpenAPIType.ARRAY,
    mi.DictType: OpenAPIType.OBJECT,
    mi.NoneType: OpenAPIType.NULL,
}


def _constrain(schema: Any, kind: mi.Type) -> None:
    """Add to `schema` (Litestar's) the constraints msgspec holds values of `kind` to."""
    if not isinstance(schema, Schema):
        return  # a component of its own (a struct, an enum): constrained where it is made
    if isinstance(kind, mi.UnionType) or schema.one_of:
        members = schema.one_of or [schema]
        for member in kind.types if isinstance(kind, mi.UnionType) else [kind]:
            same = [
                m for m in members if isinstance(m, Schema) and m.type == _KINDS.get(type(member))
            ]
            if len(same) == 1:
                _constrain(same[0], member)
        return
    if isinstance(kind, mi.IntType | mi.FloatType):
        for ours, theirs in (
            ("minimum", kind.ge),
            ("maximum", kind.le),
            ("exclusive_minimum", kind.gt),
            ("exclusive_maximum", kind.lt),
            ("multiple_of", kind.multiple_of),
        ):
            if theirs is not None and getattr(schema, ours) is None:
                setattr(schema, ours, theirs)
    elif isinstance(kind, mi.StrType):
        schema.min_length = schema.min_length if kind.min_length is None else kind.min_length
        schema.max_length = schema.max_length if kind.max_length is None else kind.max_length
        schema.pattern = schema.pattern or kind.pattern
    elif isinstance(
        kind,
        mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType,
    ):
        schema.min_items = schema.min_items if kind.min_length is None else kind.min_length
        schema.max_items = schema.max_items if kind.max_length is None else kind.max_length
        _constrain(schema.items, kind.item_type)
    elif isinstance(kind, mi.DictType):
        schema.min_properties = (
            schema.min_properties if kind.min_length is None else kind.min_length
        )
        schema.max_properties = (
            schema.max_properties if kind.max_length is None else kind.max_length
        )
        if isinstance(kind.key_type, mi.StrType) and schema.property_names is None:
            names = Schema(type=OpenAPIType.STRING)
            _constrain(names, kind.key_type)
            if names.min_length is not None or names.max_length or names.pattern:
                schema.property_names = names
        _constrain(schema.additional_properties, kind.value_type)


def derived_problems(handler: HTTPRouteHandler, route: HTTPRoute) -> list[int]:
    """The problem statuses any operation like `handler`'s may answer, from what it takes:
    every query string is checked (422); a body may be malformed or too large (400, 413);
    a signed-in route may find the token or the role wanting (401, 403), its developer
    naming no company or an unknown one (400, 404), an API key over its rate (429); a path
    names something that may not exist (404); a write may conflict with the current state
    (409)."""
    public = bool(handler.opt.get("public"))
    body = "data" in handler.parsed_fn_signature.parameters or RAW_BODY in handler.opt
    statuses = {422}
    if body:
        statuses |= {400, 413}
    if route.path_parameters:
        statuses.add(404)
    if not public:
        statuses |= {400, 401, 403, 404, 429}
        if handler.http_methods & WRITES:
            statuses.add(409)
    return sorted(statuses)


def document_operations(app: Litestar) -> None:
    """Give every route handler of `app` the problem responses it may answer (besides the
    ones it declares) and the operation class that documents it truthfully. The document
    itself is built on its first request, from these."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, _ in route.route_handler_map.values():
            declared = dict(handler.responses or {})
            handler.responses = {**problems(*derived_problems(handler, route)), **declared}
            handler.operation_class = operation_class(
                bool(handler.opt.get("public")),
                handler.opt.get(RAW_BODY),
                tuple(handler.opt.get(ALSO_SENDS, ())),
            )
