"""Flows: levels, level tasks, branches and running instances (the seed's section 4)."""

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
from core.models.enums import FlowInstanceStatus, FlowStatus
from core.models.tenancy import flow_level_roles

if TYPE_CHECKING:
    from core.models.tasks import Task, TaskExecution
    from core.models.tenancy import Company, Role, User
    from core.models.triggers import Trigger


class Flow(TenantOwned, Timestamps, Base):
    """A multi-level approval workflow definition."""

    __tablename__ = "flows"
    __table_args__ = (
        sa.Index("idx_flows_company", "company_id"),
        sa.Index("idx_flows_status", "status"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    version: Mapped[str] = mapped_column(default="1.0", server_default="1.0")
    status: Mapped[FlowStatus] = enum_column(FlowStatus, FlowStatus.DRAFT)
    config: Mapped[dict[str, Any]] = json_column("{}")
    created_by_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    company: Mapped[Company] = relationship()
    created_by: Mapped[User] = relationship()
    levels: Mapped[list[FlowLevel]] = relationship(
        back_populates="flow",
        order_by="FlowLevel.order",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    branches: Mapped[list[FlowBranch]] = relationship(
        back_populates="flow", cascade="all, delete-orphan", passive_deletes=True
    )
    instances: Mapped[list[FlowInstance]] = relationship(back_populates="flow")
    triggers: Mapped[list[Trigger]] = relationship(
        back_populates="flow", cascade="all, delete-orphan", passive_deletes=True
    )


class FlowLevel(TenantOwned, Timestamps, Base):
    """One step of a flow, acted on by holders of its roles."""

    __tablename__ = "flow_levels"
    __table_args__ = (
        sa.UniqueConstraint("flow_id", "order"),
        sa.Index("idx_flow_levels_flow", "flow_id"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    order: Mapped[int]
    flow_id: Mapped[str] = mapped_column(sa.ForeignKey("flows.id", ondelete="CASCADE"))
    config: Mapped[dict[str, Any]] = json_column("{}")

    flow: Mapped[Flow] = relationship(back_populates="levels")
    tasks: Mapped[list[FlowLevelTask]] = relationship(
        back_populates="level",
        order_by="FlowLevelTask.order",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    roles: Mapped[list[Role]] = relationship(
        secondary=flow_level_roles, back_populates="flow_levels"
    )
    outgoing_branches: Mapped[list[FlowBranch]] = relationship(
        back_populates="from_level", cascade="all, delete-orphan", passive_deletes=True
    )


class FlowLevelTask(TenantOwned, Base):
    """A task placed on a level, in order."""

    __tablename__ = "flow_level_tasks"
    __table_args__ = (
        sa.UniqueConstraint("level_id", "order"),
        sa.Index("idx_flow_level_tasks_level", "level_id"),
        sa.Index("idx_flow_level_tasks_task", "task_id"),
    )

    id: Mapped[str] = id_column()
    level_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_levels.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(sa.ForeignKey("tasks.id"))
    order: Mapped[int]
    config: Mapped[dict[str, Any]] = json_column("{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    level: Mapped[FlowLevel] = relationship(back_populates="tasks")
    task: Mapped[Task] = relationship(back_populates="flow_level_tasks")


class FlowBranch(TenantOwned, Timestamps, Base):
    """A conditional jump from a level to another; lower priority numbers are tried first."""

    __tablename__ = "flow_branches"
    __table_args__ = (
        sa.Index("idx_flow_branches_flow", "flow_id"),
        sa.Index("idx_flow_branches_from_level", "from_level_id"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    from_level_id: Mapped[str] = mapped_column(sa.ForeignKey("flow_levels.id", ondelete="CASCADE"))
    to_level_id: Mapped[str] = mapped_column(sa.String(36))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType)
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    flow_id: Mapped[str] = mapped_column(sa.ForeignKey("flows.id", ondelete="CASCADE"))

    from_level: Mapped[FlowLevel] = relationship(back_populates="outgoing_branches")
    flow: Mapped[Flow] = relationship(back_populates="branches")


class FlowInstance(TenantOwned, Base):
    """One run of a flow, from its initiator to completion."""

    __tablename__ = "flow_instances"
    __table_args__ = (
        sa.Index("idx_flow_instances_flow", "flow_id"),
        sa.Index("idx_flow_instances_status", "status"),
        sa.Index("idx_flow_instances_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    flow_id: Mapped[str] = mapped_column(sa.ForeignKey("flows.id"))
    current_level_order: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[FlowInstanceStatus] = enum_column(
        FlowInstanceStatus, FlowInstanceStatus.IN_PROGRESS
    )
    context_data: Mapped[dict[str, Any]] = json_column("{}")
    initiator_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    completed_at: Mapped[datetime | None]

    flow: Mapped[Flow] = relationship(back_populates="instances")
    initiator: Mapped[User] = relationship()
    task_executions: Mapped[list[TaskExecution]] = relationship(back_populates="flow_instance")
