"""Errors of the flow engine: each is a state a caller can act on, with a stable code."""

from __future__ import annotations

from core.errors import Conflict, PermissionDenied, ValidationFailed


class FlowDefinitionInvalid(ValidationFailed):
    """The flow cannot run as defined; `problems` points at every offending level or branch."""

    code = "flow_definition_invalid"


class FlowNotStartable(Conflict):
    """The flow is archived (or otherwise closed to new instances)."""

    code = "flow_not_startable"


class FlowInUse(Conflict):
    """The flow has running instances: it cannot be deleted until they finish or are
    cancelled (archiving it stops new ones)."""

    code = "flow_in_use"


class FlowHasHistory(Conflict):
    """The flow has finished instances: deleting it would destroy their history, so it is
    archived instead."""

    code = "flow_has_history"


class InstanceClosed(Conflict):
    """The instance is completed, failed or cancelled: nothing more can happen to it."""

    code = "flow_instance_closed"


class LevelMoved(Conflict):
    """The instance is no longer on the level the caller meant to act on (someone else's
    action moved it on in the meantime)."""

    code = "flow_level_moved"


class NotYourTurn(PermissionDenied):
    """The user is not asked to act on the instance's current level."""

    code = "flow_not_your_turn"


class TaskNotOnLevel(Conflict):
    """The task is not one of the current level's tasks."""

    code = "flow_task_not_on_level"


class TasksPending(Conflict):
    """The level has tasks; submitting them is how this user approves it."""

    code = "flow_tasks_pending"


class MissingPermission(PermissionDenied):
    """None of the user's company roles grants the permission (canApprove, canReject,
    canReassign), or the user may not cancel this instance."""

    code = "flow_missing_permission"


class AlreadyAssigned(Conflict):
    """The reassignment target is already asked to act on this level."""

    code = "flow_already_assigned"
