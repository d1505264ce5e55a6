"""Defining tasks (the product's forms): the rules a task's definition obeys and the use
cases that create, change and delete one, each checked, audited and in the caller's company."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.entities import EntityKind
from core.models import Task, TaskStatus, utcnow
from core.schema import compile_schema
from core.settings import Settings


async def task_values(
    session: AsyncSession,
    principal: Principal,
    values: dict[str, Any],
    row: Task | None,
    settings: Settings,
) -> dict[str, Any]:
    """The values to write for a task: its fields, logic and validations must compile
    together; a new task is its author's; publishing stamps the first publication."""
    if {"fields", "logic", "validations"} & values.keys():
        # Fields, the logic that shows, hides and requires them, and the cross-field
        # validations over them are checked together.
        compile_schema(
            values.get("fields", row.fields if row else []),
            values.get("logic", row.logic if row else {}),
            values.get("validations", row.validations if row else []),
        )
    if row is None:
        values["created_by_id"] = principal.user_id
    if values.get("status") is TaskStatus.PUBLISHED and (row is None or row.published_at is None):
        values["published_at"] = utcnow()
    return values


TASKS = EntityKind(Task, write="tasks.write", prepare=task_values)
"""The write side of tasks (core.entities.EntityKind)."""


async def create_task(
    session: AsyncSession, principal: Principal, values: dict[str, Any], settings: Settings
) -> Task:
    task: Task = await TASKS.create(session, principal, values, settings)
    return task


async def update_task(
    session: AsyncSession,
    principal: Principal,
    task: Task,
    values: dict[str, Any],
    settings: Settings,
) -> Task:
    changed: Task = await TASKS.update(session, principal, task, values, settings)
    return changed


async def delete_task(session: AsyncSession, principal: Principal, task: Task) -> None:
    await TASKS.delete(session, principal, task)
