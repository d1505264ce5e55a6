"""What each kind of event carries: the keys of its payload, as the platform emits them.
Saving a trigger checks its templates against these (a variable no event of its kind can
have is refused); tests/triggers/test_template_variables.py (records, standalone submissions,
schedules) and tests/flows/test_expense_scenario.py (a flow's events) hold the emitters to them."""

from __future__ import annotations

from collections.abc import Mapping

from core.models import EventType

_SUBMISSION = frozenset(
    {
        "executionId",
        "taskId",
        "taskName",
        "executorId",
        "instanceId",
        "flowId",
        "levelOrder",
        "levelName",
        "version",
        "data",
    }
)
_FLOW = frozenset({"instanceId", "flowId", "initiatorId", "status", "levelOrder", "data"})
_ROW = frozenset({"tableId", "tableName", "recordId", "data", "userId"})

PAYLOAD_KEYS: Mapping[EventType, frozenset[str] | None] = {
    EventType.TASK_COMPLETED: _SUBMISSION,
    EventType.TASK_UPDATED: _SUBMISSION | {"previous", "changedFields"},
    EventType.FIELD_CHANGED: _SUBMISSION | {"fieldId", "fieldLabel", "oldValue", "newValue"},
    EventType.TASK_STARTED: frozenset(
        {
            "taskId",
            "taskName",
            "instanceId",
            "flowId",
            "initiatorId",
            "levelOrder",
            "levelName",
            "stepNumber",
            "assigneeIds",
            "dueAt",
            "data",
        }
    ),
    EventType.FLOW_STARTED: _FLOW | {"flowName", "definitionId", "version"},
    EventType.FLOW_COMPLETED: _FLOW,
    EventType.DATABASE_ROW_CREATED: _ROW,
    EventType.DATABASE_ROW_UPDATED: _ROW | {"previous", "changedFields"},
    EventType.SCHEDULED: frozenset({"triggerId", "scheduledFor", "firedAt", "late"}),
    # A webhook's body is the sender's: any key may be there.
    EventType.WEBHOOK_RECEIVED: None,
}
"""Payload keys per event type; None where the payload is open (what the sender sent)."""

FLOW_EVENT_VARIABLES = frozenset({"link_to_task", "approve_link", "reject_link"})
"""Variables the engine adds to the events of a flow (those carrying `instanceId`)."""
