"""Moving an instance between levels: entering a level (who is asked to act), who may act on
it now, counting votes, branching when a level completes, sending back or failing on a
rejection, and finishing. Callers hold the instance's row lock (see `core.flows.engine`).

Who may act on a step: whoever holds a pending assignment made for them (the initiator, an
explicit assignee, a reassignment), and whoever holds one of the step's roles *now* (see
FlowStepRole): a role given after the level was entered counts, a role taken away no longer
does. A role holder's assignment row is written when the level is entered or, for a holder
who got the role later, when they act."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.events import record_event
from core.flows.definition import FlowSnapshot, LevelDef
from core.flows.delegation import delegates_now
from core.flows.errors import NotYourTurn
from core.flows.store import OpenStep
from core.models import (
    EventType,
    FlowAction,
    FlowAssignment,
    FlowInstance,
    FlowInstanceStatus,
    FlowStep,
    FlowStepRole,
    User,
    new_id,
    user_roles,
    utcnow,
)
from core.models.base import Base
from core.models.flow_runs import ActionKind, AssignmentSource, AssignmentStatus, StepStatus
from core.staging import stage

ACTIONS = Base.metadata.tables[FlowAction.__tablename__]
STEPS = Base.metadata.tables[FlowStep.__tablename__]
STEP_ROLES = Base.metadata.tables[FlowStepRole.__tablename__]
ASSIGNMENTS = Base.metadata.tables[FlowAssignment.__tablename__]


async def open_step(session: AsyncSession, step: FlowStep) -> OpenStep:
    """`step` with everyone asked to act on it."""
    assignments = await session.scalars(
        sa.select(FlowAssignment)
        .where(FlowAssignment.step_id == step.id)
        .order_by(FlowAssignment.created_at)
        .execution_options(populate_existing=True)
    )
    return OpenStep(step, list(assignments))


def add_action(
    session: AsyncSession,
    instance: FlowInstance,
    kind: ActionKind,
    *,
    step: FlowStep | None = None,
    actor_id: str | None = None,
    task_id: str | None = None,
    execution_id: str | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    # History is append-only: staged (core.staging), written with the action's other rows.
    stage(
        session,
        ACTIONS,
        {
            "company_id": instance.company_id,
            "instance_id": instance.id,
            "step_id": step.id if step else None,
            "level_order": step.level_order if step else None,
            "kind": kind,
            "actor_id": actor_id,
            "task_id": task_id,
            "execution_id": execution_id,
            "comment": comment,
            "details": details or {},
            "created_at": _next_moment(session),
        },
    )


def _next_moment(session: AsyncSession) -> datetime:
    """Now, or just after the previous action of this session's transaction: actions staged
    together are inserted in one statement, which does not number them in order, so their
    times do (history is ordered by time, then id)."""
    now = utcnow()
    last: datetime | None = session.info.get("last_flow_action_at")
    if last is not None and now <= last:
        now = last + timedelta(microseconds=1)
    session.info["last_flow_action_at"] = now
    return now


async def enter_level(
    session: AsyncSession,
    instance: FlowInstance,
    snapshot: FlowSnapshot,
    order: int,
    *,
    number: int,
    previous: FlowStep | None = None,
    assignees: list[str] | None = None,
    assigned_by: str | None = None,
    chain_depth: int = 0,
) -> FlowStep:
    """Open step `number` on level `order` (coming from step `previous`) and ask people to
    act: `assignees` when given, else the active holders of the level's roles (never the
    initiator past level 1: nobody approves their own request), else the initiator. Emits
    TASK_STARTED for each of the level's tasks."""
    level = snapshot.level(order)
    if assignees:
        users, source = assignees, AssignmentSource.ASSIGNED
    elif level.role_ids:
        users = await role_holders(session, instance, level)
        source = AssignmentSource.ROLE
        if order > 1:
            users = [u for u in users if u != instance.initiator_id]
    else:
        users, source = [instance.initiator_id], AssignmentSource.INITIATOR
    away = await delegates_now(session, instance.company_id, users)
    users = [away.get(u, u) for u in users]
    now = utcnow()
    columns = {
        "id": new_id(),
        "company_id": instance.company_id,
        "instance_id": instance.id,
        "definition_id": snapshot.definition_id,
        "number": number,
        "level_order": order,
        "level_id": level.id,
        "level_name": level.name,
        "status": StepStatus.ACTIVE,
        "required_approvals": _required(level, len(users)),
        "entered_at": now,
        "due_at": now + timedelta(hours=level.deadline_hours) if level.deadline_hours else None,
        "backtracked": _backtracked(previous, number, order),
    }
    # A new step is staged (core.staging): written after the ORM's changes, so the
    # one-active-step index sees the previous step closed first; the caller gets it as a
    # detached object.
    stage(session, STEPS, columns)
    step = FlowStep(**columns)
    # The step's roles and first assignments are only inserted here: staged with the
    # action's other new rows (core.staging), after the step itself.
    if source is AssignmentSource.ROLE:
        for role_id in dict.fromkeys(level.role_ids):
            stage(
                session,
                STEP_ROLES,
                {"company_id": instance.company_id, "step_id": step.id, "role_id": role_id},
            )
    on_behalf = {delegate: user for user, delegate in away.items()}
    for user_id in dict.fromkeys(users):
        stage(
            session,
            ASSIGNMENTS,
            {
                "company_id": instance.company_id,
                "instance_id": instance.id,
                "step_id": step.id,
                "user_id": user_id,
                "status": AssignmentStatus.PENDING,
                # A delegate does not hold the level's roles: theirs is an assignment of its
                # own, made by the user who is away.
                "source": AssignmentSource.DELEGATED if user_id in on_behalf else source,
                "assigned_by_id": on_behalf.get(user_id, assigned_by),
                "created_at": now,
            },
        )
    for user_id, delegate_id in away.items():
        add_action(
            session,
            instance,
            ActionKind.DELEGATED,
            step=step,
            actor_id=user_id,
            details={"delegateId": delegate_id, "reason": "out of office"},
        )
    instance.current_level_order = order
    _record_tasks_started(session, instance, level, step, list(dict.fromkeys(users)), chain_depth)
    return step


