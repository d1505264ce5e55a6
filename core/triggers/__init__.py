"""Triggers: events matched to triggers, conditions evaluated once, actions run in order
through plugins, one TriggerExecution per (trigger, event). docs/triggers.md explains it."""

from core.templating import TemplateFailed
from core.triggers.actions import Action, ActionContext, EventInfo, TriggerInfo
from core.triggers.admission import admit
from core.triggers.dry_run import ActionPreview, TriggerTest, dry_run_trigger
from core.triggers.engine import TriggerEngine, worker_name
from core.triggers.errors import ActionConfigInvalid, ActionFailed, UnknownAction
from core.triggers.history import execution_stats, get_execution, list_executions, retry_execution
from core.triggers.registry import ActionRegistry, get_action_registry
from core.triggers.relay import mark_dispatched, pending_events, prune_outbox
from core.triggers.runs import runs_to_redeliver
from core.triggers.service import (
    TriggerSpec,
    create_trigger,
    delete_trigger,
    get_trigger,
    list_triggers,
    update_trigger,
    validate_trigger,
)
from core.triggers.trigger_settings import TriggerSettings, parse_settings, parse_steps

__all__ = [
    "Action",
    "ActionConfigInvalid",
    "ActionContext",
    "ActionFailed",
    "ActionPreview",
    "ActionRegistry",
    "EventInfo",
    "TemplateFailed",
    "TriggerEngine",
    "TriggerInfo",
    "TriggerSettings",
    "TriggerSpec",
    "TriggerTest",
    "UnknownAction",
    "admit",
    "create_trigger",
    "delete_trigger",
    "dry_run_trigger",
    "execution_stats",
    "get_action_registry",
    "get_execution",
    "get_trigger",
    "list_executions",
    "list_triggers",
    "mark_dispatched",
    "parse_settings",
    "parse_steps",
    "pending_events",
    "prune_outbox",
    "retry_execution",
    "runs_to_redeliver",
    "update_trigger",
    "validate_trigger",
    "worker_name",
]
