"""Request and response bodies of standalone task submissions and the form they fill."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from api.flows.frozen import DefinitionTaskOut, task_out
from api.organisation.schemas import Name
from api.structs import Body, Out
from core.models import ExecutionStatus, TaskStatus
from core.tasks import Submission, TaskForm


class SubmissionIn(Body):
    data: dict[str, Any]
    """The form's values, keyed by field id (or label)."""


class TaskFormOut(Out):
    """The form a standalone submission of the task is validated against."""

    task_id: str
    version: str | None
    """The semantic version of the task's release the company uses; null: the task's own
    row (no release reaches the company)."""
    version_id: str | None
    form: DefinitionTaskOut
    """Fields, logic and validations, as in a flow definition's tasks."""


class SubmissionOut(Out):
    id: str
    task_id: str
    task_name: str
    executor_id: str
    executor_name: str
    status: ExecutionStatus
    data: dict[str, Any]
    """The values as stored: cleaned, keyed by field id (hidden and empty fields left out)."""
    completed_at: datetime
    created_at: datetime


def task_form_out(form: TaskForm) -> TaskFormOut:
    raw = {
        "id": form.form.id,
        "name": form.form.name,
        "fields": form.form.fields,
        "logic": form.form.logic,
        "validations": form.form.validations,
    }
    return TaskFormOut(
        task_id=form.task.id,
        version=form.version,
        version_id=form.version_id,
        form=task_out(raw, form.compiled),
    )


def submission_out(item: Submission) -> SubmissionOut:
    execution = item.execution
    return SubmissionOut(
        id=execution.id,
        task_id=execution.task_id,
        task_name=item.task_name,
        executor_id=execution.executor_id,
        executor_name=item.executor_name,
        status=execution.status,
        data=execution.data,
        completed_at=execution.completed_at,
        created_at=execution.created_at,
    )


FieldDefinition = dict[str, Any]


class TaskOut(Out):
    id: str
    name: str
    description: str | None
    status: TaskStatus
    fields: list[FieldDefinition]
    validations: list[Any]
    logic: dict[str, Any]
    company_id: str
    created_by_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class TaskCreate(Body):
    name: Name
    fields: list[FieldDefinition]
    description: str | None = None
    status: TaskStatus = TaskStatus.DRAFT
    validations: list[Any] = msgspec.field(default_factory=list)
    logic: dict[str, Any] = msgspec.field(default_factory=dict)


class TaskUpdate(Body):
    name: Name | UnsetType = UNSET
    fields: list[FieldDefinition] | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    status: TaskStatus | UnsetType = UNSET
    validations: list[Any] | UnsetType = UNSET
    logic: dict[str, Any] | UnsetType = UNSET
