"""Routes of definitions as code: the company's definitions as a bundle (JSON or a zip of
the YAML files), a plan of what applying files would change, and the apply. Thin handlers
over core.definitions, guarded by the builders' permissions of every kind."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Response, Router, get, post
from litestar.params import JSONBody, QueryParameter

from api.definitions.schemas import BundleIn, BundleOut, PlanOut, plan_out
from api.deps import DB, Actor, Config
from api.guards import requires
from api.openapi import ALSO_SENDS
from core import definitions
from core.tenancy import company_of

TAGS = ["definitions"]
READING = [requires(permission) for permission in definitions.READ_PERMISSIONS]
WRITING = [*READING, *(requires(p) for p in definitions.WRITE_PERMISSIONS)]
Format = Annotated[
    Literal["json", "zip"],
    QueryParameter(description="json: the bundle; zip: the YAML files `erp export` writes"),
]


@get(
    "/definitions/export",
    guards=READING,
    summary="The company's definitions, one document per file (ids named by name)",
    opt={ALSO_SENDS: ("application/zip",)},
)
async def export(
    db: DB, principal: Actor, platform_settings: Config, format: Format = "json"
) -> Response[Any]:
    files = await definitions.export_definitions(db, principal, platform_settings)
    if format == "zip":
        return Response(
            definitions.zip_files(files),
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="definitions.zip"'},
        )
    return Response(BundleOut(company_id=company_of(principal), files=files))


@post(
    "/definitions/plan",
    guards=WRITING,
    status_code=200,
    summary="What applying the files would create, change and delete (nothing is written)",
)
async def plan(
    db: DB, principal: Actor, platform_settings: Config, data: JSONBody[BundleIn]
) -> PlanOut:
    planned = await definitions.plan_definitions(
        db, principal, platform_settings, data.files, delete=data.delete, secrets=data.secrets
    )
    return plan_out(planned, applied=False)


@post(
    "/definitions/apply",
    guards=WRITING,
    status_code=200,
    summary="Make the company's definitions those of the files, all or nothing",
)
async def apply(
    db: DB, principal: Actor, platform_settings: Config, data: JSONBody[BundleIn]
) -> PlanOut:
    applied = await definitions.apply_definitions(
        db, principal, platform_settings, data.files, delete=data.delete, secrets=data.secrets
    )
    return plan_out(applied, applied=True)


router = Router(path="/", tags=TAGS, route_handlers=[export, plan, apply])
