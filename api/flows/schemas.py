"""Request and response bodies of flow definitions, instances, actions and the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta

from api.organisation.schemas import Id, Name
from api.structs import Body, Out, mapper
from core.flows import END, FlowSnapshot, InstanceView, PendingTask, branches_in_order
from core.models import Flow, FlowInstance, FlowInstanceStatus, FlowStatus

Order = Annotated[int, Meta(ge=1, le=1000)]
Priority = Annotated[int, Meta(ge=-1_000_000, le=1_000_000)]
Comment = Annotated[str, Meta(max_length=2000)]
Text = Annotated[str, Meta(max_length=2000)]


class LevelIn(Body):
    order: Order
    name: Name
    description: Text | None = None
    task_ids: Annotated[list[Id], Meta(max_length=50)] = []
    roles: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=200)]], Meta(max_length=50)
    ] = []
    """Role ids or names of the company."""
    config: dict[str, Any] = {}
    """completion ("any", "all" or a number), deadlineHours, onReject ("fail" or
    {"sendBackTo": level}), decision ({"field", "rejectValues"})."""


class BranchIn(Body):
    name: Name
    from_level: Order
    to_level: Order | Annotated[str, Meta(pattern=f"^{END}$")]
    """A level's order, or "END" to complete the flow."""
    conditions: Any
    """JSONLogic, or the seed's {"operator", "rules"} format."""
    priority: Priority = 0


class FlowIn(Body):
    name: Name
    levels: Annotated[list[LevelIn], Meta(max_length=100)]
    description: Text | None = None
    config: dict[str, Any] = {}
    branches: Annotated[list[BranchIn], Meta(max_length=500)] = []


class NamedRef(Out):
    id: str
    name: str


class LevelOut(Out):
    id: str
    order: int
    name: str
    description: str | None
    config: dict[str, Any]
    tasks: list[NamedRef]
    roles: list[NamedRef]


class BranchOut(Out):
    id: str
    name: str
    from_level: int | None
    to_level: int | str | None
    conditions: Any
    priority: int


class FlowOut(Out):
    id: str
    name: str
    description: str | None
    status: FlowStatus
    config: dict[str, Any]
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    levels: list[LevelOut]
    branches: list[BranchOut]


class FlowSummary(Out):
    id: str
    name: str
    description: str | None
    status: FlowStatus
    published_at: datetime | None
    updated_at: datetime


class ProblemOut(Out):
    path: str
    message: str
    code: str


class CheckOut(Out):
    ok: bool
    problems: list[ProblemOut]


class LevelSampleIn(Body):
    order: Order
    """The level whose forms the values fill."""
    data: dict[str, Any] = {}
    """Sample values of the level's forms, keyed by field id or label."""


class SimulateIn(Body):
    levels: Annotated[list[LevelSampleIn], Meta(max_length=100)] = []
    """Sample form data per level; a level without any is taken as approved without data."""


class BranchTriedOut(Out):
    index: int
    """The branch's place in the flow's `branches` (problems name it `/branches/{index}`)."""
    name: str
    priority: int
    to_level: int | None
    """null: the flow completes."""
    holds: bool
    taken: bool
    explanation: list[dict[str, Any]]
    """The condition's explanation tree: {op, args, result, path, children}."""
    error: str | None


class SimulatedLevelOut(Out):
    order: int
    name: str
    completion: dict[str, Any]
    roles: list[str]
    data: dict[str, Any]
    branches: list[BranchTriedOut]
    outcome: Literal["branch", "next", "end", "send_back", "fail", "loop"]
    """How the instance leaves the level: a branch, the next level, the end, sent back or
    failed by its decision field, or a loop (the same level again with the same data)."""
    next_level: int | None
    decision: dict[str, Any] | None


class SimulationOut(Out):
    outcome: Literal["completed", "rejected", "loops"]
    path: list[int]
    levels: list[SimulatedLevelOut]
    context: dict[str, Any]
    """The instance's data at the end of the path."""


class StartIn(Body):
    data: dict[str, Any] | None = None
    """Initial context data."""
    assign_to: Annotated[str, Meta(min_length=1, max_length=254)] | None = None
    """Admins only: a user (id or email) or role (id or name) asked to act on level 1."""


class SubmitIn(Body):
    data: dict[str, Any]
    """The task's values, keyed by field id (or label)."""
    level_order: Order | None = None
    """The level the user is acting on; refused with 409 if the instance has moved on."""


class DecisionIn(Body):
    comment: Comment | None = None
    level_order: Order | None = None


class ReassignIn(Body):
    to_user_id: Id
    from_user_id: Id | None = None
    comment: Comment | None = None


class CancelIn(Body):
    reason: Comment | None = None


class WaitingOut(Out):
    user_id: str
    user_name: str
    source: str
    since: datetime


class CurrentLevelOut(Out):
    order: int
    name: str
    entered_at: datetime
    due_at: datetime | None
    required_approvals: int
    approvals: int
    waiting_on: list[WaitingOut]


