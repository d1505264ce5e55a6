"""Running flow instances and new versions: find instances waiting at levels a version
removes, and move running instances onto a version with a level mapping."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.flows.authoring import freeze_definition
from core.flows.definition import load_snapshot
from core.flows.steps import add_action, close_step, enter_level, open_step
from core.models import (
    EntityInstall,
    Flow,
    FlowDefinition,
    FlowInstance,
    FlowInstanceStatus,
    FlowStep,
    Version,
    VersionStatus,
)
from core.models.flow_runs import ActionKind, StepStatus
from core.releases.running import flow_definition_for
from core.versions.errors import InstancesNeedMapping, TransitionRefused

LevelMap = dict[str, int]
"""Where waiting instances go: {old level order (as text) or old level name: new order}."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """A running instance and the level it waits at."""

    instance_id: str
    company_id: str
    flow_id: str
    level_order: int
    level_name: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            "instanceId": data["instance_id"],
            "companyId": data["company_id"],
            "flowId": data["flow_id"],
            "levelOrder": data["level_order"],
            "levelName": data["level_name"],
        }


async def waiting_instances(
    session: AsyncSession, source_id: str, *, company_id: str | None = None
) -> list[Waiting]:
    """Running instances of the flow and of every company's install of it."""
    installs = sa.select(EntityInstall.local_id).where(
        EntityInstall.entity_type == "Flow", EntityInstall.source_id == source_id
    )
    query = (
        sa.select(
            FlowInstance.id,
            FlowInstance.company_id,
            FlowInstance.flow_id,
            FlowStep.level_order,
            FlowStep.level_name,
        )
        .join(FlowStep, FlowStep.instance_id == FlowInstance.id)
        .where(
            sa.or_(FlowInstance.flow_id == source_id, FlowInstance.flow_id.in_(installs)),
            FlowInstance.status == FlowInstanceStatus.IN_PROGRESS,
            FlowStep.status == StepStatus.ACTIVE,
        )
        .order_by(FlowInstance.started_at, FlowInstance.id)
    )
    if company_id is not None:
        query = query.where(FlowInstance.company_id == company_id)
    return [Waiting(*row) for row in await session.execute(query)]


def _levels(snapshot: dict[str, Any]) -> dict[str, int]:
    return {str(level["name"]).casefold(): level["order"] for level in snapshot["levels"]}


def _target(waiting: Waiting, level_map: LevelMap | None, levels: dict[str, int]) -> int | None:
    if level_map:
        for key in (str(waiting.level_order), waiting.level_name):
            if key in level_map:
                return level_map[key]
    return levels.get(waiting.level_name.casefold())


def _check_map(level_map: LevelMap | None, levels: dict[str, int]) -> None:
    orders = set(levels.values())
    problems = [
        FieldProblem(f"/levelMap/{key}", f"the new version has no level {order!r}", "unknown_level")
        for key, order in (level_map or {}).items()
        if type(order) is not int or order not in orders
    ]
    if problems:
        raise ValidationFailed(problems)


async def check_waiting_instances(
    session: AsyncSession,
    flow_id: str,
    snapshot: dict[str, Any],
    level_map: LevelMap | None,
) -> list[Waiting]:
    """The running instances waiting at a level the new snapshot no longer has (matched by
    name); InstancesNeedMapping if any of them is not mapped to a new level."""
    levels = _levels(snapshot["definition"])
    _check_map(level_map, levels)
    affected = [
        w
        for w in await waiting_instances(session, flow_id)
        if w.level_name.casefold() not in levels
    ]
    unmapped = [w for w in affected if _target(w, level_map, levels) is None]
    if unmapped:
        raise InstancesNeedMapping(
            f"{len(unmapped)} running instance(s) wait at levels this version removes; "
            "map each level to a level of the new version (levelMap).",
            instances=[w.as_json() for w in unmapped],
        )
    return affected


async def migrate_waiting(
    session: AsyncSession,
    principal: Principal,
    version: Version,
    waiting: list[Waiting],
    level_map: LevelMap | None,
) -> list[dict[str, Any]]:
    levels = _levels(version.snapshot["definition"])
    moved = []
    for w in waiting:
        target = _target(w, level_map, levels)
        assert target is not None  # check_waiting_instances refused unmapped instances
        moved.append(await _move(session, principal, version, w, target))
    return moved


@dataclass(frozen=True, slots=True)
class Running:
    """A running instance, where it waits, and the flow version it runs (None: the flow's
    own rows, before any release reached its company)."""

    waiting: Waiting
    version_id: str | None
    version: str | None
    started_at: datetime


async def running_instances(
    session: AsyncSession, principal: Principal, flow_id: str, *, company_id: str | None
) -> list[Running]:
    """The running instances of a platform flow (and of every install of it), oldest first,
    each with its version: those of `company_id` only, or of every company (a developer's
    platform view, `company_id` None)."""
    require(principal, "flows.write")
    waiting = await waiting_instances(session, flow_id, company_id=company_id)
    if not waiting:
        return []
    rows = await session.execute(
        sa.select(FlowInstance.id, FlowInstance.started_at, FlowDefinition.snapshot)
        .join(FlowStep, FlowStep.instance_id == FlowInstance.id)
        .join(FlowDefinition, FlowDefinition.id == FlowStep.definition_id)
        .where(
            FlowInstance.id.in_([w.instance_id for w in waiting]),
            FlowStep.status == StepStatus.ACTIVE,
        )
    )
    runs = {
        instance_id: (started_at, (snapshot or {}).get("flow") or {})
        for instance_id, started_at, snapshot in rows
    }
    running = []
    for w in waiting:
        started_at, flow = runs[w.instance_id]
        # A definition frozen from a version names it; one from the flow's rows says "1.0",
        # which is no release.
        version_id = flow.get("versionId")
        running.append(
            Running(w, version_id, flow.get("version") if version_id else None, started_at)
        )
    return running


