"""Defining flows: save a flow's levels, tasks, roles and branches (checked first), publish it
as the definition new instances start on, and pick the definition a new instance pins."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from core.audit import snapshot as columns_of
from core.errors import FieldProblem, NotFound
from core.flows.checks import compile_definition
from core.flows.definition import END
from core.flows.errors import FlowDefinitionInvalid, FlowHasHistory, FlowInUse, FlowNotStartable
from core.models import (
    EntityInstall,
    Flow,
    FlowBranch,
    FlowDefinition,
    FlowInstance,
    FlowInstanceStatus,
    FlowLevel,
    FlowLevelTask,
    FlowStatus,
    Role,
    Task,
    User,
    new_id,
    utcnow,
)
from core.models.base import Base
from core.releases import released_flow_definition


@dataclass(slots=True)
class LevelSpec:
    """A level as an author writes it; `roles` are role ids or names of the company."""

    order: int
    name: str
    description: str | None = None
    task_ids: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class BranchSpec:
    """A branch between levels named by their order; `to_level` may be "END"."""

    name: str
    from_level: int
    to_level: int | str
    conditions: Any
    priority: int = 0


@dataclass(slots=True)
class FlowSpec:
    """A whole flow definition, saved at once."""

    name: str
    levels: list[LevelSpec]
    branches: list[BranchSpec] = field(default_factory=list)
    description: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


async def save_flow(
    session: AsyncSession,
    *,
    company_id: str,
    user_id: str,
    spec: FlowSpec,
    flow_id: str | None = None,
) -> Flow:
    """Create (or replace the definition of) a flow after checking it; FlowDefinitionInvalid
    lists every problem and nothing is written. Running instances are not affected."""
    flow = await _load_flow(session, company_id, flow_id) if flow_id else None
    tasks, roles, problems = await _resolve_spec(session, company_id, spec)
    draft = _draft_of_spec(flow, spec, tasks, roles) if not problems else None
    if draft is not None:
        problems.extend(await escalation_problems(session, company_id, draft))
    if problems or draft is None:
        raise FlowDefinitionInvalid(problems, "The flow cannot run as defined.")
    compile_definition(draft)

    if flow is None:
        flow = Flow(
            company_id=company_id,
            name=spec.name,
            created_by_id=user_id,
            status=FlowStatus.DRAFT,
        )
        session.add(flow)
    flow.name, flow.description, flow.config = spec.name, spec.description, spec.config
    await session.flush()
    await _replace_levels(session, flow, spec, tasks, roles)
    return await _load_flow(session, company_id, flow.id)


async def publish_flow(session: AsyncSession, *, company_id: str, flow_id: str) -> FlowDefinition:
    """Check the flow as it is now and make it the definition new instances start on.
    Instances already running keep the definition they started with."""
    flow = await _load_flow(session, company_id, flow_id, lock=True)
    draft = draft_of_flow(flow)
    problems = await escalation_problems(session, company_id, draft)
    if problems:
        raise FlowDefinitionInvalid(problems, "The flow cannot run as defined.")
    definition = await _store_definition(session, flow, compile_definition(draft))
    now = utcnow()
    definition.published_at = now
    flow.status = FlowStatus.PUBLISHED
    flow.published_at = now
    await session.flush()
    return definition


async def check_flow(session: AsyncSession, *, company_id: str, flow_id: str) -> list[FieldProblem]:
    """Every problem that would stop the flow from being published (empty when it can be)."""
    flow = await _load_flow(session, company_id, flow_id)
    draft = draft_of_flow(flow)
    problems = await escalation_problems(session, company_id, draft)
    try:
        compile_definition(draft)
    except FlowDefinitionInvalid as exc:
        return [*exc.problems, *problems]
    return problems


async def escalation_problems(
    session: AsyncSession, company_id: str, draft: dict[str, Any]
) -> list[FieldProblem]:
    """A level escalating its overdue task must name an active user of the company."""
    named = {}
    for index, level in enumerate(draft["levels"]):
        config = level.get("config")
        on_deadline = config.get("onDeadline") if isinstance(config, dict) else None
        user_id = on_deadline.get("userId") if isinstance(on_deadline, dict) else None
        if isinstance(user_id, str) and user_id.strip():
            named[f"/levels/{index}/config/onDeadline/userId"] = user_id
    if not named:
        return []
    found = set(
        await session.scalars(
            sa.select(User.id).where(
                User.company_id == company_id,
                User.is_active.is_(True),
                User.id.in_(set(named.values())),
            )
        )
    )
    return [
        FieldProblem(path, f"No active user {user_id} in this company.", "not_found")
        for path, user_id in named.items()
        if user_id not in found
    ]


@dataclass(frozen=True, slots=True)
class DeletedFlow:
    """A deleted flow's columns (as an audit trail records them) and what went with it."""

    before: dict[str, Any]
    levels: int
    branches: int


