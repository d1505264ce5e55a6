"""Triggers and their execution log: the seed's section 5."""

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
from core.models.enums import EventType, TriggerExecutionStatus

if TYPE_CHECKING:
    from core.models.flows import Flow
    from core.models.records import CustomTable
    from core.models.tasks import Task


class Trigger(TenantOwned, Timestamps, Base):
    """event -> condition -> actions. Attached to a task, a flow, a custom table, or nothing
    (scheduled and webhook triggers). `table_id` is beyond the seed: DATABASE_ROW_* events
    need to name the table they watch."""

    __tablename__ = "triggers"
    __table_args__ = (
        sa.Index("idx_triggers_event_type", "event_type"),
        sa.Index("idx_triggers_task", "task_id"),
        sa.Index("idx_triggers_flow", "flow_id"),
        sa.Index("idx_triggers_table", "table_id"),
        sa.Index("idx_triggers_company", "company_id"),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str]
    description: Mapped[str | None]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    event_type: Mapped[EventType] = enum_column(EventType)
    event_config: Mapped[dict[str, Any]] = json_column("{}")
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    actions: Mapped[list[Any]] = mapped_column(JSONType)
    settings: Mapped[dict[str, Any]] = json_column("{}")
    task_id: Mapped[str | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    flow_id: Mapped[str | None] = mapped_column(sa.ForeignKey("flows.id", ondelete="CASCADE"))
    table_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("custom_tables.id", ondelete="CASCADE")
    )

    task: Mapped[Task | None] = relationship(back_populates="triggers")
    flow: Mapped[Flow | None] = relationship(back_populates="triggers")
    table: Mapped[CustomTable | None] = relationship()
    executions: Mapped[list[TriggerExecution]] = relationship(
        back_populates="trigger", cascade="all, delete-orphan", passive_deletes=True
    )


class TriggerExecution(TenantOwned, Base):
    """One evaluation of a trigger for one event, with per-action results."""

    __tablename__ = "trigger_executions"
    __table_args__ = (
        sa.Index("idx_trigger_executions_trigger", "trigger_id"),
        sa.Index("idx_trigger_executions_status", "status"),
        sa.Index("idx_trigger_executions_timestamp", "executed_at"),
    )

    id: Mapped[str] = id_column()
    trigger_id: Mapped[str] = mapped_column(sa.ForeignKey("triggers.id", ondelete="CASCADE"))
    event_data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    conditions_met: Mapped[bool]
    condition_result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    actions_executed: Mapped[list[Any]] = mapped_column(JSONType)
    status: Mapped[TriggerExecutionStatus] = enum_column(
        TriggerExecutionStatus, TriggerExecutionStatus.SUCCESS
    )
    error_message: Mapped[str | None]
    execution_time: Mapped[int]
    executed_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())

    trigger: Mapped[Trigger] = relationship(back_populates="executions")
