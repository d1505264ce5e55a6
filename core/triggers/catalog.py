"""What a trigger builder needs to know besides the actions (`GET /trigger-actions`): each
event type, what a trigger on it is attached to, the payload keys its templates may use and
the JSON Schema of its `eventConfig`; and the JSON Schema of a trigger's `settings`."""

from __future__ import annotations

from typing import Any, Literal

from core.events.payloads import FLOW_EVENT_VARIABLES, PAYLOAD_KEYS
from core.models import EventType
from core.plugins.forms import form_schema
from core.scheduling.schedule import SCHEDULE_CONFIG_SCHEMA
from core.triggers.trigger_settings import TriggerSettings

Attachment = Literal["task", "flow", "table", "schedule", "webhook"]

ATTACHED_TO: dict[EventType, Attachment] = {
    EventType.TASK_STARTED: "task",
    EventType.TASK_COMPLETED: "task",
    EventType.TASK_UPDATED: "task",
    EventType.FIELD_CHANGED: "task",
    EventType.FLOW_STARTED: "flow",
    EventType.FLOW_COMPLETED: "flow",
    EventType.DATABASE_ROW_CREATED: "table",
    EventType.DATABASE_ROW_UPDATED: "table",
    EventType.SCHEDULED: "schedule",
    EventType.WEBHOOK_RECEIVED: "webhook",
}
"""What a trigger on each event type names: a task, a flow or a table (or none: any), its
schedule (eventConfig), or its webhook endpoints."""

_WATCHED_FIELDS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "fields": {
            "type": "array",
            "title": "Only these fields (ids or labels; none: any field)",
            "items": {"type": "string", "minLength": 1},
        }
    },
    "additionalProperties": False,
}


def event_catalog() -> list[dict[str, Any]]:
    """Every event type: {"type", "attachedTo", "payloadKeys" (null: the sender's body, any
    key), "configSchema"}. Flow events also offer the links the engine adds."""
    out = []
    for event_type in EventType:
        keys = PAYLOAD_KEYS.get(event_type)
        names = None if keys is None else sorted(keys)
        if names is not None and "instanceId" in names:
            links = FLOW_EVENT_VARIABLES if "stepNumber" in names else {"link_to_task"}
            names = sorted({*names, *links})
        config: dict[str, Any] = {"type": "object"}
        if event_type is EventType.SCHEDULED:
            config = SCHEDULE_CONFIG_SCHEMA
        elif event_type is EventType.FIELD_CHANGED:
            config = _WATCHED_FIELDS
        out.append(
            {
                "type": event_type.value,
                "attachedTo": ATTACHED_TO.get(event_type, "task"),
                "payloadKeys": names,
                "configSchema": config,
            }
        )
    return out


def settings_schema() -> dict[str, Any]:
    """The JSON Schema of a trigger's `settings` (retries, backoff, delay, rate limit, what a
    failing action does, chain depth), titled for a form."""
    return form_schema(TriggerSettings)
