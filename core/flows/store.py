"""The run state of one instance as the engine reads and writes it: the instance row, locked,
and its active step with everyone asked to act on it. Read and written with prebuilt Core
statements on the session's connection; rows come back as transient model objects, and what
an action changed is written by `write_run` in one statement (PostgreSQL), so no ORM
loading or unit of work runs per action. Every statement names the company itself: Core
statements get no tenant criteria from the session (row-level security still applies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.models import FlowAssignment, FlowInstance, FlowStep, FlowStepRole, user_roles
from core.models.base import Base
from core.models.flow_runs import AssignmentStatus, StepStatus
from core.staging import stage

INSTANCES = Base.metadata.tables[FlowInstance.__tablename__]
STEPS = Base.metadata.tables[FlowStep.__tablename__]
STEP_ROLES = Base.metadata.tables[FlowStepRole.__tablename__]
ASSIGNMENTS = Base.metadata.tables[FlowAssignment.__tablename__]

_INSTANCE_CHANGES = ("status", "current_level_order", "context_data", "completed_at")
_STEP_CHANGES = ("status", "closed_at", "required_approvals", "deadline_handled_at")


@dataclass(slots=True)
class OpenStep:
    """The active step of a locked instance, with everyone ever asked to act on it."""

    step: FlowStep
    assignments: list[FlowAssignment]
    acting_user: str | None = None
    holds_role: bool = False
    """Whether `acting_user` holds one of the step's roles now (read with the step)."""
    read: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """The step's and its assignments' changeable columns as read, by id: what `write_run`
    compares with. An assignment not in it is new."""

    def pending_for(self, user_id: str) -> FlowAssignment | None:
        return next(
            (
                a
                for a in self.assignments
                if a.user_id == user_id and a.status == AssignmentStatus.PENDING
            ),
            None,
        )

    def approvals(self) -> int:
        return sum(1 for a in self.assignments if a.status == AssignmentStatus.APPROVED)


@dataclass(slots=True)
class Run:
    """A locked instance (its changeable columns as read) and its active step, if any."""

    instance: FlowInstance
    read: tuple[Any, ...]
    current: OpenStep | None


def _lock(skip_locked: bool) -> sa.Select[Any]:
    return (
        sa.select(*INSTANCES.c)
        .where(
            INSTANCES.c.id == sa.bindparam("instance_id"),
            INSTANCES.c.company_id == sa.bindparam("company_id"),
        )
        .with_for_update(skip_locked=skip_locked)
    )


# Built once: building a statement costs more than running it.
_LOCK = _lock(skip_locked=False)
_LOCK_UNLESS_HELD = _lock(skip_locked=True)
_ASSIGNMENT_COLUMNS = [c.label(f"a_{c.name}") for c in ASSIGNMENTS.c]
_HOLDS_ROLE = (
    sa.exists()
    .where(
        STEP_ROLES.c.step_id == STEPS.c.id,
        user_roles.c.role_id == STEP_ROLES.c.role_id,
        user_roles.c.user_id == sa.bindparam("user_id"),
    )
    .label("holds_role")
)
_ACTIVE_STEP = (
    sa.select(*STEPS.c, *_ASSIGNMENT_COLUMNS, _HOLDS_ROLE)
    .select_from(
        STEPS.outerjoin(
            ASSIGNMENTS,
            sa.and_(
                ASSIGNMENTS.c.step_id == STEPS.c.id,
                ASSIGNMENTS.c.company_id == STEPS.c.company_id,
            ),
        )
    )
    .where(
        STEPS.c.instance_id == sa.bindparam("instance_id"),
        STEPS.c.company_id == sa.bindparam("company_id"),
        STEPS.c.status == StepStatus.ACTIVE,
    )
    .order_by(ASSIGNMENTS.c.created_at, ASSIGNMENTS.c.id)
)


async def lock_run(
    session: AsyncSession,
    *,
    company_id: str,
    instance_id: str,
    user_id: str | None = None,
    unless_held: bool = False,
) -> Run | None:
    """The instance locked for this transaction (None if it does not exist, or with
    `unless_held` if another transaction holds it), with its active step and, for
    `user_id`, whether they hold one of the step's roles now."""
    connection = await session.connection()
    params = {"instance_id": instance_id, "company_id": company_id}
    row = (await connection.execute(_LOCK_UNLESS_HELD if unless_held else _LOCK, params)).first()
    if row is None:
        return None
    values = row._asdict()
    instance = FlowInstance(**values)
    # Read the step only once the lock is held: a statement that waited for the lock would
    # otherwise pair the instance with the step it had before the other transaction moved it.
    current = await _active_step(connection, company_id, instance_id, user_id)
    return Run(instance, _changeable(instance), current)


async def _active_step(
    connection: AsyncConnection, company_id: str, instance_id: str, user_id: str | None
) -> OpenStep | None:
    params = {"instance_id": instance_id, "company_id": company_id, "user_id": user_id}
    rows = (await connection.execute(_ACTIVE_STEP, params)).all()
    if not rows:
        return None
    first = rows[0]._mapping
    step = FlowStep(**{c.name: first[c] for c in STEPS.c})
    read: dict[str, tuple[Any, ...]] = {step.id: tuple(getattr(step, c) for c in _STEP_CHANGES)}
    assignments = []
    for row in rows:
        columns = row._mapping
        if columns["a_id"] is None:
            continue
        assignment = FlowAssignment(**{c.name: columns[f"a_{c.name}"] for c in ASSIGNMENTS.c})
        read[assignment.id] = (assignment.status, assignment.acted_at)
        assignments.append(assignment)
    return OpenStep(step, assignments, user_id, bool(first["holds_role"]), read)


