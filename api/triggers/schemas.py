"""Request and response bodies of triggers, executions and notifications (camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from api.structs import Body, Out, mapper
from core.models import EventType, TriggerExecutionStatus

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


class TriggerTestIn(Body):
    data: dict[str, Any] | None = None
    """A sample event payload (form fields may be given at the top level)."""
    event_id: Id | None = None
    """Or a recorded event of the trigger's event type, by id."""


class ActionPreviewOut(Out):
    index: int
    type: str
    description: str
    would_run: bool
    config: Any
    """The config rendered with the event's variables, as the action would receive it."""
    warnings: list[str]
    error: str | None


class TriggerTestOut(Out):
    event: dict[str, Any]
    conditions_met: bool
    explanation: list[dict[str, Any]]
    """The condition's explanation tree: {op, args, result, path, children}."""
    condition_result: dict[str, Any]
    variables: list[str]
    actions: list[ActionPreviewOut]


class EventTypeOut(Out):
    type: EventType
    attached_to: str
    """What a trigger on it names: task, flow, table, schedule or webhook."""
    payload_keys: list[str] | None
    """Keys its templates may use besides the form's fields (null: any, a webhook's body)."""
    config_schema: dict[str, Any]
    """JSON Schema of the trigger's eventConfig for this event type."""


class TriggerSchemasOut(Out):
    settings_schema: dict[str, Any]
    """JSON Schema of a trigger's settings."""
    events: list[EventTypeOut]


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


trigger_out = mapper(TriggerOut)


execution_out = mapper(ExecutionOut)


def changes_of(body: TriggerUpdate) -> dict[str, Any]:
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not UNSET
    }
