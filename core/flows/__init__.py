"""Flows: the approval engine that moves work through levels, branches and people.

Authoring (`save_flow`, `publish_flow`, `check_flow`, `delete_flow`), running (`start_flow`,
`start_instance`, `execute_task`, `approve`, `reject`, `reassign`, `cancel`,
`apply_overdue_deadlines`) and reading (`pending_tasks_for`, `get_instance`,
`instance_history`, `list_instances`, `get_definition`).
docs/flows.md walks through it."""

from core.flows.authoring import (
    BranchSpec,
    DeletedFlow,
    FlowSpec,
    LevelSpec,
    archive_flow,
    check_flow,
    delete_flow,
    get_flow,
    publish_flow,
    save_flow,
)
from core.flows.deadlines import DeadlineApplied, apply_overdue_deadlines
from core.flows.definition import END, FlowSnapshot
from core.flows.engine import (
    ActionResult,
    approve,
    cancel,
    execute_task,
    reassign,
    reject,
    start_flow,
    start_instance,
)
from core.flows.errors import (
    AlreadyAssigned,
    FlowDefinitionInvalid,
    FlowInUse,
    FlowNotStartable,
    InstanceClosed,
    LevelMoved,
    MissingPermission,
    NotYourTurn,
    TaskNotOnLevel,
    TasksPending,
)
from core.flows.frozen import FrozenDefinition, get_definition
from core.flows.inbox import LevelTask, PendingTask, pending_tasks_for
from core.flows.instances import (
    CurrentLevel,
    HistoryEntry,
    InstanceSummary,
    InstanceView,
    Waiting,
    get_instance,
    instance_history,
    list_instances,
)

__all__ = [
    "END",
    "ActionResult",
    "AlreadyAssigned",
    "BranchSpec",
    "CurrentLevel",
    "DeadlineApplied",
    "DeletedFlow",
    "FlowDefinitionInvalid",
    "FlowInUse",
    "FlowNotStartable",
    "FlowSnapshot",
    "FlowSpec",
    "FrozenDefinition",
    "HistoryEntry",
    "InstanceClosed",
    "InstanceSummary",
    "InstanceView",
    "LevelMoved",
    "LevelSpec",
    "LevelTask",
    "MissingPermission",
    "NotYourTurn",
    "PendingTask",
    "TaskNotOnLevel",
    "TasksPending",
    "Waiting",
    "apply_overdue_deadlines",
    "approve",
    "archive_flow",
    "cancel",
    "check_flow",
    "delete_flow",
    "execute_task",
    "get_definition",
    "get_flow",
    "get_instance",
    "instance_history",
    "list_instances",
    "pending_tasks_for",
    "publish_flow",
    "reassign",
    "reject",
    "save_flow",
    "start_flow",
    "start_instance",
]
