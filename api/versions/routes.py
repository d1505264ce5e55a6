"""Routes of versions: publish, preview, list, lifecycle, rollout, rollback, pause, restore,
resolution of the version a company sees, and migration of running flow instances."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Router, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from api.deps import DB, Actor
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, first_published, page
from api.versions.schemas import (
    EntityType,
    InstallIn,
    InstallOut,
    MigratedOut,
    MigrateIn,
    PauseIn,
    PreviewOut,
    PublishIn,
    ResolvedOut,
    RolloutIn,
    StatusIn,
    VersionOut,
    resolved_out,
)
from core import releases, versions
from core.errors import NotFound
from core.models import Version

READ = {"platform": True}
TAGS = ["versions"]
VersionPage = Annotated[PageOut[VersionOut], first_published(VersionOut)]


def out(row: Version) -> VersionOut:
    return msgspec.convert(row, VersionOut, from_attributes=True)


@get("/", guards=[requires("versions.read")], opt=READ, summary="Versions of an entity")
async def list_versions(
    db: DB,
    entity_type: Annotated[EntityType, QueryParameter(name="entityType")],
    entity_id: Annotated[str, QueryParameter(name="entityId", max_length=36)],
    limit: Limit = 50,
    offset: Offset = 0,
) -> VersionPage:
    rows = await versions.list_versions(db, entity_type=entity_type, entity_id=entity_id)
    return page(rows, limit, offset, out)


@get(
    "/preview",
    guards=[requires("versions.read")],
    opt=READ,
    summary="What publishing the entity now would store",
)
async def preview(
    db: DB,
    entity_type: Annotated[EntityType, QueryParameter(name="entityType")],
    entity_id: Annotated[str, QueryParameter(name="entityId", max_length=36)],
) -> PreviewOut:
    return msgspec.convert(
        await versions.preview_version(db, entity_type=entity_type, entity_id=entity_id),
        PreviewOut,
    )


@get(
    "/resolve",
    guards=[requires("versions.read")],
    opt=READ,
    summary="The version a company sees for an entity",
)
async def resolve(
    db: DB,
    entity_type: Annotated[EntityType, QueryParameter(name="entityType")],
    entity_id: Annotated[str, QueryParameter(name="entityId", max_length=36)],
    company_id: Annotated[str, QueryParameter(name="companyId", max_length=36)],
) -> ResolvedOut:
    seen = await releases.resolve_version(
        db, entity_type=entity_type, entity_id=entity_id, company_id=company_id
    )
    if seen is None:
        raise NotFound("No version reaches this company; the entity's own rows apply.")
    return resolved_out(seen)


@get("/{id:str}", guards=[requires("versions.read")], opt=READ, summary="A version")
async def get_version(db: DB, id: FromPath[str]) -> VersionOut:
    return out(await versions.get_version(db, id))


@post("/", guards=[requires("versions.write")], opt=READ, summary="Publish an entity")
async def publish(db: DB, principal: Actor, data: JSONBody[PublishIn]) -> VersionOut:
    row = await versions.publish_version(
        db,
        principal,
        entity_type=data.entity_type,
        entity_id=data.entity_id,
        version=data.version,
        changes=data.changes,
        draft=data.draft,
        level_map=data.level_map,
    )
    return out(row)


@post("/{id:str}/status", guards=[requires("versions.write")], opt=READ)
async def change_status(
    db: DB, principal: Actor, id: FromPath[str], data: JSONBody[StatusIn]
) -> VersionOut:
    return out(await versions.change_status(db, principal, id, data.status))


@put("/{id:str}/rollout", guards=[requires("versions.write")], opt=READ)
async def set_rollout(
    db: DB, principal: Actor, id: FromPath[str], data: JSONBody[RolloutIn]
) -> VersionOut:
    row = await versions.set_rollout(
        db,
        principal,
        id,
        percentage=data.rollout_percentage,
        clients=data.deployed_to_clients,
    )
    return out(row)


@post(
    "/{id:str}/rollback",
    guards=[requires("versions.write")],
    opt=READ,
    summary="Roll back: the previous version takes over for every company; returns it",
)
async def rollback(db: DB, principal: Actor, id: FromPath[str]) -> VersionOut:
    return out(await versions.rollback(db, principal, id))


@post("/{id:str}/pause", guards=[requires("versions.write")], opt=READ)
async def pause(db: DB, principal: Actor, id: FromPath[str], data: JSONBody[PauseIn]) -> VersionOut:
    await versions.pause(db, principal, id, reason=data.reason)
    return out(await versions.get_version(db, id))


@post("/{id:str}/resume", guards=[requires("versions.write")], opt=READ)
async def resume(db: DB, principal: Actor, id: FromPath[str]) -> VersionOut:
    return out(await versions.resume(db, principal, id))


@post(
    "/{id:str}/restore",
    guards=[requires("versions.write")],
    opt=READ,
    summary="Write the version back onto its entity as a draft",
)
async def restore(db: DB, principal: Actor, id: FromPath[str]) -> dict[str, Any]:
    row = await versions.restore_version(db, principal, id)
    return {"entityId": row.id, "restoredVersionId": id}


@post(
    "/{id:str}/migrations",
    guards=[requires("flows.write")],
    opt=READ,
    summary="Move running instances of a company onto this flow version",
)
async def migrate(
    db: DB, principal: Actor, id: FromPath[str], data: JSONBody[MigrateIn]
) -> list[MigratedOut]:
    company_id = data.company_id if principal.is_developer else principal.company_id
    if company_id is None:
        raise NotFound("Name the company whose instances move (companyId).")
    moved = await versions.migrate_instances(
        db,
        principal,
        version_id=id,
        company_id=company_id,
        level_map=data.level_map,
        instance_ids=data.instance_ids,
    )
    return [
        MigratedOut(
            instance_id=m["instance"]["instanceId"],
            from_level=m["instance"]["levelOrder"],
            to_level=m["toLevel"],
            version=m["version"],
        )
        for m in moved
    ]


@post(
    "/{id:str}/installs",
    guards=[requires("versions.write")],
    opt=READ,
    summary="Install the version's flow or task into a client company it reaches",
)
async def install(
    db: DB, principal: Actor, id: FromPath[str], data: JSONBody[InstallIn]
) -> InstallOut:
    row = await versions.install_version(db, principal, id, data.company_id)
    return InstallOut(
        company_id=row.company_id,
        entity_type=row.entity_type,
        source_id=row.source_id,
        local_id=row.local_id,
    )


router = Router(
    "/versions",
    tags=TAGS,
    route_handlers=[
        list_versions,
        preview,
        resolve,
        get_version,
        publish,
        change_status,
        set_rollout,
        rollback,
        pause,
        resume,
        restore,
        migrate,
        install,
    ],
)