class InstanceState(Out):
    """An instance as an action left it, and the definition it runs on."""

    id: str
    flow_id: str
    status: FlowInstanceStatus
    current_level_order: int
    context_data: dict[str, Any]
    initiator_id: str
    started_at: datetime
    completed_at: datetime | None
    definition_id: str | None
    """The frozen definition its steps are validated against: GET /flow-definitions/{id}."""
    version: str | None
    """The semantic version of the release that definition was frozen from; null when the
    instance runs on the flow's own rows (unreleased, or its company sees no release)."""


class InstanceOut(InstanceState):
    """An instance as read: also its flow's name and, while it runs, whom its level waits
    for."""

    flow_name: str
    current_level: CurrentLevelOut | None


class ActionOut(Out):
    instance: InstanceState
    execution_id: str | None
    level_closed: bool


class InstanceRow(Out):
    id: str
    flow_id: str
    flow_name: str
    status: FlowInstanceStatus
    current_level_order: int
    current_level_name: str | None
    initiator_id: str
    started_at: datetime
    completed_at: datetime | None
    definition_id: str | None
    version: str | None
    """As on one instance: the release its definition was frozen from, null if none."""


class HistoryOut(Out):
    at: datetime
    kind: str
    level_order: int | None
    level_name: str | None
    actor_id: str | None
    actor_name: str | None
    task_id: str | None
    task_name: str | None
    execution_id: str | None
    data: dict[str, Any] | None
    comment: str | None
    details: dict[str, Any]


class PendingTaskOut(Out):
    # None for a task by a role the user was given after the level was entered.
    assignment_id: str | None
    source: str
    assigned_at: datetime
    instance_id: str
    flow_id: str
    flow_name: str
    initiator_id: str
    started_at: datetime
    level_order: int
    level_name: str
    tasks: list[NamedRef]
    due_at: datetime | None
    overdue: bool


def flow_out(flow: Flow) -> FlowOut:
    order_of = {level.id: level.order for level in flow.levels}
    return FlowOut(
        id=flow.id,
        name=flow.name,
        description=flow.description,
        status=flow.status,
        config=flow.config,
        published_at=flow.published_at,
        created_at=flow.created_at,
        updated_at=flow.updated_at,
        levels=[
            LevelOut(
                id=level.id,
                order=level.order,
                name=level.name,
                description=level.description,
                config=level.config,
                tasks=[NamedRef(id=link.task.id, name=link.task.name) for link in level.tasks],
                roles=[NamedRef(id=role.id, name=role.name) for role in level.roles],
            )
            for level in flow.levels
        ],
        branches=[
            BranchOut(
                id=branch.id,
                name=branch.name,
                from_level=order_of.get(branch.from_level_id),
                to_level=END if branch.to_level_id == END else order_of.get(branch.to_level_id),
                conditions=branch.conditions,
                priority=branch.priority,
            )
            for branch in branches_in_order(flow)
        ],
    )


def instance_state(instance: FlowInstance, definition: FlowSnapshot | None) -> InstanceState:
    return InstanceState(
        id=instance.id,
        flow_id=instance.flow_id,
        status=instance.status,
        current_level_order=instance.current_level_order,
        context_data=instance.context_data,
        initiator_id=instance.initiator_id,
        started_at=instance.started_at,
        completed_at=instance.completed_at,
        definition_id=definition.definition_id if definition else None,
        version=definition.version if definition else None,
    )


def instance_out(view: InstanceView) -> InstanceOut:
    instance, current = view.instance, view.current
    return InstanceOut(
        id=instance.id,
        flow_id=instance.flow_id,
        status=instance.status,
        current_level_order=instance.current_level_order,
        context_data=instance.context_data,
        initiator_id=instance.initiator_id,
        started_at=instance.started_at,
        completed_at=instance.completed_at,
        flow_name=view.flow_name,
        definition_id=view.definition_id,
        version=view.version,
        current_level=CurrentLevelOut(
            order=current.order,
            name=current.name,
            entered_at=current.entered_at,
            due_at=current.due_at,
            required_approvals=current.required_approvals,
            approvals=current.approvals,
            waiting_on=[
                WaitingOut(user_id=w.user_id, user_name=w.user_name, source=w.source, since=w.since)
                for w in current.waiting_on
            ],
        )
        if current
        else None,
    )


history_out = mapper(HistoryOut)


def pending_out(item: PendingTask) -> PendingTaskOut:
    return PendingTaskOut(
        assignment_id=item.assignment_id,
        source=item.source,
        assigned_at=item.assigned_at,
        instance_id=item.instance_id,
        flow_id=item.flow_id,
        flow_name=item.flow_name,
        initiator_id=item.initiator_id,
        started_at=item.started_at,
        level_order=item.level_order,
        level_name=item.level_name,
        tasks=[NamedRef(id=t.id, name=t.name) for t in item.tasks],
        due_at=item.due_at,
        overdue=item.overdue,
    )


class ActiveLevelTask(Out):
    id: str
    order: int
    task_id: str
    task_name: str
    fields: list[dict[str, Any]]


class ActiveLevel(Out):
    id: str
    name: str
    order: int
    config: dict[str, Any]
    tasks: list[ActiveLevelTask]


class ActiveFlow(Out):
    id: str
    name: str
    description: str | None
    status: FlowStatus
    published_at: datetime | None
    levels: list[ActiveLevel]