async def delete_flow(session: AsyncSession, *, company_id: str, flow_id: str) -> DeletedFlow:
    """Delete a flow that never ran, with its levels, branches, frozen definitions and
    triggers. A flow with instances keeps its history: FlowInUse while one runs,
    FlowHasHistory once they all finished (archive it instead: archive_flow)."""
    flow = await _load_flow(session, company_id, flow_id, lock=True)
    counts: dict[FlowInstanceStatus, int] = {
        status: count
        for status, count in await session.execute(
            sa.select(FlowInstance.status, sa.func.count())
            .where(FlowInstance.flow_id == flow.id)
            .group_by(FlowInstance.status)
        )
    }
    running = counts.get(FlowInstanceStatus.IN_PROGRESS, 0)
    if running:
        raise FlowInUse(
            f"Flow {flow.name!r} has {running} running instance(s); cancel them or let them "
            "finish, or archive the flow to stop new ones.",
            running=running,
        )
    if counts:
        finished = sum(counts.values())
        raise FlowHasHistory(
            f"Flow {flow.name!r} has {finished} finished instance(s) whose history is kept; "
            "archive the flow instead (POST /flows/{id}/archive).",
            instances=finished,
        )
    before, levels, branches = columns_of(flow), len(flow.levels), len(flow.branches)
    await session.execute(
        sa.delete(EntityInstall).where(
            EntityInstall.entity_type == "Flow", EntityInstall.local_id == flow.id
        )
    )
    # Levels (with their tasks and roles), branches, definitions and triggers go with the
    # row through the foreign keys' ON DELETE CASCADE.
    await session.execute(
        sa.delete(Flow)
        .where(Flow.id == flow.id, Flow.company_id == company_id)
        .execution_options(synchronize_session=False)
    )
    session.expunge(flow)
    return DeletedFlow(before, levels, branches)


async def archive_flow(session: AsyncSession, *, company_id: str, flow_id: str) -> Flow:
    """Archive a flow: no new instance starts on it; running ones finish on their
    definition, and every instance's history stays readable. Idempotent."""
    flow = await _load_flow(session, company_id, flow_id, lock=True)
    flow.status = FlowStatus.ARCHIVED
    await session.flush()
    return flow


async def list_flows(
    session: AsyncSession, *, company_id: str, status: FlowStatus | None = None
) -> list[Flow]:
    """The company's flows by name (of one status, if given)."""
    query = sa.select(Flow).where(Flow.company_id == company_id).order_by(Flow.name, Flow.id)
    if status is not None:
        query = query.where(Flow.status == status)
    return list((await session.scalars(query)).all())


async def active_flows(session: AsyncSession, *, company_id: str) -> list[Flow]:
    """The company's published and active flows by name, their levels in order and each
    level's tasks loaded: one query (joined eager loading), as the seed's first query."""
    rows = await session.scalars(
        sa.select(Flow)
        .where(
            Flow.company_id == company_id,
            Flow.status.in_([FlowStatus.PUBLISHED, FlowStatus.ACTIVE]),
        )
        .options(joinedload(Flow.levels).joinedload(FlowLevel.tasks).joinedload(FlowLevelTask.task))
        .order_by(Flow.name)
    )
    return list(rows.unique())


async def get_flow(session: AsyncSession, *, company_id: str, flow_id: str) -> Flow:
    """The flow with its levels (tasks, roles) and branches loaded."""
    return await _load_flow(session, company_id, flow_id)


async def definition_for_new_instance(
    session: AsyncSession, flow: Flow, latest_published: str | None
) -> str:
    """The id of the definition a new instance of `flow` pins: the latest published one
    (`latest_published`, read with the flow: see `LATEST_PUBLISHED_DEFINITION`); a
    published flow that never went through `publish_flow` (loaded by a seed) is frozen now,
    and a draft flow runs on its current rows (a trial run)."""
    if flow.status is FlowStatus.ARCHIVED:
        raise FlowNotStartable(f"Flow {flow.name!r} is archived.")
    # Versions and rollout: a company that sees a released version of the flow runs on it.
    released = await released_flow_definition(session, flow)
    if released is not None:
        return (await freeze_definition(session, flow, released)).id
    published = flow.status is not FlowStatus.DRAFT
    if published and latest_published is not None:
        return latest_published
    full = await _load_flow(session, flow.company_id, flow.id)
    definition = await _store_definition(session, full, compile_definition(draft_of_flow(full)))
    if published and definition.published_at is None:
        definition.published_at = utcnow()
    return definition.id


