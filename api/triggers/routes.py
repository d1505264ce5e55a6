"""Routes of triggers and their executions: thin handlers over core.triggers."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Response, Router, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.deps import DB, Actor, Config
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, page
from api.structs import to_out
from api.triggers.schemas import (
    ActionOut,
    EventTypeOut,
    ExecutionOut,
    RetryOut,
    StatsOut,
    TriggerCreate,
    TriggerOut,
    TriggerSchemasOut,
    TriggerTestIn,
    TriggerTestOut,
    TriggerUpdate,
    changes_of,
    execution_out,
    trigger_out,
)
from core import triggers
from core.events.dispatch import Dispatcher
from core.models import EventType, TriggerExecutionStatus
from core.tenancy import company_of
from core.triggers import catalog, use_cases

TAGS = ["triggers"]
log = logging.getLogger("erp.api.triggers")


@get("/triggers", guards=[requires("triggers.read")], summary="List triggers")
async def list_triggers(
    db: DB,
    principal: Actor,
    limit: Limit = 50,
    offset: Offset = 0,
    event_type: Annotated[EventType | None, QueryParameter(name="eventType")] = None,
    task_id: Annotated[str | None, QueryParameter(name="taskId")] = None,
    flow_id: Annotated[str | None, QueryParameter(name="flowId")] = None,
    table_id: Annotated[str | None, QueryParameter(name="tableId")] = None,
    is_active: Annotated[bool | None, QueryParameter(name="isActive")] = None,
) -> PageOut[TriggerOut]:
    found = await triggers.list_triggers(
        db,
        company_id=company_of(principal),
        event_type=event_type,
        task_id=task_id,
        flow_id=flow_id,
        table_id=table_id,
        is_active=is_active,
    )
    return page(found, limit, offset, trigger_out)


@post(
    "/triggers",
    guards=[requires("triggers.write")],
    summary="Create a trigger (conditions, actions, settings and schedule are checked)",
)
async def create_trigger(db: DB, principal: Actor, data: JSONBody[TriggerCreate]) -> TriggerOut:
    spec = triggers.TriggerSpec(**{name: getattr(data, name) for name in data.__struct_fields__})
    return trigger_out(await use_cases.create_trigger(db, principal, spec=spec))


@get(
    "/trigger-actions",
    guards=[requires("triggers.read")],
    summary="The actions triggers may run, with their config schema",
)
async def list_actions(limit: Limit = 50, offset: Offset = 0) -> PageOut[ActionOut]:
    registry = triggers.get_action_registry()
    return page(
        registry.describe(),
        limit,
        offset,
        lambda a: ActionOut(
            name=a["name"], description=a["description"], config_schema=a["configSchema"]
        ),
    )


@get(
    "/trigger-schemas",
    guards=[requires("triggers.read")],
    summary="JSON Schemas of trigger settings and of each event type's eventConfig, with "
    "what each event type attaches to and the payload keys its templates may use",
)
async def trigger_schemas() -> TriggerSchemasOut:
    return TriggerSchemasOut(
        settings_schema=catalog.settings_schema(),
        events=[msgspec.convert(e, EventTypeOut) for e in catalog.event_catalog()],
    )


@post(
    "/triggers/{trigger_id:str}/test",
    guards=[requires("triggers.write")],
    status_code=200,
    summary="Test run: the condition on sample data or a recorded event with its explanation "
    "tree, and each action's rendered config; nothing runs, nothing is written",
)
async def dry_run_trigger(
    db: DB,
    principal: Actor,
    platform_settings: Config,
    trigger_id: FromPath[str],
    data: JSONBody[TriggerTestIn],
) -> TriggerTestOut:
    tested = await triggers.dry_run_trigger(
        db,
        company_id=company_of(principal),
        trigger_id=trigger_id,
        settings=platform_settings,
        sample=data.data,
        event_id=data.event_id,
    )
    return to_out(TriggerTestOut, tested)


@get(
    "/triggers/{trigger_id:str}",
    guards=[requires("triggers.read")],
)
async def get_trigger(db: DB, principal: Actor, trigger_id: FromPath[str]) -> TriggerOut:
    return trigger_out(
        await triggers.get_trigger(db, company_id=company_of(principal), trigger_id=trigger_id)
    )


@patch(
    "/triggers/{trigger_id:str}",
    guards=[requires("triggers.write")],
)
async def update_trigger(
    db: DB, principal: Actor, trigger_id: FromPath[str], data: JSONBody[TriggerUpdate]
) -> TriggerOut:
    trigger = await use_cases.update_trigger(
        db, principal, trigger_id=trigger_id, changes=changes_of(data)
    )
    return trigger_out(trigger)


@delete(
    "/triggers/{trigger_id:str}",
    guards=[requires("triggers.write")],
)
async def delete_trigger(db: DB, principal: Actor, trigger_id: FromPath[str]) -> None:
    await use_cases.delete_trigger(db, principal, trigger_id=trigger_id)


@get(
    "/trigger-executions",
    guards=[requires("executions.read")],
    summary="Trigger executions, newest first (filter by trigger, status, event type, date)",
)
async def list_executions(
    db: DB,
    principal: Actor,
    trigger_id: Annotated[str | None, QueryParameter(name="triggerId")] = None,
    status: FromQuery[TriggerExecutionStatus | None] = None,
    event_type: Annotated[EventType | None, QueryParameter(name="eventType")] = None,
    since: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ExecutionOut]:
    items, total = await triggers.list_executions(
        db,
        company_id=company_of(principal),
        trigger_id=trigger_id,
        status=status,
        event_type=event_type,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return PageOut(items=[execution_out(e) for e in items], total=total, limit=limit, offset=offset)


@get(
    "/trigger-executions/stats",
    guards=[requires("executions.read")],
    summary="Executions of the last days grouped by status",
)
async def execution_stats(
    db: DB,
    principal: Actor,
    trigger_id: Annotated[str | None, QueryParameter(name="triggerId")] = None,
    days: FromQuery[int] = 7,
) -> StatsOut:
    stats = await triggers.execution_stats(
        db, company_id=company_of(principal), trigger_id=trigger_id, days=max(1, min(days, 366))
    )
    return StatsOut(
        since=stats["since"],
        days=stats["days"],
        total=stats["total"],
        by_status=stats["byStatus"],
        average_execution_time_ms=stats["averageExecutionTimeMs"],
    )


@get(
    "/trigger-executions/{execution_id:str}",
    guards=[requires("executions.read")],
)
async def get_execution(db: DB, principal: Actor, execution_id: FromPath[str]) -> ExecutionOut:
    return execution_out(
        await triggers.get_execution(
            db, company_id=company_of(principal), execution_id=execution_id
        )
    )


@post(
    "/trigger-executions/{execution_id:str}/retry",
    guards=[requires("triggers.write")],
    status_code=202,
    summary="Run a FAILED or PARTIAL_SUCCESS execution's trigger again for the same event",
)
async def retry_execution(
    db: DB, principal: Actor, platform_settings: Config, state: State, execution_id: FromPath[str]
) -> Response[RetryOut]:
    run_id = await use_cases.retry_execution(
        db, principal, execution_id=execution_id, automation=platform_settings.automation
    )
    # Sent after the response, so after the retry is committed; if it cannot be sent, the
    # relay's sweep sends it later.
    dispatcher = getattr(getattr(state, "background", None), "dispatcher", None)
    task = BackgroundTask(_send_run, dispatcher, run_id) if dispatcher is not None else None
    return Response(RetryOut(run_id=run_id), status_code=202, background=task)


async def _send_run(dispatcher: Dispatcher, run_id: str) -> None:
    try:
        await dispatcher.send_run(run_id)
    except Exception:  # the broker is down: the relay resends stale runs
        log.warning("retry run %s not sent now; the relay will send it", run_id)


router = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        list_triggers,
        create_trigger,
        list_actions,
        trigger_schemas,
        dry_run_trigger,
        get_trigger,
        update_trigger,
        delete_trigger,
        list_executions,
        execution_stats,
        get_execution,
        retry_execution,
    ],
)
