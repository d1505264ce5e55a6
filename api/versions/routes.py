"""Routes of versions: publish, preview, list, lifecycle, rollout, rollback, pause, restore,
resolution of the version a company sees, and migration of running flow instances."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Router, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from api.deps import DB, Actor, Config
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, first_published, page
from api.structs import to_out
from api.versions.schemas import (
    AudienceOut,
    CompanyReachOut,
    CompareOut,
    DayCountOut,
    EntityType,
    HealthOut,
    InstallIn,
    InstallOut,
    InstanceAt,
    MigratedOut,
    MigrateIn,
    MigrationPlanIn,
    MigrationPlanOut,
    MoveOut,
    PauseIn,
    PauseOut,
    PreviewOut,
    PublishIn,
    ReleaseStateOut,
    ResolvedOut,
    RolloutIn,
    RunningOut,
    SightOut,
    StatusIn,
    StuckOut,
    VersionOut,
    WatchdogOut,
    resolved_out,
)
from core import releases, versions
from core.errors import NotFound
from core.models import Version
from core.versions.migration import Waiting

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
    "/states",
    guards=[requires("versions.read")],
    opt=READ,
    summary="Whether each definition of a kind in the company differs from its latest release",
)
async def states(
    db: DB,
    principal: Actor,
    entity_type: Annotated[EntityType, QueryParameter(name="entityType")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ReleaseStateOut]:
    rows = await versions.release_states(db, principal, entity_type=entity_type)
    return page(rows, limit, offset, lambda r: to_out(ReleaseStateOut, r))


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


@get(
    "/compare",
    guards=[requires("versions.read")],
    opt=READ,
    summary="The changelog between any two versions of an entity",
)
async def compare(
    db: DB,
    principal: Actor,
    from_id: Annotated[str, QueryParameter(name="from", max_length=36)],
    to_id: Annotated[str, QueryParameter(name="to", max_length=36)],
) -> CompareOut:
    found = await versions.compare_versions(db, principal, from_id, to_id)
    return CompareOut(
        from_version=out(found["from"]),
        to_version=out(found["to"]),
        impact=found["impact"],
        changes=found["changes"],
        change_log=found["changeLog"],
    )


@get(
    "/instances",
    guards=[requires("flows.write")],
    opt=READ,
    summary="Running instances of a flow across its versions, with the level each waits at",
)
async def running_instances(
    db: DB,
    principal: Actor,
    flow_id: Annotated[str, QueryParameter(name="flowId", max_length=36)],
    company_id: Annotated[str | None, QueryParameter(name="companyId", max_length=36)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[RunningOut]:
    rows = await versions.running_instances(
        db, principal, flow_id, company_id=_company(principal, company_id, required=False)
    )
    return page(
        rows,
        limit,
        offset,
        lambda r: RunningOut(
            instance=_at(r.waiting),
            version_id=r.version_id,
            version=r.version,
            started_at=r.started_at,
        ),
    )


def _company(principal: Actor, asked: str | None, *, required: bool = True) -> str | None:
    """The company whose instances are meant: a developer's choice, an admin's own."""
    company_id = asked if principal.is_developer else principal.company_id
    if company_id is None and required:
        raise NotFound("Name the company whose instances move (companyId).")
    return company_id


def _at(w: Waiting) -> InstanceAt:
    return InstanceAt(
        instance_id=w.instance_id,
        company_id=w.company_id,
        flow_id=w.flow_id,
        level_order=w.level_order,
        level_name=w.level_name,
    )


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
    "/{id:str}/migrations/dry-run",
    guards=[requires("flows.write")],
    opt=READ,
    status_code=200,
    summary="What a migration would do: the instances that move and where, and those that cannot",
)
async def plan_migration(
    db: DB, principal: Actor, id: FromPath[str], data: JSONBody[MigrationPlanIn]
) -> MigrationPlanOut:
    company_id = _company(principal, data.company_id)
    assert company_id is not None
    plan = await versions.plan_migration(
        db,
        principal,
        version_id=id,
        company_id=company_id,
        level_map=data.level_map,
        instance_ids=data.instance_ids,
    )
    return MigrationPlanOut(
        version_id=plan.version.id,
        version=plan.version.version,
        moves=[
            MoveOut(instance=_at(m.waiting), to_level=m.to_level, to_level_name=m.to_level_name)
            for m in plan.moves
        ],
        stuck=[StuckOut(instance=_at(s.waiting), reason=s.reason) for s in plan.stuck],
    )


@get(
    "/{id:str}/audience",
    guards=[requires("versions.read")],
    opt=READ,
    summary="Every company: the version it sees now and why, and under a proposed rollout",
    description=(
        "Nothing is written. `rolloutPercentage` and `deployedToClients` propose a rollout of "
        "this version (each left as it is when absent); `proposed` is what each company would "
        "see once `PUT /versions/{id}/rollout` applies the same values: the server's bucket "
        "function and resolution decide both columns."
    ),
)
async def audience(
    db: DB,
    principal: Actor,
    id: FromPath[str],
    rollout_percentage: Annotated[
        int | None, QueryParameter(name="rolloutPercentage", ge=0, le=100)
    ] = None,
    # A thousand company ids fit in a URL the server takes (uvicorn refuses one past 64 KB).
    deployed_to_clients: Annotated[
        list[str] | None, QueryParameter(name="deployedToClients", max_items=1_000)
    ] = None,
) -> AudienceOut:
    found = await releases.rollout_audience(
        db, principal, id, percentage=rollout_percentage, clients=deployed_to_clients
    )

    def sight(s: releases.Sight | None) -> SightOut | None:
        return (
            None
            if s is None
            else SightOut(version_id=s.version_id, version=s.version, reason=s.reason)
        )

    return AudienceOut(
        version_id=found.version.id,
        rollout_percentage=found.percentage,
        deployed_to_clients=found.clients,
        reached_now=found.reached_now,
        reached_proposed=found.reached_proposed,
        companies=[
            CompanyReachOut(
                company_id=c.company_id,
                company_name=c.company_name,
                bucket=c.bucket,
                now=sight(c.now),
                proposed=sight(c.proposed),
            )
            for c in found.companies
        ],
    )


@get(
    "/{id:str}/health",
    guards=[requires("versions.read")],
    opt=READ,
    summary="Pause, the failure-rate watchdog's thresholds and figures, executions per day",
)
async def health(
    db: DB,
    principal: Actor,
    platform_settings: Config,
    id: FromPath[str],
    days: Annotated[int, QueryParameter(ge=1, le=90)] = 7,
) -> HealthOut:
    found = await versions.version_health(
        db, principal, id, automation=platform_settings.automation, days=days
    )
    paused = versions.pause_json(found.pause)
    w = found.watchdog
    return HealthOut(
        version_id=found.version.id,
        pause=None if paused is None else PauseOut(**_snake(paused)),
        companies=found.companies,
        watchdog=WatchdogOut(
            failure_rate=w.failure_rate,
            min_executions=w.min_executions,
            window_seconds=w.window_seconds,
            interval_seconds=w.interval_seconds,
            executions=w.executions,
            failed=w.failed,
            rate=w.rate,
            would_pause=w.would_pause,
        ),
        days=found.days,
        series=[
            DayCountOut(
                day=d.day, company_id=d.company_id, executions=d.executions, failed=d.failed
            )
            for d in found.series
        ],
    )


def _snake(camel: dict[str, Any]) -> dict[str, Any]:
    return {"".join(f"_{c.lower()}" if c.isupper() else c for c in k): v for k, v in camel.items()}


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
        states,
        resolve,
        compare,
        running_instances,
        get_version,
        audience,
        health,
        publish,
        change_status,
        set_rollout,
        rollback,
        pause,
        resume,
        restore,
        migrate,
        plan_migration,
        install,
    ],
)
