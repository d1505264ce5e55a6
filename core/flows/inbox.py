"""A user's pending flow tasks: every level they are asked to act on, by role, by explicit
assignment or by reassignment, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.flows.definition import load_snapshot
from core.models import Flow, FlowAssignment, FlowInstance, FlowInstanceStatus, FlowStep, utcnow
from core.models.flow_runs import AssignmentStatus, StepStatus


@dataclass(frozen=True, slots=True)
class LevelTask:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PendingTask:
    """One level of one instance waiting for the user. `tasks` are the level's forms to
    submit; a level without tasks is approved or rejected directly."""

    assignment_id: str
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
    """The user's pending tasks (overdue and soonest due first, then oldest) and their total."""
    where = [
        FlowAssignment.company_id == company_id,
        FlowAssignment.user_id == user_id,
        FlowAssignment.status == AssignmentStatus.PENDING,
        FlowStep.status == StepStatus.ACTIVE,
        FlowInstance.status == FlowInstanceStatus.IN_PROGRESS,
    ]
    if flow_id is not None:
        where.append(FlowInstance.flow_id == flow_id)
    joined = (
        sa.select(FlowAssignment, FlowStep, FlowInstance, Flow.name)
        .join(FlowStep, FlowStep.id == FlowAssignment.step_id)
        .join(FlowInstance, FlowInstance.id == FlowAssignment.instance_id)
        .join(Flow, Flow.id == FlowInstance.flow_id)
        .where(*where)
    )
    total = await session.scalar(sa.select(sa.func.count()).select_from(joined.subquery()))
    rows = await session.execute(
        joined.order_by(FlowStep.due_at.is_(None), FlowStep.due_at, FlowAssignment.created_at)
        .limit(limit)
        .offset(offset)
    )
    now = utcnow()
    items = []
    for assignment, step, instance, flow_name in rows:
        snapshot = await load_snapshot(
            session, company_id=company_id, definition_id=step.definition_id
        )
        level = snapshot.level(step.level_order)
        items.append(
            PendingTask(
                assignment_id=assignment.id,
                source=assignment.source,
                assigned_at=assignment.created_at,
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