def _record_tasks_started(
    session: AsyncSession,
    instance: FlowInstance,
    level: LevelDef,
    step: FlowStep,
    asked: list[str],
    chain_depth: int,
) -> None:
    """TASK_STARTED per task of the level just entered: the task now waits for `asked` (and
    for whoever gets one of the level's roles later)."""
    for task in level.tasks:
        record_event(
            session,
            EventType.TASK_STARTED,
            company_id=instance.company_id,
            payload={
                "taskId": task.id,
                "taskName": task.name,
                "instanceId": instance.id,
                "flowId": instance.flow_id,
                "initiatorId": instance.initiator_id,
                "levelOrder": level.order,
                "levelName": level.name,
                "stepNumber": step.number,
                "assigneeIds": asked,
                "dueAt": step.due_at.isoformat() if step.due_at else None,
                "data": dict(instance.context_data),
            },
            task_id=task.id,
            flow_id=instance.flow_id,
            chain_depth=chain_depth,
        )


def _backtracked(previous: FlowStep | None, number: int, order: int) -> bool:
    if previous is None:
        return number > 1  # unknown history: assume the instance may have gone back
    return previous.backtracked or order <= previous.level_order


def _required(level: LevelDef, asked: int) -> int:
    """Approvals that close the level. A consensus of more people than were asked needs all
    of them; a level nobody was asked needs the one person it gets reassigned to."""
    if level.completion == "all":
        return max(asked, 1)
    if level.completion == "count":
        return max(min(level.count, asked), 1)
    return 1


USERS = Base.metadata.tables[User.__tablename__]

_ROLE_HOLDERS = (
    sa.select(USERS.c.id)
    .join(user_roles, user_roles.c.user_id == USERS.c.id)
    .where(
        user_roles.c.role_id.in_(sa.bindparam("role_ids", expanding=True)),
        USERS.c.company_id == sa.bindparam("company_id"),
        USERS.c.is_active.is_(True),
    )
    .distinct()
    .order_by(USERS.c.id)
)
_HOLDS_STEP_ROLE = sa.select(
    sa.exists().where(
        STEP_ROLES.c.step_id == sa.bindparam("step_id"),
        user_roles.c.role_id == STEP_ROLES.c.role_id,
        user_roles.c.user_id == sa.bindparam("user_id"),
    )
)


