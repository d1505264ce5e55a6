"""Routes of tasks used on their own: the form a company submits, submitting it outside any
flow, and reading standalone submissions back. Thin handlers over core.tasks."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from api.deps import DB, Actor
from api.guards import requires
from api.pagination import MAX_LIMIT, PageOut
from api.resources import Resource, resource_router
from api.tasks.schemas import (
    SubmissionIn,
    SubmissionOut,
    TaskCreate,
    TaskFormOut,
    TaskOut,
    TaskUpdate,
    submission_out,
    task_form_out,
)
from core import tasks
from core.models import Task
from core.tasks.definitions import TASKS

TAGS = ["tasks"]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="Rows to skip")]


@get(
    "/tasks/{task_id:str}/form",
    guards=[requires("tasks.read")],
    summary="The form a standalone submission of the task is validated against",
)
async def read_task_form(db: DB, principal: Actor, task_id: FromPath[str]) -> TaskFormOut:
    return task_form_out(await tasks.task_form(db, principal, task_id=task_id))


@post(
    "/tasks/{task_id:str}/executions",
    guards=[requires("tasks.submit")],
    summary="Submit a task on its own, outside any flow (fires TASK_COMPLETED)",
)
async def submit_task(
    db: DB, principal: Actor, task_id: FromPath[str], data: JSONBody[SubmissionIn]
) -> SubmissionOut:
    submitted = await tasks.submit_task(db, principal, task_id=task_id, data=data.data)
    return submission_out(submitted)


@get(
    "/task-executions",
    guards=[requires("tasks.submit")],
    summary="Standalone task submissions, newest first: yours (admins: everyone's)",
)
async def list_submissions(
    db: DB,
    principal: Actor,
    limit: Limit = 50,
    offset: Offset = 0,
    task_id: Annotated[str | None, QueryParameter(name="taskId")] = None,
    executor_id: Annotated[str | None, QueryParameter(name="executorId")] = None,
) -> PageOut[SubmissionOut]:
    items, total = await tasks.list_submissions(
        db, principal, task_id=task_id, executor_id=executor_id, limit=limit, offset=offset
    )
    return PageOut(
        items=[submission_out(i) for i in items], total=total, limit=limit, offset=offset
    )


@get(
    "/task-executions/{execution_id:str}",
    guards=[requires("tasks.submit")],
    summary="One standalone task submission: yours (admins: anyone's)",
)
async def read_submission(db: DB, principal: Actor, execution_id: FromPath[str]) -> SubmissionOut:
    return submission_out(await tasks.get_submission(db, principal, execution_id=execution_id))


task_definitions = Resource(
    path="/tasks",
    model=Task,
    out=TaskOut,
    create=TaskCreate,
    update=TaskUpdate,
    read="tasks.read",
    kind=TASKS,
    tag="tasks",
    filters={"status": Task.status, "createdById": Task.created_by_id, "name": Task.name},
    sortable={"name": Task.name, "createdAt": Task.created_at, "updatedAt": Task.updated_at},
)


router = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        resource_router(task_definitions),
        read_task_form,
        submit_task,
        list_submissions,
        read_submission,
    ],
)
