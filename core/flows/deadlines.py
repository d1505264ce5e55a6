"""Deadlines that act: once a level's `deadlineHours` have passed, its `onDeadline` action
runs exactly once for that visit of the level: notify (the default), escalate (the pending
task goes to a named user, as a reassignment does) or reject (as if the system rejected it).
The scheduler daemon calls `apply_overdue_deadlines` periodically (docs/flows.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.audit import record_audit
from core.audit import snapshot as columns_of
from core.database import transaction
from core.flows.definition import LevelDef, load_snapshot
from core.flows.steps import (
    add_action,
    record_rejection,
    users_who_may_act,
)
from core.flows.store import OpenStep, lock_run, write_run
from core.models import (
    Flow,
    FlowAssignment,
    FlowInstance,
    FlowInstanceStatus,
    FlowStep,
    FlowStepRole,
    User,
    new_id,
    utcnow,
)
from core.models.flow_runs import ActionKind, AssignmentSource, AssignmentStatus, StepStatus
from core.notifications import notify

log = logging.getLogger("erp.flows.deadlines")
BATCH = 200


@dataclass(frozen=True, slots=True)
class DeadlineApplied:
    """What the deadline of one level visit did: `action` is what ran (an escalation whose
    user cannot take the task falls back to notify, with `details["error"]`)."""

    company_id: str
    instance_id: str
    step_id: str
    action: str
    details: dict[str, Any] = field(default_factory=dict)


async def apply_overdue_deadlines(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> list[DeadlineApplied]:
    """Apply the onDeadline action of every active level visit whose deadline has passed and
    was not handled yet, each in its own transaction of its company. Several schedulers may
    run this at once: each visit is handled by whoever locks its instance first."""
    now = now or utcnow()
    async with transaction(sessions) as session:
        due = (
            await session.execute(
                sa.select(FlowStep.company_id, FlowStep.instance_id, FlowStep.id)
                .where(
                    FlowStep.status == StepStatus.ACTIVE,
                    FlowStep.due_at <= now,
                    FlowStep.deadline_handled_at.is_(None),
                )
                .order_by(FlowStep.due_at)
                .limit(BATCH)
            )
        ).all()
    applied = []
    for company_id, instance_id, step_id in due:
        try:
            async with transaction(sessions, company_id=company_id) as session:
                done = await apply_deadline(
                    session,
                    company_id=company_id,
                    instance_id=instance_id,
                    step_id=step_id,
                    now=now,
                )
        except Exception:  # one broken instance must not hold up the others
            log.exception("deadline of flow step %s failed; the next round tries again", step_id)
            continue
        if done is not None:
            applied.append(done)
    return applied


async def apply_deadline(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    step_id: str,
    now: datetime | None = None,
) -> DeadlineApplied | None:
    """Apply the deadline action of one level visit, unless someone holds the instance right
    now (the next round retries), the visit is closed, not yet due or already handled."""
    now = now or utcnow()
    # SKIP LOCKED: a person acting on the instance, or another scheduler, holds it; waiting
    # would only find the visit closed or handled.
    run = await lock_run(session, company_id=company_id, instance_id=instance_id, unless_held=True)
    if run is None or run.instance.status is not FlowInstanceStatus.IN_PROGRESS:
        return None
    instance, current = run.instance, run.current
    if current is None or current.step.id != step_id:
        return None
    step = current.step
    if step.deadline_handled_at is not None or step.due_at is None or step.due_at > now:
        return None
    step.deadline_handled_at = now
    snapshot = await load_snapshot(session, company_id=company_id, definition_id=step.definition_id)
    level = snapshot.level(step.level_order)
    flow = await session.scalar(sa.select(Flow).where(Flow.id == instance.flow_id))
    assert flow is not None
    auditor = await _auditor(session, flow)
    before = columns_of(instance)
    action = level.deadline_action or "notify"
    details: dict[str, Any] = {"reason": "deadline", "dueAt": step.due_at.isoformat()}
    if action == "escalate":
        error = await _escalate(session, instance, current, level, details)
        if error is None:
            await write_run(session, run)
            _audit(session, auditor, "flow_instance.reassigned", instance, before, step, details)
            return DeadlineApplied(company_id, instance.id, step.id, action, details)
        details["error"] = error
        action = "notify"
    if action == "reject":
        await record_rejection(
            session,
            instance,
            current,
            snapshot,
            None,
            comment=f"The deadline of level {level.order} ({level.name}) passed.",
            chain_depth=0,
            details=details,
        )
        await write_run(session, run)
        _audit(session, auditor, "flow_instance.rejected", instance, before, step, details)
        return DeadlineApplied(company_id, instance.id, step.id, action, details)
    details["notified"] = await _notify_overdue(session, instance, current, flow, level)
    add_action(
        session, instance, ActionKind.OVERDUE, step=step, details={**details, "action": action}
    )
    await write_run(session, run)
    _audit(session, auditor, "flow_instance.deadline_passed", instance, before, step, details)
    return DeadlineApplied(company_id, instance.id, step.id, action, details)


async def _notify_overdue(
    session: AsyncSession, instance: FlowInstance, current: OpenStep, flow: Flow, level: LevelDef
) -> list[str]:
    """An in-app notification to whoever may act on the level and to the initiator."""
    users = [*await users_who_may_act(session, instance, current), instance.initiator_id]
    notes = await notify(
        session,
        company_id=instance.company_id,
        user_ids=users,
        title=f"Overdue: {flow.name}, level {level.order} ({level.name})",
        body=f"The deadline of level {level.order} ({level.name}) has passed.",
        link=f"/flow-instances/{instance.id}",
        data={
            "instanceId": instance.id,
            "flowId": instance.flow_id,
            "levelOrder": level.order,
            "dueAt": current.step.due_at.isoformat() if current.step.due_at else None,
        },
    )
    return [n.user_id for n in notes]


async def _escalate(
    session: AsyncSession,
    instance: FlowInstance,
    current: OpenStep,
    level: LevelDef,
    details: dict[str, Any],
) -> str | None:
    """Hand the level to the escalation user: everyone still asked (by row or by role) no
    longer is, and that user's decision settles the level. The reason it cannot, or None."""
    target = level.escalate_to
    step = current.step
    user = await session.scalar(
        sa.select(User).where(
            User.id == target, User.company_id == instance.company_id, User.is_active.is_(True)
        )
    )
    if target is None or user is None:
        return f"No active user {target} to escalate to."
    if any(
        a.user_id == target and a.status == AssignmentStatus.APPROVED for a in current.assignments
    ):
        return f"User {target} has already approved this level."
    now = utcnow()
    handed = []
    for assignment in current.assignments:
        if assignment.status == AssignmentStatus.PENDING and assignment.user_id != target:
            assignment.status = AssignmentStatus.REASSIGNED
            assignment.acted_at = now
            handed.append(assignment.user_id)
    # Role holders without a row would still be asked: the level is now the target's alone.
    await session.execute(sa.delete(FlowStepRole).where(FlowStepRole.step_id == step.id))
    if current.pending_for(target) is None:
        # Added to the step's assignments: written with the action's other changes.
        current.assignments.append(
            FlowAssignment(
                id=new_id(),
                company_id=instance.company_id,
                instance_id=instance.id,
                step_id=step.id,
                user_id=target,
                status=AssignmentStatus.PENDING,
                source=AssignmentSource.REASSIGNED,
                created_at=now,
            )
        )
    step.required_approvals = current.approvals() + 1
    details.update({"from": handed, "to": target})
    add_action(session, instance, ActionKind.REASSIGNED, step=step, details=details)
    await notify(
        session,
        company_id=instance.company_id,
        user_ids=[target],
        title=f"Escalated to you: level {level.order} ({level.name})",
        body=f"The deadline of level {level.order} ({level.name}) passed; it is yours now.",
        link=f"/flow-instances/{instance.id}",
        data={"instanceId": instance.id, "flowId": instance.flow_id, "levelOrder": level.order},
    )
    return None


async def _auditor(session: AsyncSession, flow: Flow) -> Principal:
    """Automatic actions are audited under the flow's author (the audit log names a user),
    with `automatic` in their metadata."""
    role = await session.scalar(sa.select(User.role).where(User.id == flow.created_by_id))
    assert role is not None
    return Principal(user_id=flow.created_by_id, role=role, company_id=flow.company_id)


def _audit(
    session: AsyncSession,
    auditor: Principal,
    action: str,
    instance: FlowInstance,
    before: dict[str, Any],
    step: FlowStep,
    details: dict[str, Any],
) -> None:
    record_audit(
        session,
        auditor,
        action,
        "FlowInstance",
        instance.id,
        before=before,
        after=columns_of(instance),
        metadata={
            **details,
            "automatic": True,
            "stepId": step.id,
            "levelOrder": step.level_order,
        },
    )