async def role_holders(session: AsyncSession, instance: FlowInstance, level: LevelDef) -> list[str]:
    """The active users of the instance's company holding one of the level's roles now."""
    connection = await session.connection()
    rows = await connection.execute(
        _ROLE_HOLDERS, {"role_ids": list(level.role_ids), "company_id": instance.company_id}
    )
    return list(rows.scalars())


def holds_step_role(user_id: str) -> sa.ColumnElement[bool]:
    """True for a FlowStep one of whose roles the user holds now."""
    return sa.exists().where(
        FlowStepRole.step_id == FlowStep.id,
        user_roles.c.role_id == FlowStepRole.role_id,
        user_roles.c.user_id == user_id,
    )


def may_act_by_role(user_id: str, pending: Any) -> sa.ColumnElement[bool]:
    """For a FlowStep (with its FlowInstance, and `pending` the user's pending assignment on
    it, outer-joined): the user may act on it as a holder of one of its roles. A holder
    without an assignment row may, unless they already acted on the step (or handed it
    on), or started the instance and the step is past level 1."""
    acted = sa.exists().where(
        FlowAssignment.step_id == FlowStep.id,
        FlowAssignment.user_id == user_id,
        FlowAssignment.status != AssignmentStatus.PENDING,
    )
    own_request = sa.and_(FlowStep.level_order > 1, FlowInstance.initiator_id == user_id)
    return sa.and_(
        holds_step_role(user_id),
        sa.or_(pending.id.is_not(None), sa.and_(~acted, ~own_request)),
    )


async def assignment_to_act(
    session: AsyncSession, instance: FlowInstance, current: OpenStep, user_id: str
) -> FlowAssignment:
    """The user's pending assignment on the step, created for a holder of one of its roles
    who has none yet; NotYourTurn if the user may not act on it."""
    step = current.step
    where = f"level {step.level_order} ({step.level_name})"
    pending = current.pending_for(user_id)
    if pending is not None and pending.source != AssignmentSource.ROLE:
        return pending
    holds = current.holds_role
    if current.acting_user != user_id:  # the step was read for someone else
        connection = await session.connection()
        holds = bool(
            await connection.scalar(_HOLDS_STEP_ROLE, {"step_id": step.id, "user_id": user_id})
        )
    if pending is not None:
        if holds:
            return pending
        raise NotYourTurn(f"You no longer hold a role that acts on {where}.")
    statuses = {a.status for a in current.assignments if a.user_id == user_id}
    if AssignmentStatus.APPROVED in statuses or AssignmentStatus.REJECTED in statuses:
        raise NotYourTurn(f"You have already acted on {where}.")
    if AssignmentStatus.REASSIGNED in statuses:
        raise NotYourTurn(f"Your task on {where} was reassigned.")
    if not holds or (step.level_order > 1 and user_id == instance.initiator_id):
        raise NotYourTurn(f"You are not asked to act on {where}.")
    # Added to the step's assignments: written with the action's other changes (write_run).
    assignment = FlowAssignment(
        id=new_id(),
        company_id=instance.company_id,
        instance_id=instance.id,
        step_id=step.id,
        user_id=user_id,
        status=AssignmentStatus.PENDING,
        source=AssignmentSource.ROLE,
        created_at=utcnow(),
    )
    current.assignments.append(assignment)
    return assignment