_WRITE_RUN = sa.text(
    """
    WITH votes AS (
        UPDATE flow_assignments SET status = v.status, acted_at = v.acted_at
        FROM unnest(:assignment_ids, :assignment_statuses, :assignment_acted_at)
            AS v(id, status, acted_at)
        WHERE flow_assignments.id = v.id AND flow_assignments.company_id = :company_id
        RETURNING 1
    ), step AS (
        UPDATE flow_steps SET status = :step_status, closed_at = :step_closed_at,
            required_approvals = :step_required_approvals,
            deadline_handled_at = :step_deadline_handled_at
        WHERE id = :step_id AND company_id = :company_id
        RETURNING 1
    )
    UPDATE flow_instances SET status = :status, current_level_order = :current_level_order,
        context_data = :context_data, completed_at = :completed_at
    WHERE id = :instance_id AND company_id = :company_id AND :instance_changed
    """
).bindparams(
    sa.bindparam("assignment_ids", type_=postgresql.ARRAY(sa.String)),
    sa.bindparam("assignment_statuses", type_=postgresql.ARRAY(sa.String)),
    sa.bindparam("assignment_acted_at", type_=postgresql.ARRAY(sa.DateTime(timezone=True))),
    sa.bindparam("step_id", type_=sa.String),
    sa.bindparam("step_status", type_=sa.String),
    sa.bindparam("step_closed_at", type_=sa.DateTime(timezone=True)),
    sa.bindparam("step_required_approvals", type_=sa.Integer),
    sa.bindparam("step_deadline_handled_at", type_=sa.DateTime(timezone=True)),
    sa.bindparam("status", type_=INSTANCES.c.status.type),
    sa.bindparam("current_level_order", type_=sa.Integer),
    sa.bindparam("context_data", type_=INSTANCES.c.context_data.type),
    sa.bindparam("completed_at", type_=sa.DateTime(timezone=True)),
    sa.bindparam("instance_changed", type_=sa.Boolean),
    sa.bindparam("company_id", type_=sa.String),
    sa.bindparam("instance_id", type_=sa.String),
)
"""What one action changed on an instance, its step and their assignments, in one round
trip: the statements are independent (each touches its own rows)."""


async def write_run(session: AsyncSession, run: Run) -> None:
    """Write what the action changed: the instance's columns, its step's, their
    assignments' (updated in place), and stage the assignments it added. Runs before the
    action's staged rows are inserted (they go out at commit, after this): the step it
    closes must be closed before a new active step of the instance is inserted."""
    instance, current = run.instance, run.current
    now = _changeable(instance)
    instance_changed = now != run.read
    step_values: dict[str, Any] = {}
    votes: list[FlowAssignment] = []
    if current is not None:
        step = current.step
        if tuple(getattr(step, c) for c in _STEP_CHANGES) != current.read.get(step.id):
            step_values = {c: getattr(step, c) for c in _STEP_CHANGES}
            step_values["id"] = step.id
        for assignment in current.assignments:
            was = current.read.get(assignment.id)
            if was is None:
                stage(session, ASSIGNMENTS, _assignment_columns(assignment))
                current.read[assignment.id] = (assignment.status, assignment.acted_at)
            elif was != (assignment.status, assignment.acted_at):
                votes.append(assignment)
                current.read[assignment.id] = (assignment.status, assignment.acted_at)
        if step_values:
            current.read[step.id] = tuple(step_values[c] for c in _STEP_CHANGES)
    run.read = now
    if not (instance_changed or step_values or votes):
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(
            _WRITE_RUN,
            {
                "assignment_ids": [a.id for a in votes],
                "assignment_statuses": [a.status for a in votes],
                "assignment_acted_at": [a.acted_at for a in votes],
                **{f"step_{c}": step_values.get(c) for c in _STEP_CHANGES},
                "step_id": step_values.get("id"),
                **dict(zip(_INSTANCE_CHANGES, now, strict=True)),
                "instance_changed": instance_changed,
                "company_id": instance.company_id,
                "instance_id": instance.id,
            },
        )
        return
    # SQLite (embedded mode): one statement per table.
    if votes:
        await connection.execute(
            sa.update(ASSIGNMENTS)
            .where(
                ASSIGNMENTS.c.id == sa.bindparam("vote_id"),
                ASSIGNMENTS.c.company_id == instance.company_id,
            )
            .values(status=sa.bindparam("status"), acted_at=sa.bindparam("acted_at")),
            [{"vote_id": a.id, "status": a.status, "acted_at": a.acted_at} for a in votes],
        )
    if step_values:
        step_id = step_values.pop("id")
        await connection.execute(
            sa.update(STEPS)
            .where(STEPS.c.id == step_id, STEPS.c.company_id == instance.company_id)
            .values(**step_values)
        )
    if instance_changed:
        await connection.execute(
            sa.update(INSTANCES)
            .where(INSTANCES.c.id == instance.id, INSTANCES.c.company_id == instance.company_id)
            .values(dict(zip(_INSTANCE_CHANGES, now, strict=True)))
        )


def _changeable(instance: FlowInstance) -> tuple[Any, ...]:
    # A copy of the context data: a change made to the dict in place must show.
    return tuple(
        dict(value) if isinstance(value, dict) else value
        for value in (getattr(instance, c) for c in _INSTANCE_CHANGES)
    )


def _assignment_columns(assignment: FlowAssignment) -> dict[str, Any]:
    return {c.name: getattr(assignment, c.name) for c in ASSIGNMENTS.c}
