"""Tasks (forms) and their executions: the seed's section 3."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import (
    Base,
    JSONType,
    TenantOwned,
    Timestamps,
    enum_column,
    id_column,
    json_column,
    utcnow,
)
from core.models.enums import ExecutionStatus, TaskStatus

if TYPE_CHECKING:
    from core.models.flows import FlowInstance, FlowLevelTask
    from core.models.tenancy import Company, User
    from core.models.triggers import Trigger


class Task(TenantOwned, Timestamps, Base):
    """A form definition: `fields` (see the schema registry), `validations` and `logic`."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.Index("idx_tasks_company", "company_id"),
        sa.Index("idx_tasks_status", "status"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    version: Mapped[str] = mapped_column(default="1.0", server_default="1.0")
    status: Mapped[TaskStatus] = enum_column(TaskStatus, TaskStatus.DRAFT)
    fields: Mapped[list[Any]] = mapped_column(JSONType)
    validations: Mapped[list[Any]] = json_column("[]")
    logic: Mapped[dict[str, Any]] = json_column("{}")
    created_by_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()
    created_by: Mapped[User] = relationship()
    # passive_deletes="all": deleting a task leaves these rows to the database, whose
    # foreign keys refuse it while a flow level or an execution names the task (a 409);
    # the ORM would otherwise try to empty their task_id (NOT NULL: a 500).
    flow_level_tasks: Mapped[list[FlowLevelTask]] = relationship(
        back_populates="task", passive_deletes="all"
    )
    executions: Mapped[list[TaskExecution]] = relationship(
        back_populates="task", passive_deletes="all"
    )
    triggers: Mapped[list[Trigger]] = relationship(
        back_populates="task", cascade="all, delete-orphan", passive_deletes=True
    )


class TaskExecution(TenantOwned, Base):
    """One submission of a task, alone or as a step of a flow instance."""

    __tablename__ = "task_executions"
    __table_args__ = (
        sa.Index("idx_task_executions_task", "task_id"),
        sa.Index("idx_task_executions_executor", "executor_id"),
        sa.Index("idx_task_executions_flow", "flow_instance_id"),
        sa.Index("idx_task_executions_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    task_id: Mapped[str] = mapped_column(sa.ForeignKey("tasks.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    executor_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    flow_instance_id: Mapped[str | None] = mapped_column(sa.ForeignKey("flow_instances.id"))
    level_id: Mapped[str | None] = mapped_column(sa.String(36))
    status: Mapped[ExecutionStatus] = enum_column(ExecutionStatus, ExecutionStatus.COMPLETED)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    task: Mapped[Task] = relationship(back_populates="executions")
    executor: Mapped[User] = relationship()
    flow_instance: Mapped[FlowInstance | None] = relationship(back_populates="task_executions")