async def users_who_may_act(
    session: AsyncSession, instance: FlowInstance, current: OpenStep
) -> list[str]:
    """The active users who may act on the step now (see the module's docstring)."""
    step = current.step
    rows = set(a.user_id for a in current.assignments)
    pending = {
        a.user_id: a.source for a in current.assignments if a.status == AssignmentStatus.PENDING
    }
    holders = set(
        await session.scalars(
            sa.select(user_roles.c.user_id)
            .join(FlowStepRole, FlowStepRole.role_id == user_roles.c.role_id)
            .where(FlowStepRole.step_id == step.id)
        )
    )
    users = {u for u, source in pending.items() if source != AssignmentSource.ROLE or u in holders}
    users |= {
        u for u in holders - rows if not (step.level_order > 1 and u == instance.initiator_id)
    }
    if not users:
        return []
    active = await session.scalars(
        sa.select(User.id)
        .where(User.id.in_(users), User.company_id == instance.company_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    return list(active)


async def record_approval(
    session: AsyncSession,
    instance: FlowInstance,
    current: OpenStep,
    snapshot: FlowSnapshot,
    assignment: FlowAssignment,
    *,
    chain_depth: int,
) -> bool:
    """Count the assignee's approval; complete the level when enough people approved.
    Returns True when the level completed."""
    assignment.status = AssignmentStatus.APPROVED
    assignment.acted_at = utcnow()
    step = current.step
    if current.approvals() < step.required_approvals:
        return False
    await close_step(session, current, StepStatus.APPROVED)
    target, branch = snapshot.next_level(step.level_order, instance.context_data)
    add_action(
        session,
        instance,
        ActionKind.ADVANCED,
        step=step,
        details={"toLevel": target, "branch": branch.name if branch else None},
    )
    if target is None:
        await finish(session, instance, FlowInstanceStatus.COMPLETED, chain_depth=chain_depth)
    else:
        await enter_level(
            session,
            instance,
            snapshot,
            target,
            number=step.number + 1,
            previous=step,
            chain_depth=chain_depth,
        )
    return True


async def record_rejection(
    session: AsyncSession,
    instance: FlowInstance,
    current: OpenStep,
    snapshot: FlowSnapshot,
    assignment: FlowAssignment | None,
    *,
    comment: str | None,
    chain_depth: int,
    details: dict[str, Any] | None = None,
) -> None:
    """A rejection closes the level at once: the instance goes back to the level the
    level's config names, or fails. Without `assignment` the system rejects (a deadline)."""
    if assignment is not None:
        assignment.status = AssignmentStatus.REJECTED
        assignment.acted_at = utcnow()
    step = current.step
    await close_step(session, current, StepStatus.REJECTED)
    back_to = snapshot.level(step.level_order).send_back_to
    add_action(
        session,
        instance,
        ActionKind.REJECTED,
        step=step,
        actor_id=assignment.user_id if assignment is not None else None,
        comment=comment,
        details={"sentBackTo": back_to, **(details or {})},
    )
    if back_to is None:
        await finish(session, instance, FlowInstanceStatus.FAILED, chain_depth=chain_depth)
    else:
        await enter_level(
            session,
            instance,
            snapshot,
            back_to,
            number=step.number + 1,
            previous=step,
            chain_depth=chain_depth,
        )


async def close_step(session: AsyncSession, current: OpenStep, status: StepStatus) -> None:
    """Close the step; whoever was still asked to act on it no longer is."""
    current.step.status = status
    current.step.closed_at = utcnow()
    for assignment in current.assignments:
        if assignment.status == AssignmentStatus.PENDING:
            assignment.status = AssignmentStatus.WITHDRAWN
    # No flush needed before the next step is added: a flush updates a table's rows before
    # it inserts new ones, so the one-active-step index sees this step closed first.


async def finish(
    session: AsyncSession,
    instance: FlowInstance,
    status: FlowInstanceStatus,
    *,
    chain_depth: int,
    actor_id: str | None = None,
    comment: str | None = None,
) -> None:
    instance.status = status
    instance.completed_at = utcnow()
    kind = {
        FlowInstanceStatus.COMPLETED: ActionKind.COMPLETED,
        FlowInstanceStatus.FAILED: ActionKind.FAILED,
        FlowInstanceStatus.CANCELLED: ActionKind.CANCELLED,
    }[status]
    add_action(session, instance, kind, actor_id=actor_id, comment=comment)
    if status is FlowInstanceStatus.COMPLETED:
        record_event(
            session,
            EventType.FLOW_COMPLETED,
            company_id=instance.company_id,
            payload=flow_payload(instance),
            flow_id=instance.flow_id,
            chain_depth=chain_depth,
        )


def flow_payload(instance: FlowInstance) -> dict[str, Any]:
    """What FLOW_STARTED and FLOW_COMPLETED carry: the instance and its context data."""
    return {
        "instanceId": instance.id,
        "flowId": instance.flow_id,
        "initiatorId": instance.initiator_id,
        "status": instance.status.value,
        "levelOrder": instance.current_level_order,
        "data": instance.context_data,
    }
