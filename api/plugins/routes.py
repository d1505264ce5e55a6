"""GET /plugins: every plugin tried, its version and what it provides; GET /field-types: the
field types a definition may use, with their settings."""

from __future__ import annotations

from typing import Any

from litestar import Router, get

from api.guards import requires
from api.pagination import Limit, Offset, PageOut, page
from api.structs import Out
from core.plugins.fields import describe
from core.plugins.manager import get_plugins

TAGS = ["plugins"]


class PluginOut(Out):
    name: str
    version: str | None
    builtin: bool
    hooks: list[str]
    provides: dict[str, list[str]]
    problems: list[str]
    error: str | None


class FieldTypeOut(Out):
    name: str
    label: str
    kind: str
    settings: list[str]
    validation: list[str]
    options: bool
    plugin: str
    settings_schema: dict[str, Any] | None
    """JSON Schema of the definition's `settings` object (null: the type takes none)."""
    validation_schema: dict[str, Any] | None
    """JSON Schema of the `validation` keys the type honours (null: none)."""


@get(
    "/plugins",
    opt={"platform": True},
    summary="Loaded plugins, their versions, what each provides and what was skipped",
)
async def list_plugins(limit: Limit = 50, offset: Offset = 0) -> PageOut[PluginOut]:
    return page(
        get_plugins().infos,
        limit,
        offset,
        lambda i: PluginOut(
            name=i.name,
            version=i.version,
            builtin=i.builtin,
            hooks=i.hooks,
            provides=i.provides,
            problems=i.problems,
            error=i.error,
        ),
    )


@get(
    "/field-types",
    opt={"platform": True},
    summary="Field types that task fields, table columns and dataset fields may use, with the "
    "JSON Schemas of their settings and validation",
)
async def list_field_types(limit: Limit = 50, offset: Offset = 0) -> PageOut[FieldTypeOut]:
    contributions = get_plugins().contributions
    return page(
        sorted(contributions.field_types.items()),
        limit,
        offset,
        lambda item: FieldTypeOut(
            **_asdict(describe(item[1], contributions.owner[("field_types", item[0])]))
        ),
    )


def _asdict(info: Any) -> dict[str, Any]:
    return {k: getattr(info, k) for k in info.__slots__}


router = Router(
    guards=[requires("plugins.read")],
    path="/",
    tags=TAGS,
    route_handlers=[
        list_plugins,
        list_field_types,
    ],
)