@dataclass(frozen=True, slots=True)
class Move:
    waiting: Waiting
    to_level: int
    to_level_name: str


@dataclass(frozen=True, slots=True)
class Stuck:
    waiting: Waiting
    reason: str


@dataclass(frozen=True, slots=True)
class MigrationPlan:
    """What migrating would do: the instances that move (and where) and those that cannot."""

    version: Version
    moves: list[Move]
    stuck: list[Stuck]


async def plan_migration(
    session: AsyncSession,
    principal: Principal,
    *,
    version_id: str,
    company_id: str,
    level_map: LevelMap | None = None,
    instance_ids: list[str] | None = None,
) -> MigrationPlan:
    """A dry run of migrate_instances with the same arguments: nothing moves; each instance is
    listed with the level it would go to, or why it cannot go (no level of its name and no
    mapping for it)."""
    require(principal, "flows.write")
    version, waiting = await _migration_inputs(
        session,
        version_id=version_id,
        company_id=company_id,
        level_map=level_map,
        instance_ids=instance_ids,
    )
    levels = _levels(version.snapshot["definition"])
    names = {
        level["order"]: str(level["name"]) for level in version.snapshot["definition"]["levels"]
    }
    moves, stuck = [], []
    for w in waiting:
        target = _target(w, level_map, levels)
        if target is None:
            stuck.append(
                Stuck(
                    w,
                    f"Version {version.version} has no level {w.level_name!r}; "
                    f"map level {w.level_order} to one of its levels.",
                )
            )
        else:
            moves.append(Move(w, target, names.get(target, "")))
    return MigrationPlan(version, moves, stuck)


async def _migration_inputs(
    session: AsyncSession,
    *,
    version_id: str,
    company_id: str,
    level_map: LevelMap | None,
    instance_ids: list[str] | None,
) -> tuple[Version, list[Waiting]]:
    version = await session.get(Version, version_id)
    if version is None or version.entity_type != "Flow":
        raise NotFound(f"Flow version {version_id} does not exist.")
    if version.status is VersionStatus.DRAFT:
        raise TransitionRefused("A draft version runs no instances; publish it first.")
    _check_map(level_map, _levels(version.snapshot["definition"]))
    waiting = await waiting_instances(session, version.entity_id, company_id=company_id)
    if instance_ids is not None:
        wanted = set(instance_ids)
        waiting = [w for w in waiting if w.instance_id in wanted]
        missing = wanted - {w.instance_id for w in waiting}
        if missing:
            raise NotFound(
                f"No running instance {', '.join(sorted(missing))} of this flow.",
                instances=sorted(missing),
            )
    return version, waiting


async def migrate_instances(
    session: AsyncSession,
    principal: Principal,
    *,
    version_id: str,
    company_id: str,
    level_map: LevelMap | None = None,
    instance_ids: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Move the company's running instances of the version's flow (or those listed) onto
    the version: each goes to the level of the same name, or where `level_map` says."""
    require(principal, "flows.write")
    version, waiting = await _migration_inputs(
        session,
        version_id=version_id,
        company_id=company_id,
        level_map=level_map,
        instance_ids=instance_ids,
    )
    levels = _levels(version.snapshot["definition"])
    unmapped = [w for w in waiting if _target(w, level_map, levels) is None]
    if unmapped:
        raise InstancesNeedMapping(
            f"{len(unmapped)} instance(s) wait at levels the version does not have.",
            instances=[w.as_json() for w in unmapped],
        )
    return await migrate_waiting(session, principal, version, waiting, level_map)


async def _move(
    session: AsyncSession, principal: Principal, version: Version, waiting: Waiting, target: int
) -> dict[str, Any]:
    instance = await session.scalar(
        sa.select(FlowInstance)
        .where(FlowInstance.id == waiting.instance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    step = await session.scalar(
        sa.select(FlowStep).where(
            FlowStep.instance_id == waiting.instance_id, FlowStep.status == StepStatus.ACTIVE
        )
    )
    flow = await session.get(Flow, waiting.flow_id)
    assert instance is not None and step is not None and flow is not None
    definition = await freeze_definition(
        session,
        flow,
        await flow_definition_for(session, version, company_id=waiting.company_id, flow_id=flow.id),
    )
    snapshot = await load_snapshot(
        session, company_id=waiting.company_id, definition_id=definition.id
    )
    await close_step(session, await open_step(session, step), StepStatus.CANCELLED)
    new_step = await enter_level(session, instance, snapshot, target, number=step.number + 1)
    details = {
        "migration": {
            "versionId": version.id,
            "version": version.version,
            "fromLevel": waiting.level_order,
            "fromLevelName": waiting.level_name,
            "toLevel": target,
        }
    }
    add_action(
        session,
        instance,
        ActionKind.ADVANCED,
        step=new_step,
        actor_id=principal.user_id,
        details=details,
    )
    record_audit(
        session,
        principal,
        "flow_instance.migrated",
        "FlowInstance",
        instance.id,
        company_id=waiting.company_id,
        metadata=details["migration"],
    )
    await session.flush()
    return {"instance": waiting.as_json(), "toLevel": target, "version": version.version}
