"""Routes of flows: thin handlers over core.flows for definitions (save, check, publish, delete),
instances (start, submit, approve, reject, reassign, cancel), history, listing and the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Router, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.deps import DB, Actor
from api.flows import delegation, links
from api.flows.frozen import FlowDefinitionOut, frozen_definition_out
from api.flows.schemas import (
    ActionOut,
    ActiveFlow,
    ActiveLevel,
    ActiveLevelTask,
    CancelIn,
    CheckOut,
    DecisionIn,
    FlowIn,
    FlowOut,
    FlowSummary,
    HistoryOut,
    InstanceOut,
    InstanceRow,
    InstanceState,
    PendingTaskOut,
    ProblemOut,
    ReassignIn,
    SimulateIn,
    SimulationOut,
    StartIn,
    SubmitIn,
    flow_out,
    history_out,
    instance_out,
    instance_state,
    pending_out,
)
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, first_published, page
from api.structs import mapper, to_out
from core import flows
from core.access import Principal
from core.flows import use_cases
from core.flows.engine import OVERSEERS
from core.models import FlowInstance, FlowInstanceStatus, FlowStatus
from core.tenancy import company_of

DEFINITIONS = ["flows"]
RUNNING = ["flow instances"]
ActiveFlowPage = Annotated[PageOut[ActiveFlow], first_published(ActiveFlow)]


def _viewer(principal: Principal) -> str | None:
    """Admins and developers see every instance; everyone else those they are involved in."""
    return None if principal.role in OVERSEERS else principal.user_id


def _spec(data: FlowIn) -> flows.FlowSpec:
    return flows.FlowSpec(
        name=data.name,
        description=data.description,
        config=data.config,
        levels=[
            flows.LevelSpec(
                order=level.order,
                name=level.name,
                description=level.description,
                task_ids=list(level.task_ids),
                roles=list(level.roles),
                config=level.config,
            )
            for level in data.levels
        ],
        branches=[
            flows.BranchSpec(
                name=branch.name,
                from_level=branch.from_level,
                to_level=branch.to_level,
                conditions=branch.conditions,
                priority=branch.priority,
            )
            for branch in data.branches
        ],
    )


@get("/flows", guards=[requires("flows.read")], summary="List flows")
async def list_flows(
    db: DB,
    principal: Actor,
    limit: Limit = 50,
    offset: Offset = 0,
    status: FromQuery[FlowStatus | None] = None,
) -> PageOut[FlowSummary]:
    return page(
        await flows.list_flows(db, company_id=company_of(principal), status=status),
        limit,
        offset,
        mapper(FlowSummary),
    )


@post(
    "/flows",
    guards=[requires("flows.write")],
    summary="Create a flow: levels, their tasks and roles, branches (checked first)",
)
async def create_flow(db: DB, principal: Actor, data: JSONBody[FlowIn]) -> FlowOut:
    flow = await use_cases.create_flow(db, principal, spec=_spec(data))
    return flow_out(flow)


@get("/flows/{flow_id:str}", guards=[requires("flows.read")], summary="Read a flow")
async def read_flow(db: DB, principal: Actor, flow_id: FromPath[str]) -> FlowOut:
    return flow_out(await flows.get_flow(db, company_id=company_of(principal), flow_id=flow_id))


@put(
    "/flows/{flow_id:str}",
    guards=[requires("flows.write")],
    summary="Replace a flow's definition (running instances keep theirs)",
)
async def replace_flow(
    db: DB, principal: Actor, flow_id: FromPath[str], data: JSONBody[FlowIn]
) -> FlowOut:
    flow = await use_cases.replace_flow(db, principal, flow_id=flow_id, spec=_spec(data))
    return flow_out(flow)


@delete(
    "/flows/{flow_id:str}",
    guards=[requires("flows.write")],
    summary="Delete a flow that never ran (409 once it has instances: archive it instead)",
)
async def delete_flow(db: DB, principal: Actor, flow_id: FromPath[str]) -> None:
    await use_cases.delete_flow(db, principal, flow_id=flow_id)


@post(
    "/flows/{flow_id:str}/archive",
    guards=[requires("flows.write")],
    summary="Archive a flow: no new instances; running ones finish; history stays",
    status_code=200,
)
async def archive_flow(db: DB, principal: Actor, flow_id: FromPath[str]) -> FlowOut:
    flow = await use_cases.archive_flow(db, principal, flow_id=flow_id)
    return flow_out(flow)


@get(
    "/flows/{flow_id:str}/check",
    guards=[requires("flows.read")],
    summary="Every problem that would stop the flow from being published",
)
async def check_flow(db: DB, principal: Actor, flow_id: FromPath[str]) -> CheckOut:
    problems = await flows.check_flow(db, company_id=company_of(principal), flow_id=flow_id)
    return CheckOut(
        ok=not problems,
        problems=[ProblemOut(path=p.path, message=p.message, code=p.code) for p in problems],
    )


@post(
    "/flows/{flow_id:str}/simulate",
    guards=[requires("flows.read")],
    status_code=200,
    summary="The path an instance would take for sample form data per level: each branch's "
    "condition evaluated with its explanation, nothing written",
)
async def simulate_flow(
    db: DB, principal: Actor, flow_id: FromPath[str], data: JSONBody[SimulateIn]
) -> SimulationOut:
    simulation = await flows.simulate_flow(
        db,
        company_id=company_of(principal),
        flow_id=flow_id,
        samples=[flows.LevelSample(order=s.order, data=s.data) for s in data.levels],
    )
    return to_out(SimulationOut, simulation)


@post(
    "/flows/{flow_id:str}/publish",
    guards=[requires("flows.write")],
    status_code=200,
    summary="Freeze the flow as the definition new instances start on",
)
async def publish_flow(db: DB, principal: Actor, flow_id: FromPath[str]) -> FlowDefinitionOut:
    definition = await use_cases.publish_flow(db, principal, flow_id=flow_id)
    frozen = await flows.get_definition(
        db, company_id=company_of(principal), definition_id=definition.id
    )
    return frozen_definition_out(frozen)


@get(
    "/flow-definitions/{definition_id:str}",
    guards=[requires("flows.read")],
    summary="A frozen definition: the levels, tasks and fields an instance's steps are "
    "validated against (immutable)",
)
async def read_definition(
    db: DB, principal: Actor, definition_id: FromPath[str]
) -> FlowDefinitionOut:
    frozen = await flows.get_definition(
        db, company_id=company_of(principal), definition_id=definition_id
    )
    return frozen_definition_out(frozen)


@post(
    "/flows/{flow_id:str}/instances",
    summary="Start an instance of a flow",
)
async def start_instance(
    db: DB, principal: Actor, flow_id: FromPath[str], data: JSONBody[StartIn]
) -> InstanceState:
    started = await use_cases.start_instance(
        db, principal, flow_id=flow_id, data=data.data, assign_to=data.assign_to
    )
    instance = started.instance
    return instance_state(instance, started.definition)


@get(
    "/flow-instances",
    summary="List instances by flow, status, initiator and start date (newest first)",
)
async def list_instances(
    db: DB,
    principal: Actor,
    limit: Limit = 50,
    offset: Offset = 0,
    flow_id: Annotated[str | None, QueryParameter(name="flowId")] = None,
    status: FromQuery[FlowInstanceStatus | None] = None,
    initiator_id: Annotated[str | None, QueryParameter(name="initiatorId")] = None,
    started_from: Annotated[datetime | None, QueryParameter(name="startedFrom")] = None,
    started_to: Annotated[datetime | None, QueryParameter(name="startedTo")] = None,
) -> PageOut[InstanceRow]:
    items, total = await flows.list_instances(
        db,
        company_id=company_of(principal),
        flow_id=flow_id,
        status=status,
        initiator_id=initiator_id,
        started_from=started_from,
        started_to=started_to,
        viewer_id=_viewer(principal),
        limit=limit,
        offset=offset,
    )
    return PageOut(
        items=[
            InstanceRow(
                id=s.instance.id,
                flow_id=s.instance.flow_id,
                flow_name=s.flow_name,
                status=s.instance.status,
                current_level_order=s.instance.current_level_order,
                current_level_name=s.level_name,
                initiator_id=s.instance.initiator_id,
                started_at=s.instance.started_at,
                completed_at=s.instance.completed_at,
                definition_id=s.definition_id,
                version=s.version,
            )
            for s in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@get(
    "/flow-instances/{instance_id:str}",
    summary="Read an instance: its status, context data and whom it waits for",
)
async def read_instance(db: DB, principal: Actor, instance_id: FromPath[str]) -> InstanceOut:
    view = await flows.get_instance(
        db, company_id=company_of(principal), instance_id=instance_id, viewer_id=_viewer(principal)
    )
    return instance_out(view)


@get(
    "/flow-instances/{instance_id:str}/history",
    summary="Everything that happened to an instance: executions and decisions, who and when",
)
async def instance_history(
    db: DB, principal: Actor, instance_id: FromPath[str], limit: Limit = 50, offset: Offset = 0
) -> PageOut[HistoryOut]:
    entries = await flows.instance_history(
        db, company_id=company_of(principal), instance_id=instance_id, viewer_id=_viewer(principal)
    )
    return page(entries, limit, offset, history_out)


@post(
    "/flow-instances/{instance_id:str}/tasks/{task_id:str}",
    status_code=200,
    summary="Submit a task of the current level (its approval, once all are submitted)",
)
async def submit_task(
    db: DB,
    principal: Actor,
    instance_id: FromPath[str],
    task_id: FromPath[str],
    data: JSONBody[SubmitIn],
) -> ActionOut:
    result = await use_cases.submit_task(
        db,
        principal,
        instance_id=instance_id,
        task_id=task_id,
        data=data.data,
        expected_level=data.level_order,
    )
    return _acted(result)


@post(
    "/flow-instances/{instance_id:str}/approve",
    status_code=200,
    summary="Approve the current level (one without tasks); needs canApprove",
)
async def approve(
    db: DB, principal: Actor, instance_id: FromPath[str], data: JSONBody[DecisionIn]
) -> ActionOut:
    result = await use_cases.approve(
        db,
        principal,
        instance_id=instance_id,
        comment=data.comment,
        expected_level=data.level_order,
    )
    return _acted(result)


@post(
    "/flow-instances/{instance_id:str}/reject",
    status_code=200,
    summary="Reject the current level: fail, or send back as the level says; needs canReject",
)
async def reject(
    db: DB, principal: Actor, instance_id: FromPath[str], data: JSONBody[DecisionIn]
) -> ActionOut:
    result = await use_cases.reject(
        db,
        principal,
        instance_id=instance_id,
        comment=data.comment,
        expected_level=data.level_order,
    )
    return _acted(result)


@post(
    "/flow-instances/{instance_id:str}/reassign",
    status_code=200,
    summary="Hand a pending task to another user; needs canReassign (or an admin)",
)
async def reassign(
    db: DB, principal: Actor, instance_id: FromPath[str], data: JSONBody[ReassignIn]
) -> ActionOut:
    result = await use_cases.reassign(
        db,
        principal,
        instance_id=instance_id,
        to_user_id=data.to_user_id,
        from_user_id=data.from_user_id,
        comment=data.comment,
    )
    return _acted(result)


@post(
    "/flow-instances/{instance_id:str}/cancel",
    status_code=200,
    summary="Cancel an instance: its initiator or an admin",
)
async def cancel(
    db: DB, principal: Actor, instance_id: FromPath[str], data: JSONBody[CancelIn]
) -> ActionOut:
    result = await use_cases.cancel(db, principal, instance_id=instance_id, reason=data.reason)
    return _acted(result)


@get(
    "/inbox",
    summary="My pending flow tasks: by role, assignment or reassignment; most urgent first",
)
async def inbox(
    db: DB,
    principal: Actor,
    limit: Limit = 50,
    offset: Offset = 0,
    flow_id: Annotated[str | None, QueryParameter(name="flowId")] = None,
) -> PageOut[PendingTaskOut]:
    items, total = await flows.pending_tasks_for(
        db,
        company_id=company_of(principal),
        user_id=principal.user_id,
        flow_id=flow_id,
        limit=limit,
        offset=offset,
    )
    return PageOut(items=[pending_out(i) for i in items], total=total, limit=limit, offset=offset)


def _acted(result: flows.ActionResult) -> ActionOut:
    instance: FlowInstance = result.instance
    return ActionOut(
        instance=instance_state(instance, result.definition),
        execution_id=result.execution.id if result.execution else None,
        level_closed=result.level_closed,
    )


@get(
    "/flows/active",
    guards=[requires("flows.read")],
    summary="Active flows with their levels in order and each level's tasks",
)
async def active_flows(
    db: DB, principal: Actor, limit: Limit = 50, offset: Offset = 0
) -> ActiveFlowPage:
    """The company's published and active flows, their levels in order, and each level's
    tasks: one query (joined eager loading), as the seed's first query."""
    rows = await flows.active_flows(db, company_id=company_of(principal))
    return page(
        rows,
        limit,
        offset,
        lambda flow: ActiveFlow(
            id=flow.id,
            name=flow.name,
            description=flow.description,
            status=flow.status,
            published_at=flow.published_at,
            levels=[
                ActiveLevel(
                    id=level.id,
                    name=level.name,
                    order=level.order,
                    config=level.config,
                    tasks=[
                        ActiveLevelTask(
                            id=lt.id,
                            order=lt.order,
                            task_id=lt.task_id,
                            task_name=lt.task.name,
                            fields=lt.task.fields,
                        )
                        for lt in level.tasks
                    ],
                )
                for level in flow.levels
            ],
        ),
    )


definitions = Router(
    path="/",
    tags=DEFINITIONS,
    route_handlers=[
        active_flows,
        list_flows,
        create_flow,
        read_flow,
        replace_flow,
        delete_flow,
        archive_flow,
        check_flow,
        simulate_flow,
        publish_flow,
        read_definition,
    ],
)
instances = Router(
    guards=[requires("flows.run")],
    path="/",
    tags=RUNNING,
    route_handlers=[
        start_instance,
        list_instances,
        read_instance,
        instance_history,
        submit_task,
        approve,
        reject,
        reassign,
        cancel,
        inbox,
    ],
)
router = Router(path="/", route_handlers=[definitions, instances, links.router, delegation.router])
