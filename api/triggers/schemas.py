"""Request and response bodies of triggers, executions and notifications (camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from api.structs import Body, Out
from core.models import EventType, Trigger, TriggerExecution, TriggerExecutionStatus

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Id = Annotated[str, Meta(min_length=1, max_length=36)]


class TriggerCreate(Body):
    name: Name
    event_type: EventType
    actions: list[Any]
    description: str | None = None
    is_active: bool = True
    event_config: dict[str, Any] = {}
    conditions: Any = None
    settings: dict[str, Any] = {}
    task_id: Id | None = None
    flow_id: Id | None = None
    table_id: Id | None = None


class TriggerUpdate(Body):
    name: Name | UnsetType = UNSET
    event_type: EventType | UnsetType = UNSET
    actions: list[Any] | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    is_active: bool | UnsetType = UNSET
    event_config: dict[str, Any] | UnsetType = UNSET
    conditions: Any | UnsetType = UNSET
    settings: dict[str, Any] | UnsetType = UNSET
    task_id: Id | UnsetType | None = UNSET
    flow_id: Id | UnsetType | None = UNSET
    table_id: Id | UnsetType | None = UNSET


class TriggerOut(Out):
    id: str
    name: str
    description: str | None
    is_active: bool
    event_type: EventType
    event_config: dict[str, Any]
    conditions: Any
    actions: list[Any]
    settings: dict[str, Any]
    task_id: str | None
    flow_id: str | None
    table_id: str | None
    created_at: datetime
    updated_at: datetime


class ActionOut(Out):
    name: str
    description: str
    config_schema: dict[str, Any]


class ExecutionOut(Out):
    id: str
    trigger_id: str
    event_data: dict[str, Any]
    conditions_met: bool
    condition_result: dict[str, Any]
    actions_executed: list[Any]
    status: TriggerExecutionStatus
    error_message: str | None
    execution_time: int
    executed_at: datetime


class StatsOut(Out):
    since: str
    days: int
    total: int
    by_status: dict[str, int]
    average_execution_time_ms: float | None


class RetryOut(Out):
    run_id: str


def trigger_out(t: Trigger) -> TriggerOut:
    return TriggerOut(
        id=t.id,
        name=t.name,
        description=t.description,
        is_active=t.is_active,
        event_type=t.event_type,
        event_config=t.event_config,
        conditions=t.conditions,
        actions=t.actions,
        settings=t.settings,
        task_id=t.task_id,
        flow_id=t.flow_id,
        table_id=t.table_id,
        created_at=t.created_at,
        updated_at=t.updated_at,
    )


def execution_out(e: TriggerExecution) -> ExecutionOut:
    return ExecutionOut(
        id=e.id,
        trigger_id=e.trigger_id,
        event_data=e.event_data,
        conditions_met=e.conditions_met,
        condition_result=e.condition_result,
        actions_executed=e.actions_executed,
        status=e.status,
        error_message=e.error_message,
        execution_time=e.execution_time,
        executed_at=e.executed_at,
    )


def changes_of(body: TriggerUpdate) -> dict[str, Any]:
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not UNSET
    }
