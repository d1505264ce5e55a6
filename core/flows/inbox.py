"""A user's pending flow tasks: every level they may act on, by a role they hold now, by
explicit assignment or by reassignment, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.flows.definition import load_snapshot
from core.flows.steps import may_act_by_role
from core.models import (
    Flow,
    FlowAssignment,
    FlowInstance,
    FlowInstanceStatus,
    FlowStep,
    FlowStepRole,
    user_roles,
    utcnow,
)
from core.models.flow_runs import AssignmentSource, AssignmentStatus, StepStatus


@dataclass(frozen=True, slots=True)
class LevelTask:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PendingTask:
    """One level of one instance waiting for the user. `tasks` are the level's forms to
    submit; a level without tasks is approved or rejected directly."""

    assignment_id: str | None
    source: str
    assigned_at: datetime
    instance_id: str
    flow_id: str
    flow_name: str
    initiator_id: str
    started_at: datetime
    level_order: int
    level_name: str
    tasks: list[LevelTask]
    due_at: datetime | None
    overdue: bool


async def pending_tasks_for(
    session: AsyncSession,
    *,
    company_id: str,
    user_id: str,
    flow_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PendingTask], int]:
    """The user's pending tasks (overdue and soonest due first, then oldest) and their total.
    A task by role is read against the roles the user holds now (core.flows.steps), so a
    role given after the level was entered brings its task here and one taken away removes
    it; `assignment_id` is None for a task the user has not been assigned by row yet."""
    mine = aliased(FlowAssignment)
    candidates = sa.union(
        sa.select(FlowAssignment.step_id).where(
            FlowAssignment.user_id == user_id, FlowAssignment.status == AssignmentStatus.PENDING
        ),
        sa.select(FlowStepRole.step_id)
        .join(user_roles, user_roles.c.role_id == FlowStepRole.role_id)
        .where(user_roles.c.user_id == user_id),
    )
    where = [
        FlowStep.company_id == company_id,
        FlowStep.id.in_(candidates),
        FlowStep.status == StepStatus.ACTIVE,
        FlowInstance.status == FlowInstanceStatus.IN_PROGRESS,
        sa.or_(
            sa.and_(mine.id.is_not(None), mine.source != AssignmentSource.ROLE),
            may_act_by_role(user_id, mine),
        ),
    ]
    if flow_id is not None:
        where.append(FlowInstance.flow_id == flow_id)
    since = sa.func.coalesce(mine.created_at, FlowStep.entered_at)
    joined = (
        sa.select(FlowStep, FlowInstance, Flow.name, mine.id, mine.source, since)
        .join(FlowInstance, FlowInstance.id == FlowStep.instance_id)
        .join(Flow, Flow.id == FlowInstance.flow_id)
        .outerjoin(
            mine,
            sa.and_(
                mine.step_id == FlowStep.id,
                mine.user_id == user_id,
                mine.status == AssignmentStatus.PENDING,
            ),
        )
        .where(*where)
    )
    total = await session.scalar(sa.select(sa.func.count()).select_from(joined.subquery()))
    rows = await session.execute(
        joined.order_by(FlowStep.due_at.is_(None), FlowStep.due_at, since, FlowStep.id)
        .limit(limit)
        .offset(offset)
    )
    now = utcnow()
    items = []
    for step, instance, flow_name, assignment_id, source, assigned_at in rows:
        snapshot = await load_snapshot(
            session, company_id=company_id, definition_id=step.definition_id
        )
        level = snapshot.level(step.level_order)
        items.append(
            PendingTask(
                assignment_id=assignment_id,
                source=source or AssignmentSource.ROLE,
                assigned_at=assigned_at,
                instance_id=instance.id,
                flow_id=instance.flow_id,
                flow_name=flow_name,
                initiator_id=instance.initiator_id,
                started_at=instance.started_at,
                level_order=step.level_order,
                level_name=step.level_name,
                tasks=[LevelTask(t.id, t.name) for t in level.tasks],
                due_at=step.due_at,
                overdue=step.due_at is not None and step.due_at < now,
            )
        )
    return items, total or 0
