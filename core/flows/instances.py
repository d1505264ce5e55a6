"""Reading instances: one instance with whom it waits for, its history (every execution and
decision, who, when, what), and a company's instances filtered by flow, status, initiator
and start date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.errors import NotFound
from core.flows.definition import load_snapshot
from core.flows.steps import OpenStep, holds_step_role, users_who_may_act
from core.models import (
    Flow,
    FlowAction,
    FlowAssignment,
    FlowInstance,
    FlowInstanceStatus,
    FlowStep,
    Task,
    TaskExecution,
    User,
)
from core.models.flow_runs import AssignmentStatus, StepStatus


@dataclass(frozen=True, slots=True)
class Waiting:
    user_id: str
    user_name: str
    source: str
    since: datetime


@dataclass(frozen=True, slots=True)
class CurrentLevel:
    order: int
    name: str
    entered_at: datetime
    due_at: datetime | None
    required_approvals: int
    approvals: int
    waiting_on: list[Waiting]


@dataclass(frozen=True, slots=True)
class InstanceView:
    """An instance, its flow's name, the definition it runs on (and the release that
    definition was frozen from: None when unreleased) and, while it runs, its level."""

    instance: FlowInstance
    flow_name: str
    definition_id: str | None
    current: CurrentLevel | None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One thing that happened to an instance. For a submission, `data` is what was submitted."""

    at: datetime
    kind: str
    level_order: int | None
    level_name: str | None
    actor_id: str | None
    actor_name: str | None
    task_id: str | None
    task_name: str | None
    execution_id: str | None
    data: dict[str, Any] | None
    comment: str | None
    details: dict[str, Any]


def involving(user_id: str) -> sa.ColumnElement[bool]:
    """Instances the user started, was ever asked to act on, or whose current level one of
    their roles acts on."""
    return sa.or_(
        FlowInstance.initiator_id == user_id,
        FlowInstance.id.in_(
            sa.select(FlowAssignment.instance_id).where(FlowAssignment.user_id == user_id)
        ),
        FlowInstance.id.in_(
            sa.select(FlowStep.instance_id).where(
                FlowStep.status == StepStatus.ACTIVE, holds_step_role(user_id)
            )
        ),
    )


async def get_instance(
    session: AsyncSession, *, company_id: str, instance_id: str, viewer_id: str | None = None
) -> InstanceView:
    """The instance; with `viewer_id`, only if that user started it or was asked to act on it."""
    query = (
        sa.select(FlowInstance, Flow.name)
        .join(Flow, Flow.id == FlowInstance.flow_id)
        .where(FlowInstance.id == instance_id, FlowInstance.company_id == company_id)
    )
    if viewer_id is not None:
        query = query.where(involving(viewer_id))
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"Flow instance {instance_id} does not exist.")
    instance, flow_name = row
    step = await session.scalar(
        sa.select(FlowStep)
        .where(FlowStep.instance_id == instance.id)
        .order_by(FlowStep.number.desc())
        .limit(1)
    )
    current = None
    if step is not None and step.status == StepStatus.ACTIVE:
        assignments = (
            await session.execute(
                sa.select(FlowAssignment, User)
                .join(User, User.id == FlowAssignment.user_id)
                .where(FlowAssignment.step_id == step.id)
                .order_by(FlowAssignment.created_at)
            )
        ).all()
        current = CurrentLevel(
            order=step.level_order,
            name=step.level_name,
            entered_at=step.entered_at,
            due_at=step.due_at,
            required_approvals=step.required_approvals,
            approvals=sum(1 for a, _ in assignments if a.status == AssignmentStatus.APPROVED),
            waiting_on=await _waiting_on(session, instance, step, assignments),
        )
    if step is None:
        return InstanceView(instance, flow_name, None, current)
    definition = await load_snapshot(
        session, company_id=company_id, definition_id=step.definition_id
    )
    return InstanceView(instance, flow_name, step.definition_id, current, definition.version)


