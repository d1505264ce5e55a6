"""Tasks used on their own: a form submitted outside any flow, validated as a flow step is,
stored as a TaskExecution without an instance, announced with TASK_COMPLETED and audited;
and reading a user's standalone submissions back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.audit import snapshot as columns_of
from core.errors import NotFound
from core.events import record_event
from core.flows.definition import TaskDef
from core.flows.frozen import compiled_form
from core.models import (
    EventType,
    ExecutionStatus,
    Task,
    TaskExecution,
    TaskStatus,
    User,
    new_id,
    utcnow,
)
from core.models.base import Base
from core.releases.errors import NotRolledOut
from core.releases.resolution import resolve_with_source
from core.schema import CompiledSchema, validate_submission
from core.staging import stage
from core.tasks.errors import TaskNotSubmittable
from core.tenancy import company_of

EXECUTIONS = Base.metadata.tables[TaskExecution.__tablename__]

SEE_ALL = "tasks.submissions.read"
"""Who may read every standalone submission of the company; everyone else reads their own."""


@dataclass(frozen=True, slots=True)
class TaskForm:
    """The form a standalone submission of `task` is validated against: the release of the
    task its company sees (`version`), else the task's own row (`version` None)."""

    task: Task
    form: TaskDef
    version: str | None
    version_id: str | None

    @property
    def compiled(self) -> CompiledSchema | None:
        """The form as the schema registry compiled it (None if it no longer compiles)."""
        return compiled_form(self.form.fields, self.form.logic, self.form.validations)


@dataclass(frozen=True, slots=True)
class Submission:
    """A standalone submission, its task's name and who submitted it."""

    execution: TaskExecution
    task_name: str
    executor_name: str
    version: str | None = None
    """The release of the task it was validated against (known when it was just made)."""


async def task_form(session: AsyncSession, principal: Principal, *, task_id: str) -> TaskForm:
    """What a standalone submission of the task is checked against, for a client to render."""
    require(principal, "tasks.read")
    return await _form(session, company_of(principal), task_id)


async def submit_task(
    session: AsyncSession, principal: Principal, *, task_id: str, data: dict[str, Any]
) -> Submission:
    """Submit a task on its own, outside any flow. The values (keyed by field id or label)
    are validated as a flow step's are, against the form the company uses (`task_form`):
    ValidationFailed lists every offending field and nothing is written. A draft task may
    only be tried by those who edit tasks; an archived or deprecated one takes no more
    submissions. Fires TASK_COMPLETED (no instance, no level) for the task's triggers."""
    require(principal, "tasks.submit")
    company_id = company_of(principal)
    form = await _form(session, company_id, task_id)
    task = form.task
    trial = task.status is TaskStatus.DRAFT and principal.may("tasks.write")
    if form.version is None and task.status is not TaskStatus.PUBLISHED and not trial:
        raise TaskNotSubmittable(
            f"Task {task.name!r} is {task.status.value.lower()}: it takes no submissions.",
            taskStatus=task.status.value,
        )
    cleaned = await validate_submission(
        session,
        company_id=company_id,
        fields=form.form.fields,
        logic=form.form.logic,
        data=form.form.keyed_by_field_id(data),
        validations=form.form.validations,
    )
    now = utcnow()
    columns = {
        "id": new_id(),
        "company_id": company_id,
        "task_id": task.id,
        "data": cleaned,
        "executor_id": principal.user_id,
        "flow_instance_id": None,
        "level_id": None,
        "status": ExecutionStatus.COMPLETED,
        "completed_at": now,
        "created_at": now,
    }
    # Only ever inserted: staged (core.staging) with the event and the audit row.
    stage(session, EXECUTIONS, columns)
    execution = TaskExecution(**columns)
    record_event(
        session,
        EventType.TASK_COMPLETED,
        company_id=company_id,
        payload={
            "executionId": execution.id,
            "taskId": task.id,
            "taskName": task.name,
            "executorId": principal.user_id,
            "instanceId": None,
            "flowId": None,
            "levelOrder": None,
            "levelName": None,
            "version": form.version,
            "data": cleaned,
        },
        task_id=task.id,
    )
    record_audit(
        session,
        principal,
        "task.submitted",
        "TaskExecution",
        execution.id,
        after=columns_of(columns),
        metadata={"taskId": task.id, "version": form.version},
    )
    executor = await session.get(User, principal.user_id)
    return Submission(
        execution, task.name, executor.full_name if executor else "", version=form.version
    )


async def list_submissions(
    session: AsyncSession,
    principal: Principal,
    *,
    task_id: str | None = None,
    executor_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Submission], int]:
    """Standalone submissions, newest first, and how many match: the caller's own, or (for
    those allowed to see them all) everyone's, optionally by executor; optionally of one task."""
    require(principal, "tasks.submit")
    where = _visible(principal)
    if task_id is not None:
        where.append(TaskExecution.task_id == task_id)
    if executor_id is not None:
        where.append(TaskExecution.executor_id == executor_id)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(TaskExecution).where(*where)
    )
    rows = await session.execute(
        _SUBMISSIONS.where(*where)
        .order_by(TaskExecution.created_at.desc(), TaskExecution.id)
        .limit(limit)
        .offset(offset)
    )
    return [Submission(e, name, user.full_name) for e, name, user in rows], total or 0


async def get_submission(
    session: AsyncSession, principal: Principal, *, execution_id: str
) -> Submission:
    """One standalone submission the caller may see (their own, unless they see all)."""
    require(principal, "tasks.submit")
    row = (
        await session.execute(
            _SUBMISSIONS.where(TaskExecution.id == execution_id, *_visible(principal))
        )
    ).first()
    if row is None:
        raise NotFound(f"Task execution {execution_id} does not exist.")
    execution, name, user = row
    return Submission(execution, name, user.full_name)


_SUBMISSIONS = (
    sa.select(TaskExecution, Task.name, User)
    .join(Task, Task.id == TaskExecution.task_id)
    .join(User, User.id == TaskExecution.executor_id)
)


def _visible(principal: Principal) -> list[sa.ColumnElement[bool]]:
    where = [
        TaskExecution.company_id == company_of(principal),
        TaskExecution.flow_instance_id.is_(None),
    ]
    if not principal.may(SEE_ALL):
        where.append(TaskExecution.executor_id == principal.user_id)
    return where


async def _form(session: AsyncSession, company_id: str, task_id: str) -> TaskForm:
    task = await session.scalar(
        sa.select(Task).where(Task.id == task_id, Task.company_id == company_id)
    )
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.")
    # Versions and rollout: a company that sees a release of the task uses its form, as a
    # flow's steps use the release of the flow (docs/versions.md).
    source, seen = await resolve_with_source(
        session, entity_type="Task", entity_id=task.id, company_id=company_id
    )
    if seen is None:
        if source != task.id:
            raise NotRolledOut(f"No version of task {task.name!r} reaches this company.")
        form = TaskDef(task.id, task.name, task.fields, task.logic or {}, task.validations or [])
        return TaskForm(task, form, None, None)
    frozen = seen.version.snapshot
    attributes = frozen.get("attributes") or {}
    form = TaskDef(
        task.id,
        task.name,
        frozen.get("fields") or [],
        attributes.get("logic") or {},
        attributes.get("validations") or [],
    )
    return TaskForm(task, form, seen.version.version, seen.version.id)