_DEFINITIONS = Base.metadata.tables[FlowDefinition.__tablename__]
_FLOWS = Base.metadata.tables[Flow.__tablename__]
LATEST_PUBLISHED_DEFINITION = (
    sa.select(_DEFINITIONS.c.id)
    .where(
        _DEFINITIONS.c.flow_id == _FLOWS.c.id,
        _DEFINITIONS.c.company_id == _FLOWS.c.company_id,
        _DEFINITIONS.c.published_at.is_not(None),
    )
    .order_by(_DEFINITIONS.c.published_at.desc())
    .limit(1)
    .scalar_subquery()
)
"""The id of the latest published definition of the flow (the `flows` row) of the query
it is placed in."""


async def freeze_definition(
    session: AsyncSession, flow: Flow, snapshot: dict[str, Any]
) -> FlowDefinition:
    """Store a released version's definition (see core.versions) for `flow`'s instances."""
    return await _store_definition(session, flow, snapshot)


def branches_in_order(flow: Flow) -> list[FlowBranch]:
    """The flow's branches as the API lists them and its checks number them
    (`/branches/{index}`): by their level, then priority, then name."""
    order_of = {level.id: level.order for level in flow.levels}
    return sorted(
        flow.branches,
        key=lambda b: (order_of.get(b.from_level_id, 0), b.priority, b.name, b.id),
    )


def draft_of_flow(flow: Flow) -> dict[str, Any]:
    """The flow's rows as a draft for `compile_definition` (see `_draft`)."""
    order_of = {level.id: level.order for level in flow.levels}
    levels = [
        _draft_level(
            level.id,
            level.order,
            level.name,
            level.description,
            level.config,
            [link.task for link in level.tasks],
            level.roles,
        )
        for level in flow.levels
    ]
    branches = [
        {
            "id": branch.id,
            "name": branch.name,
            "fromLevel": order_of.get(branch.from_level_id, branch.from_level_id),
            "toLevel": (
                END
                if branch.to_level_id == END
                else order_of.get(branch.to_level_id, branch.to_level_id)
            ),
            "priority": branch.priority,
            "conditions": branch.conditions,
        }
        for branch in branches_in_order(flow)
    ]
    return _draft(flow.id, flow.name, flow.description, flow.version, flow.config, levels, branches)


def _draft(
    flow_id: str,
    name: str,
    description: str | None,
    version: str,
    config: dict[str, Any],
    levels: list[dict[str, Any]],
    branches: list[dict[str, Any]],
) -> dict[str, Any]:
    """The JSON shape that `compile_definition` checks and turns into a snapshot."""
    return {
        "flow": {
            "id": flow_id,
            "name": name,
            "description": description,
            "version": version,
            "config": config,
        },
        "levels": levels,
        "branches": branches,
    }


def _draft_level(
    level_id: str,
    order: int,
    name: str,
    description: str | None,
    config: dict[str, Any],
    tasks: list[Task],
    roles: list[Role],
) -> dict[str, Any]:
    return {
        "id": level_id,
        "order": order,
        "name": name,
        "description": description,
        "config": config,
        "tasks": [
            {
                "id": task.id,
                "name": task.name,
                "version": task.version,
                "fields": task.fields,
                "logic": task.logic,
                "validations": task.validations,
            }
            for task in tasks
        ],
        "roles": [{"id": role.id, "name": role.name} for role in roles],
    }


def _draft_of_spec(
    flow: Flow | None, spec: FlowSpec, tasks: dict[str, Task], roles: dict[str, Role]
) -> dict[str, Any]:
    levels = [
        _draft_level(
            f"level-{level.order}",
            level.order,
            level.name,
            level.description,
            level.config,
            [tasks[tid] for tid in level.task_ids],
            [roles[r] for r in level.roles],
        )
        for level in spec.levels
    ]
    branches = [
        {
            "id": f"branch-{index}",
            "name": branch.name,
            "fromLevel": branch.from_level,
            "toLevel": branch.to_level,
            "priority": branch.priority,
            "conditions": branch.conditions,
        }
        for index, branch in enumerate(spec.branches)
    ]
    return _draft(
        flow.id if flow else "new",
        spec.name,
        spec.description,
        flow.version if flow else "1.0",
        spec.config,
        levels,
        branches,
    )


