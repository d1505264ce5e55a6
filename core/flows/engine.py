"""Running flows: start an instance, execute a level's tasks, approve, reject, reassign, cancel.
Every action on an instance first locks its row (SELECT ... FOR UPDATE on PostgreSQL), so
people acting at the same moment are serialised: no level advances twice, no vote is lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import snapshot as columns_of
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.events import record_event
from core.flows.authoring import LATEST_PUBLISHED_DEFINITION, definition_for_new_instance
from core.flows.definition import FlowSnapshot, LevelDef, TaskDef, load_snapshot
from core.flows.errors import (
    AlreadyAssigned,
    InstanceClosed,
    LevelMoved,
    MissingPermission,
    NotYourTurn,
    TaskNotOnLevel,
    TasksPending,
)
from core.flows.steps import (
    ACTIONS,
    add_action,
    assignment_to_act,
    close_step,
    enter_level,
    finish,
    flow_payload,
    record_approval,
    record_rejection,
    users_who_may_act,
)
from core.flows.store import INSTANCES, OpenStep, Run, lock_run, write_run
from core.models import (
    EventType,
    ExecutionStatus,
    Flow,
    FlowAssignment,
    FlowInstance,
    FlowInstanceStatus,
    FlowStep,
    Role,
    TaskExecution,
    User,
    UserRole,
    new_id,
    user_roles,
    utcnow,
)
from core.models.base import Base
from core.models.flow_runs import ActionKind, AssignmentSource, AssignmentStatus, StepStatus
from core.schema import validate_submission, validate_values
from core.staging import stage

EXECUTIONS = Base.metadata.tables[TaskExecution.__tablename__]
FLOWS = Base.metadata.tables[Flow.__tablename__]
USERS = Base.metadata.tables[User.__tablename__]
ROLES = Base.metadata.tables[Role.__tablename__]

OVERSEERS = frozenset({UserRole.ADMIN, UserRole.DEVELOPER})
"""User roles that may cancel any instance and reassign any pending task of their company."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: the instance afterwards, its columns before (as an audit trail
    records them), the execution it recorded (if any), whether it closed the level the
    instance was on, and the definition the instance runs on."""

    instance: FlowInstance
    before: dict[str, Any]
    execution: TaskExecution | None = None
    level_closed: bool = False
    definition: FlowSnapshot | None = None


async def start_flow(
    session: AsyncSession,
    *,
    company_id: str,
    flow_id: str,
    initiator_id: str,
    data: dict[str, Any] | None = None,
    assign_to: str | None = None,
    chain_depth: int = 0,
) -> FlowInstance:
    """Start an instance at the first level, pinned to the flow's current definition, and
    emit FLOW_STARTED. `data` seeds the context data as it is (a trigger's passData);
    `assign_to` (a user id or email, or a role id or name) asks those people to act on the
    first level instead of its role holders."""
    started = await _start(
        session,
        company_id=company_id,
        flow_id=flow_id,
        initiator_id=initiator_id,
        data=data,
        assign_to=assign_to,
        chain_depth=chain_depth,
        check_data=False,
    )
    return started.instance


async def start_instance(
    session: AsyncSession,
    *,
    company_id: str,
    flow_id: str,
    initiator_id: str,
    data: dict[str, Any] | None = None,
    assign_to: str | None = None,
) -> ActionResult:
    """A person starts an instance (see `start_flow`); the result names the definition it
    pinned. `data` pre-fills the flow's forms: each key must be a field (id or label) of a
    task of that definition and each value valid for the field, as a submission checks it
    (required fields, logic and cross-field validations wait for the task's submission);
    ValidationFailed lists every offending field and nothing is written. The context data
    holds the cleaned values under field id and label, as a submission's."""
    return await _start(
        session,
        company_id=company_id,
        flow_id=flow_id,
        initiator_id=initiator_id,
        data=data,
        assign_to=assign_to,
        chain_depth=0,
        check_data=True,
    )


async def _start(
    session: AsyncSession,
    *,
    company_id: str,
    flow_id: str,
    initiator_id: str,
    data: dict[str, Any] | None,
    assign_to: str | None,
    chain_depth: int,
    check_data: bool,
) -> ActionResult:
    if data is not None and not isinstance(data, dict):
        raise ValidationFailed([FieldProblem("/data", "must be an object", "invalid_type")])
    connection = await session.connection()
    params = {"flow_id": flow_id, "company_id": company_id, "initiator_id": initiator_id}
    row = (await connection.execute(_FLOW_TO_START, params)).first()
    if row is None:
        raise NotFound(f"Flow {flow_id} does not exist.")
    if not row.initiator_active:
        raise NotFound(f"User {initiator_id} does not exist.")
    flow = Flow(**{c.name: row._mapping[c] for c in FLOWS.c})
    definition_id = await definition_for_new_instance(session, flow, row.latest_published)
    snapshot = await load_snapshot(session, company_id=company_id, definition_id=definition_id)
    if check_data and data:
        data = await _start_data(session, company_id, snapshot, data)
    assignees = await _assignees(session, company_id, assign_to) if assign_to else None
    instance = FlowInstance(
        id=new_id(),
        company_id=company_id,
        flow_id=flow.id,
        initiator_id=initiator_id,
        status=FlowInstanceStatus.IN_PROGRESS,
        current_level_order=min(snapshot.levels),
        context_data=dict(data or {}),
        started_at=utcnow(),
    )
    # Only inserted here: staged (core.staging) before its step and the action's other rows.
    stage(session, INSTANCES, {c.name: getattr(instance, c.name) for c in INSTANCES.c})
    # FLOW_STARTED before the TASK_STARTED events of level 1.
    record_event(
        session,
        EventType.FLOW_STARTED,
        company_id=company_id,
        payload={
            **flow_payload(instance),
            "flowName": flow.name,
            "definitionId": definition_id,
            "version": snapshot.version,
        },
        flow_id=flow.id,
        chain_depth=chain_depth,
    )
    step = await enter_level(
        session,
        instance,
        snapshot,
        min(snapshot.levels),
        number=1,
        assignees=assignees,
        assigned_by=initiator_id if assignees else None,
        chain_depth=chain_depth,
    )
    add_action(
        session,
        instance,
        ActionKind.STARTED,
        step=step,
        actor_id=initiator_id,
        details={"definitionId": definition_id, "assignTo": assign_to},
    )
    return ActionResult(instance, {}, definition=snapshot)


async def _start_data(
    session: AsyncSession, company_id: str, snapshot: FlowSnapshot, data: dict[str, Any]
) -> dict[str, Any]:
    """Start data checked against the fields it fills, of every task of the definition (a
    field on several tasks is checked by each), as context data."""
    tasks = {t.id: t for level in snapshot.levels.values() for t in level.tasks}
    problems: list[FieldProblem] = []
    context: dict[str, Any] = {}
    known: set[str] = set()
    for task in tasks.values():
        ids = {str(f.get("id")) for f in task.fields}
        by_label = task.field_ids_by_label()
        mine = {}
        for key, value in data.items():
            field_id = key if key in ids else by_label.get(key)
            if field_id is not None:
                mine[field_id] = value
                known.add(key)
        if not mine:
            continue
        try:
            cleaned = await validate_values(
                session, company_id=company_id, fields=task.fields, data=mine
            )
        except ValidationFailed as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            continue
        context.update(task.context_values(cleaned))
    problems.extend(
        FieldProblem(key, "is not a field of this flow's forms", "unknown_field")
        for key in data
        if key not in known
    )
    if problems:
        raise ValidationFailed(problems)
    return context


# Built once: building a statement costs more than running it.
_FLOW_TO_START = sa.select(
    *FLOWS.c,
    sa.exists()
    .where(
        USERS.c.id == sa.bindparam("initiator_id"),
        USERS.c.company_id == FLOWS.c.company_id,
        USERS.c.is_active.is_(True),
    )
    .label("initiator_active"),
    LATEST_PUBLISHED_DEFINITION.label("latest_published"),
).where(FLOWS.c.id == sa.bindparam("flow_id"), FLOWS.c.company_id == sa.bindparam("company_id"))
"""The flow to start, whether the initiator is an active user of its company, and the
definition new instances start on (unless a released version says otherwise)."""


async def execute_task(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    task_id: str,
    user_id: str,
    data: dict[str, Any],
    expected_level: int | None = None,
    chain_depth: int = 0,
) -> ActionResult:
    """Submit one of the current level's tasks (validated by the schema registry; keys are
    field ids or labels). The values join the instance's context data under field id and
    label. Once the user has submitted every task of the level, that is their approval, or
    their rejection when the level's decision field holds a reject value. `expected_level`
    (the level the user saw) guards against acting on a level the instance has moved to."""
    run, current, snapshot = await _lock(
        session, company_id, instance_id, expected_level, user_id=user_id
    )
    instance = run.instance
    before = columns_of(instance)
    step = current.step
    level = snapshot.level(step.level_order)
    task = level.task(task_id)
    if task is None:
        raise TaskNotOnLevel(
            f"Task {task_id} is not a task of level {level.order} ({level.name}).",
            tasks=[t.id for t in level.tasks],
        )
    assignment = await assignment_to_act(session, instance, current, user_id)
    previous = await _earlier_submission(session, instance, step, task.id)
    cleaned = await validate_submission(
        session,
        company_id=company_id,
        fields=task.fields,
        logic=task.logic,
        data=task.keyed_by_field_id(data),
        validations=task.validations,
    )
    now = utcnow()
    columns = {
        "id": new_id(),
        "company_id": company_id,
        "task_id": task.id,
        "data": cleaned,
        "executor_id": user_id,
        "flow_instance_id": instance.id,
        "level_id": level.id,
        "status": ExecutionStatus.COMPLETED,
        "completed_at": now,
        "created_at": now,
    }
    # A submission is only ever inserted: staged (core.staging) with the action's other new
    # rows; the caller gets the row as a detached object.
    stage(session, EXECUTIONS, columns)
    execution = TaskExecution(**columns)
    instance.context_data = {**instance.context_data, **task.context_values(cleaned)}
    add_action(
        session,
        instance,
        ActionKind.SUBMITTED,
        step=step,
        actor_id=user_id,
        task_id=task.id,
        execution_id=execution.id,
    )
    _record_submission_events(session, instance, level, task, execution, previous, chain_depth)

    closed = False
    if not await _submitted_every_task(session, step, level, user_id, task.id):
        pass
    elif await _decision(session, step, level, user_id, task.id, cleaned) in level.reject_values:
        await _require_permission(session, company_id, user_id, "canReject")
        await record_rejection(
            session, instance, current, snapshot, assignment, comment=None, chain_depth=chain_depth
        )
        closed = True
    else:
        closed = await record_approval(
            session, instance, current, snapshot, assignment, chain_depth=chain_depth
        )
    await write_run(session, run)
    return ActionResult(instance, before, execution, level_closed=closed, definition=snapshot)


async def approve(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    user_id: str,
    comment: str | None = None,
    expected_level: int | None = None,
    chain_depth: int = 0,
) -> ActionResult:
    """Approve the current level (one that has no tasks: on a level with tasks, submitting
    them is the approval). Needs a company role with canApprove."""
    run, current, snapshot = await _lock(
        session, company_id, instance_id, expected_level, user_id=user_id
    )
    instance = run.instance
    before = columns_of(instance)
    level = snapshot.level(current.step.level_order)
    assignment = await assignment_to_act(session, instance, current, user_id)
    if level.tasks:
        raise TasksPending(
            f"Level {level.order} ({level.name}) is approved by submitting its tasks.",
            tasks=[t.id for t in level.tasks],
        )
    await _require_permission(session, company_id, user_id, "canApprove")
    add_action(
        session, instance, ActionKind.APPROVED, step=current.step, actor_id=user_id, comment=comment
    )
    closed = await record_approval(
        session, instance, current, snapshot, assignment, chain_depth=chain_depth
    )
    await write_run(session, run)
    return ActionResult(instance, before, level_closed=closed, definition=snapshot)


async def reject(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    user_id: str,
    comment: str | None = None,
    expected_level: int | None = None,
    chain_depth: int = 0,
) -> ActionResult:
    """Reject the current level: the instance fails, or goes back to the level named by the
    level's `onReject` config. Needs a company role with canReject."""
    run, current, snapshot = await _lock(
        session, company_id, instance_id, expected_level, user_id=user_id
    )
    instance = run.instance
    before = columns_of(instance)
    assignment = await assignment_to_act(session, instance, current, user_id)
    await _require_permission(session, company_id, user_id, "canReject")
    await record_rejection(
        session, instance, current, snapshot, assignment, comment=comment, chain_depth=chain_depth
    )
    await write_run(session, run)
    return ActionResult(instance, before, level_closed=True, definition=snapshot)


async def reassign(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    user_id: str,
    to_user_id: str,
    from_user_id: str | None = None,
    comment: str | None = None,
) -> ActionResult:
    """Hand a pending task on the current level from `from_user_id` (default: the caller) to
    another user of the company. Needs canReassign, or an admin. A level nobody could be
    asked for (its roles had no holders) can be assigned this way too."""
    run, visit, snapshot = await _lock(
        session, company_id, instance_id, user_id=from_user_id or user_id
    )
    instance = run.instance
    before = columns_of(instance)
    step = visit.step
    level = snapshot.level(step.level_order)
    actor = await _active_user(session, company_id, user_id)
    if actor.role not in OVERSEERS:
        await _require_permission(session, company_id, user_id, "canReassign")
    await _active_user(session, company_id, to_user_id)
    source_id = from_user_id or user_id
    try:
        handed: FlowAssignment | None = await assignment_to_act(session, instance, visit, source_id)
    except NotYourTurn:
        handed = None
    unstaffed = not await users_who_may_act(session, instance, visit)
    assignments = visit.assignments
    if handed is None and not (unstaffed and from_user_id is None):
        raise NotYourTurn(
            f"User {source_id} has no pending task on level {level.order} ({level.name})."
        )
    if any(
        a.user_id == to_user_id
        and a.status in (AssignmentStatus.PENDING, AssignmentStatus.APPROVED)
        for a in assignments
    ):
        raise AlreadyAssigned(
            f"User {to_user_id} is already asked to act on, or has acted on, this level."
        )
    now = utcnow()
    if handed is not None:
        handed.status = AssignmentStatus.REASSIGNED
        handed.acted_at = now
    visit.assignments.append(
        FlowAssignment(
            id=new_id(),
            company_id=company_id,
            instance_id=instance.id,
            step_id=step.id,
            user_id=to_user_id,
            status=AssignmentStatus.PENDING,
            source=AssignmentSource.REASSIGNED,
            assigned_by_id=user_id,
            created_at=now,
        )
    )
    add_action(
        session,
        instance,
        ActionKind.REASSIGNED,
        step=step,
        actor_id=user_id,
        comment=comment,
        details={"from": handed.user_id if handed else None, "to": to_user_id},
    )
    await write_run(session, run)
    return ActionResult(instance, before, definition=snapshot)


async def cancel(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    user_id: str,
    reason: str | None = None,
) -> ActionResult:
    """Cancel a running instance: its initiator, or an admin, may."""
    run, current, snapshot = await _lock(session, company_id, instance_id)
    instance = run.instance
    before = columns_of(instance)
    actor = await _active_user(session, company_id, user_id)
    if actor.id != instance.initiator_id and actor.role not in OVERSEERS:
        raise MissingPermission("Only the initiator or an admin may cancel this instance.")
    await close_step(session, current, StepStatus.CANCELLED)
    await finish(
        session,
        instance,
        FlowInstanceStatus.CANCELLED,
        chain_depth=0,
        actor_id=user_id,
        comment=reason,
    )
    await write_run(session, run)
    return ActionResult(instance, before, level_closed=True, definition=snapshot)


async def _lock(
    session: AsyncSession,
    company_id: str,
    instance_id: str,
    expected_level: int | None = None,
    *,
    user_id: str | None = None,
) -> tuple[Run, OpenStep, FlowSnapshot]:
    """The running instance, locked for this transaction, with its active step (and who is
    asked to act on it, and whether `user_id` holds one of its roles) and the definition
    that step runs on; LevelMoved if it is not on `expected_level` (when given)."""
    run = await lock_run(session, company_id=company_id, instance_id=instance_id, user_id=user_id)
    if run is None:
        raise NotFound(f"Flow instance {instance_id} does not exist.")
    instance, current = run.instance, run.current
    if instance.status is not FlowInstanceStatus.IN_PROGRESS or current is None:
        raise InstanceClosed(
            f"The instance is {instance.status.value.lower().replace('_', ' ')}.",
            instanceStatus=instance.status.value,
        )
    step = current.step
    if expected_level is not None and step.level_order != expected_level:
        raise LevelMoved(
            f"The instance has moved on to level {step.level_order} ({step.level_name}).",
            levelOrder=step.level_order,
        )
    snapshot = await load_snapshot(session, company_id=company_id, definition_id=step.definition_id)
    return run, current, snapshot


async def _earlier_submission(
    session: AsyncSession, instance: FlowInstance, step: FlowStep, task_id: str
) -> dict[str, Any] | None:
    """What was submitted for this task on this level on an earlier visit (the instance was
    sent back): a new submission is then an update of it."""
    if not step.backtracked:
        return None
    connection = await session.connection()
    data: dict[str, Any] | None = await connection.scalar(
        _submitted_data(
            ACTIONS.c.instance_id == instance.id,
            ACTIONS.c.company_id == instance.company_id,
            ACTIONS.c.task_id == task_id,
            ACTIONS.c.level_order == step.level_order,
            ACTIONS.c.step_id != step.id,
        )
    )
    return data


async def _submitted_every_task(
    session: AsyncSession, step: FlowStep, level: LevelDef, user_id: str, task_id: str
) -> bool:
    if len(level.tasks) == 1:
        return True
    # Read on the connection: this action's own submission (staged) is `task_id`.
    connection = await session.connection()
    done = set(
        await connection.scalars(
            sa.select(ACTIONS.c.task_id).where(
                ACTIONS.c.step_id == step.id,
                ACTIONS.c.company_id == step.company_id,
                ACTIONS.c.actor_id == user_id,
                ACTIONS.c.kind == ActionKind.SUBMITTED,
            )
        )
    )
    return {t.id for t in level.tasks} <= done | {task_id}


async def _decision(
    session: AsyncSession,
    step: FlowStep,
    level: LevelDef,
    user_id: str,
    task_id: str,
    cleaned: dict[str, Any],
) -> Any:
    """The user's value of the level's decision field on this visit (None without one)."""
    field = level.decision_field
    holder = next(
        (t for t in level.tasks if any(str(f.get("id")) == field for f in t.fields)), None
    )
    if field is None or holder is None:
        return None
    if holder.id == task_id:
        return cleaned.get(field)
    # The field is on another of the level's tasks, which the user submitted earlier.
    connection = await session.connection()
    data = await connection.scalar(
        _submitted_data(
            ACTIONS.c.step_id == step.id,
            ACTIONS.c.company_id == step.company_id,
            ACTIONS.c.actor_id == user_id,
            ACTIONS.c.task_id == holder.id,
        )
    )
    return data.get(field) if isinstance(data, dict) else None


def _submitted_data(*where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """The data of the latest submission among the history entries `where` selects."""
    return (
        sa.select(EXECUTIONS.c.data)
        .join(ACTIONS, ACTIONS.c.execution_id == EXECUTIONS.c.id)
        .where(
            *where,
            ACTIONS.c.kind == ActionKind.SUBMITTED,
            EXECUTIONS.c.company_id == ACTIONS.c.company_id,
        )
        .order_by(ACTIONS.c.created_at.desc(), ACTIONS.c.id.desc())
        .limit(1)
    )


_ACTIVE_USER = sa.select(USERS.c.id, USERS.c.role).where(
    USERS.c.id == sa.bindparam("user_id"),
    USERS.c.company_id == sa.bindparam("company_id"),
    USERS.c.is_active.is_(True),
)
_GRANTS = (
    sa.select(ROLES.c.permissions)
    .join(user_roles, user_roles.c.role_id == ROLES.c.id)
    .where(
        user_roles.c.user_id == sa.bindparam("user_id"),
        ROLES.c.company_id == sa.bindparam("company_id"),
    )
)


@dataclass(frozen=True, slots=True)
class _Actor:
    id: str
    role: UserRole


async def _active_user(session: AsyncSession, company_id: str, user_id: str) -> _Actor:
    """The user's id and role, if they are an active user of the company."""
    connection = await session.connection()
    params = {"user_id": user_id, "company_id": company_id}
    user = (await connection.execute(_ACTIVE_USER, params)).first()
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return _Actor(user.id, user.role)


async def _require_permission(
    session: AsyncSession, company_id: str, user_id: str, permission: str
) -> None:
    """Company role permissions (Role.permissions) grant flow actions: any role suffices."""
    connection = await session.connection()
    grants = await connection.scalars(_GRANTS, {"user_id": user_id, "company_id": company_id})
    if not any(isinstance(g, dict) and g.get(permission) is True for g in grants):
        raise MissingPermission(f"None of your roles grants {permission}.", permission=permission)


async def _assignees(session: AsyncSession, company_id: str, assign_to: str) -> list[str]:
    """The users `assign_to` names: a user (id or email) or a role (id or name)."""
    user_id = await session.scalar(
        sa.select(User.id).where(
            User.company_id == company_id,
            User.is_active.is_(True),
            sa.or_(User.id == assign_to, User.email == assign_to),
        )
    )
    if user_id is not None:
        return [user_id]
    holders = list(
        await session.scalars(
            sa.select(User.id)
            .join(user_roles, user_roles.c.user_id == User.id)
            .join(Role, Role.id == user_roles.c.role_id)
            .where(
                Role.company_id == company_id,
                sa.or_(Role.id == assign_to, Role.name == assign_to),
                User.is_active.is_(True),
            )
            .order_by(User.id)
        )
    )
    if not holders:
        raise ValidationFailed(
            [
                FieldProblem(
                    "/assignTo", f"{assign_to!r} is no active user or held role.", "not_found"
                )
            ]
        )
    return holders


def _record_submission_events(
    session: AsyncSession,
    instance: FlowInstance,
    level: LevelDef,
    task: TaskDef,
    execution: TaskExecution,
    previous: dict[str, Any] | None,
    chain_depth: int,
) -> None:
    """TASK_COMPLETED; on a resubmission of the task in this instance, also TASK_UPDATED and
    one FIELD_CHANGED per field whose value changed."""
    payload = {
        "executionId": execution.id,
        "taskId": task.id,
        "taskName": task.name,
        "executorId": execution.executor_id,
        "instanceId": instance.id,
        "flowId": instance.flow_id,
        "levelOrder": level.order,
        "levelName": level.name,
        "data": execution.data,
    }

    def emit(event_type: EventType, extra: dict[str, Any] | None = None) -> None:
        record_event(
            session,
            event_type,
            company_id=instance.company_id,
            payload={**payload, **(extra or {})},
            task_id=task.id,
            flow_id=instance.flow_id,
            chain_depth=chain_depth,
        )

    emit(EventType.TASK_COMPLETED)
    if previous is None:
        return
    labels = {str(f.get("id")): f.get("label") for f in task.fields}
    changed = [
        key
        for key in dict.fromkeys([*previous, *execution.data])
        if previous.get(key) != execution.data.get(key)
    ]
    emit(EventType.TASK_UPDATED, {"previous": previous, "changedFields": changed})
    for key in changed:
        emit(
            EventType.FIELD_CHANGED,
            {
                "fieldId": key,
                "fieldLabel": labels.get(key),
                "oldValue": previous.get(key),
                "newValue": execution.data.get(key),
            },
        )