async def _waiting_on(
    session: AsyncSession,
    instance: FlowInstance,
    step: FlowStep,
    assignments: Sequence[Any],
) -> list[Waiting]:
    """Everyone who may act on the step now; a role holder not yet asked by row is waiting
    since the level was entered."""
    rows = {a.user_id: (a, u) for a, u in assignments if a.status == AssignmentStatus.PENDING}
    users = await users_who_may_act(session, instance, OpenStep(step, [a for a, _ in assignments]))
    others = [u for u in users if u not in rows]
    names = {
        u.id: u.full_name
        for u in (
            await session.scalars(sa.select(User).where(User.id.in_(others))) if others else []
        )
    }
    waiting = []
    for user_id in users:
        if user_id in rows:
            a, u = rows[user_id]
            waiting.append(Waiting(user_id, u.full_name, a.source, a.created_at))
        else:
            waiting.append(Waiting(user_id, names.get(user_id, ""), "ROLE", step.entered_at))
    return sorted(waiting, key=lambda w: (w.since, w.user_id))


async def instance_history(
    session: AsyncSession, *, company_id: str, instance_id: str, viewer_id: str | None = None
) -> list[HistoryEntry]:
    """Everything that happened to the instance, in order."""
    await get_instance(session, company_id=company_id, instance_id=instance_id, viewer_id=viewer_id)
    actor = aliased(User)
    rows = await session.execute(
        sa.select(FlowAction, FlowStep.level_name, actor, Task.name, TaskExecution.data)
        .outerjoin(FlowStep, FlowStep.id == FlowAction.step_id)
        .outerjoin(actor, actor.id == FlowAction.actor_id)
        .outerjoin(TaskExecution, TaskExecution.id == FlowAction.execution_id)
        .outerjoin(Task, Task.id == FlowAction.task_id)
        .where(FlowAction.instance_id == instance_id, FlowAction.company_id == company_id)
        .order_by(FlowAction.created_at, FlowAction.id)
    )
    return [
        HistoryEntry(
            at=action.created_at,
            kind=action.kind,
            level_order=action.level_order,
            level_name=level_name,
            actor_id=action.actor_id,
            actor_name=user.full_name if user else None,
            task_id=action.task_id,
            task_name=task_name,
            execution_id=action.execution_id,
            data=data,
            comment=action.comment,
            details=action.details,
        )
        for action, level_name, user, task_name, data in rows
    ]


@dataclass(frozen=True, slots=True)
class InstanceSummary:
    instance: FlowInstance
    flow_name: str
    level_name: str | None
    definition_id: str | None = None
    version: str | None = None


_LATEST_STEP = aliased(FlowStep)


async def list_instances(
    session: AsyncSession,
    *,
    company_id: str,
    flow_id: str | None = None,
    status: FlowInstanceStatus | None = None,
    initiator_id: str | None = None,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
    viewer_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[InstanceSummary], int]:
    """The company's instances, newest first, and how many match. `started_from` is
    inclusive and `started_to` exclusive; `viewer_id` keeps those the user is involved in."""
    where: list[sa.ColumnElement[bool]] = [FlowInstance.company_id == company_id]
    if flow_id is not None:
        where.append(FlowInstance.flow_id == flow_id)
    if status is not None:
        where.append(FlowInstance.status == status)
    if initiator_id is not None:
        where.append(FlowInstance.initiator_id == initiator_id)
    if started_from is not None:
        where.append(FlowInstance.started_at >= started_from)
    if started_to is not None:
        where.append(FlowInstance.started_at < started_to)
    if viewer_id is not None:
        where.append(involving(viewer_id))
    total = await session.scalar(sa.select(sa.func.count()).select_from(FlowInstance).where(*where))
    # The definition an instance runs on is its latest step's (a migration moves it).
    definition_id = (
        sa.select(_LATEST_STEP.definition_id)
        .where(_LATEST_STEP.instance_id == FlowInstance.id)
        .order_by(_LATEST_STEP.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.select(FlowInstance, Flow.name, FlowStep.level_name, definition_id)
        .join(Flow, Flow.id == FlowInstance.flow_id)
        .outerjoin(
            FlowStep,
            sa.and_(FlowStep.instance_id == FlowInstance.id, FlowStep.status == StepStatus.ACTIVE),
        )
        .where(*where)
        .order_by(FlowInstance.started_at.desc(), FlowInstance.id)
        .limit(limit)
        .offset(offset)
    )
    found = rows.all()
    # A page names few definitions, each parsed once per process (load_snapshot caches).
    versions = {
        d: (await load_snapshot(session, company_id=company_id, definition_id=d)).version
        for d in {row[3] for row in found if row[3] is not None}
    }
    items = [
        InstanceSummary(i, flow_name, level, d, versions.get(d) if d else None)
        for i, flow_name, level, d in found
    ]
    return items, total or 0
