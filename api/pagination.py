"""Every list the API answers is a page: `{"items": [...], "total", "limit", "offset"}`,
chosen with the `limit` and `offset` query parameters (tests/api/test_contract.py holds every
GET route of the OpenAPI document to this)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import KwargDefinition, QueryParameter

T = TypeVar("T")

MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1
"""Larger offsets are refused (422): no list is that long, and PostgreSQL's OFFSET is a
64-bit integer, so 2^63 and beyond failed inside the database."""

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]


class PageOut(msgspec.Struct, Generic[T], rename="camel"):
    items: list[T]
    total: int
    limit: int
    offset: int


FIRST_PUBLISHED_IN: dict[str, str] = {
    "ActiveFlow": "api.queries.routes",
    "AuditLogOut": "api.platform.schemas",
    "EmailTemplateOut": "api.definitions.schemas",
    "FileOut": "api.platform.schemas",
    "IntegrationOut": "api.definitions.schemas",
    "NotificationOut": "api.triggers.schemas",
    "OutgoingEmailOut": "api.platform.schemas",
    "TaskOut": "api.definitions.schemas",
    "VersionOut": "api.platform.schemas",
    "WorkflowOut": "api.definitions.schemas",
}
"""Item types that moved module after their pages were published. Litestar names the
OpenAPI component of a page after its item type's module (`PageOut_api.tasks.schemas.
SubmissionOut_`), and the web app's generated types use those names: these keep theirs."""


def first_published(item: type[Any]) -> KwargDefinition | None:
    """The component name the OpenAPI document first gave pages of `item`, if it moved since
    (FIRST_PUBLISHED_IN): `Annotated[PageOut[Item], first_published(Item)]` keeps it."""
    first = FIRST_PUBLISHED_IN.get(item.__name__)
    if first is None:
        return None
    return KwargDefinition(schema_component_key=f"PageOut_{first}.{item.__name__}_")


def page_of(item: type[Any]) -> Any:
    """The annotation of a page of `item` known only at run time (api.resources)."""
    return Annotated[PageOut[item], first_published(item)]  # type: ignore[valid-type]


def page(
    rows: Iterable[Any], limit: int, offset: int, show: Callable[[Any], T] | None = None
) -> PageOut[T]:
    """The page of an already loaded collection (definitions and catalogues, which are short:
    the long lists, records, instances and executions, page in SQL)."""
    found = list(rows)
    chosen = found[offset : offset + limit]
    return PageOut(
        items=[show(row) for row in chosen] if show else chosen,
        total=len(found),
        limit=limit,
        offset=offset,
    )