async def _resolve_spec(
    session: AsyncSession, company_id: str, spec: FlowSpec
) -> tuple[dict[str, Task], dict[str, Role], list[FieldProblem]]:
    """The company's tasks and roles a spec names (roles by id or name), and every unknown one."""
    task_ids = {tid for level in spec.levels for tid in level.task_ids}
    role_keys = {r for level in spec.levels for r in level.roles}
    tasks = {
        t.id: t
        for t in await session.scalars(
            sa.select(Task).where(Task.company_id == company_id, Task.id.in_(task_ids))
        )
    }
    roles: dict[str, Role] = {}
    for role in await session.scalars(
        sa.select(Role).where(
            Role.company_id == company_id, sa.or_(Role.id.in_(role_keys), Role.name.in_(role_keys))
        )
    ):
        roles[role.id] = roles[role.name] = role
    problems = []
    for i, level in enumerate(spec.levels):
        for j, tid in enumerate(level.task_ids):
            if tid not in tasks:
                problems.append(
                    FieldProblem(f"/levels/{i}/taskIds/{j}", f"No task {tid}.", "not_found")
                )
        if len(set(level.task_ids)) != len(level.task_ids):
            problems.append(FieldProblem(f"/levels/{i}/taskIds", "lists a task twice", "duplicate"))
        for j, key in enumerate(level.roles):
            if key not in roles:
                problems.append(
                    FieldProblem(f"/levels/{i}/roles/{j}", f"No role {key}.", "not_found")
                )
    return tasks, roles, problems


async def _replace_levels(
    session: AsyncSession,
    flow: Flow,
    spec: FlowSpec,
    tasks: dict[str, Task],
    roles: dict[str, Role],
) -> None:
    # Clear first with plain statements: the unit of work inserts before it deletes, which
    # would trip the (level, order) unique constraints of rows being replaced.
    level_ids = sa.select(FlowLevel.id).where(FlowLevel.flow_id == flow.id)
    await session.execute(sa.delete(FlowBranch).where(FlowBranch.flow_id == flow.id))
    await session.execute(sa.delete(FlowLevelTask).where(FlowLevelTask.level_id.in_(level_ids)))
    await session.execute(
        sa.delete(FlowLevel).where(
            FlowLevel.flow_id == flow.id,
            FlowLevel.order.not_in([level.order for level in spec.levels]),
        )
    )
    existing = {
        level.order: level
        for level in await session.scalars(
            sa.select(FlowLevel)
            .where(FlowLevel.flow_id == flow.id)
            .options(selectinload(FlowLevel.roles))
            .execution_options(populate_existing=True)
        )
    }
    by_order: dict[int, FlowLevel] = {}
    for level_spec in spec.levels:
        level = existing.get(level_spec.order)
        if level is None:
            level = FlowLevel(
                flow_id=flow.id, company_id=flow.company_id, order=level_spec.order, roles=[]
            )
            session.add(level)
        level.name, level.description = level_spec.name, level_spec.description
        level.config = level_spec.config
        level.roles = list({roles[r].id: roles[r] for r in level_spec.roles}.values())
        by_order[level.order] = level
    await session.flush()
    for level_spec in spec.levels:
        level = by_order[level_spec.order]
        for position, tid in enumerate(level_spec.task_ids, start=1):
            session.add(
                FlowLevelTask(
                    level_id=level.id, task_id=tid, order=position, company_id=flow.company_id
                )
            )
    for branch in spec.branches:
        session.add(
            FlowBranch(
                flow_id=flow.id,
                company_id=flow.company_id,
                name=branch.name,
                from_level_id=by_order[branch.from_level].id,
                to_level_id=END if branch.to_level == END else by_order[int(branch.to_level)].id,
                conditions=branch.conditions,
                priority=branch.priority,
            )
        )
    await session.flush()


async def _load_flow(
    session: AsyncSession, company_id: str, flow_id: str | None, *, lock: bool = False
) -> Flow:
    query = (
        sa.select(Flow)
        .where(Flow.id == flow_id, Flow.company_id == company_id)
        .options(
            selectinload(Flow.levels)
            .selectinload(FlowLevel.tasks)
            .selectinload(FlowLevelTask.task),
            selectinload(Flow.levels).selectinload(FlowLevel.roles),
            selectinload(Flow.branches),
        )
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=Flow)
    flow = await session.scalar(query)
    if flow is None:
        raise NotFound(f"Flow {flow_id} does not exist.")
    return flow


async def _store_definition(
    session: AsyncSession, flow: Flow, snapshot: dict[str, Any]
) -> FlowDefinition:
    """The definition row holding exactly this snapshot, created if new. Two instances
    starting at once may both freeze the same snapshot: the unique digest makes one row."""
    digest = hashlib.sha256(
        json.dumps(snapshot, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(FlowDefinition)
    await session.execute(
        insert.values(
            id=new_id(),
            company_id=flow.company_id,
            flow_id=flow.id,
            digest=digest,
            snapshot=snapshot,
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["flow_id", "digest"])
    )
    definition = await session.scalar(
        sa.select(FlowDefinition).where(
            FlowDefinition.flow_id == flow.id, FlowDefinition.digest == digest
        )
    )
    assert definition is not None
    return definition
