"""Integration workflows: a platform event, a schedule or a source of the integration, wired to
an action of any of the company's integrations. Sources sync incrementally from a cursor under
a lease, and every item is handed over once: a run that fails half way resumes after the last
item it finished, and a second run that overlaps is skipped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import ErpError, FieldProblem, NotFound, ValidationFailed
from core.integrations.events import event_items
from core.integrations.http import pool_for
from core.integrations.progress import (
    Claim,
    abandoned_items,
    advance_cursor,
    claim_item,
    finish_item,
    release_item,
    release_lease,
    renew_lease,
    take_lease,
)
from core.integrations.runner import (
    connect,
    find_action,
    integration_type,
    log_run,
    run_action,
)
from core.models import (
    EventType,
    Integration,
    IntegrationCursor,
    IntegrationWorkflow,
    new_id,
    utcnow,
)
from core.plugins.integrations import IntegrationSource, check_config
from core.settings import Settings
from core.templating import render_value
from core.tenancy import scope

log = logging.getLogger("erp.integrations")
Sessions = async_sessionmaker[AsyncSession]
TRIGGER_TYPES = ("event", "schedule", "source")
DEFAULT_INTERVAL = 300


def _type_name(row: Integration) -> str:
    return str(getattr(row.type, "value", row.type))


def find_source(integration: Integration, name: str) -> IntegrationSource:
    itype = integration_type(_type_name(integration))
    for source in itype.sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in itype.sources) or "none"
    raise ValidationFailed(
        [
            FieldProblem(
                "/triggerConfig/source",
                f"{itype.label} has no source {name!r} (it has: {known})",
                "unknown_source",
            )
        ]
    )


async def check_workflow(
    session: AsyncSession,
    *,
    integration_id: str,
    trigger_config: Mapping[str, Any],
    action_config: Mapping[str, Any],
) -> None:
    """Every problem of a workflow's definition, reported at /triggerConfig/... and
    /actionConfig/... (the session is tenant-scoped, so other companies' integrations are
    not found)."""
    problems: list[FieldProblem] = []
    integration = await session.get(Integration, integration_id)
    if integration is None:
        raise NotFound(f"integration {integration_id} not found")
    kind = trigger_config.get("type")
    if kind not in TRIGGER_TYPES:
        problems.append(
            FieldProblem(
                "/triggerConfig/type", f"must be one of {', '.join(TRIGGER_TYPES)}", "invalid"
            )
        )
    elif kind == "event":
        if trigger_config.get("eventType") not in {e.value for e in EventType}:
            problems.append(
                FieldProblem("/triggerConfig/eventType", "unknown event type", "invalid")
            )
    elif kind == "source":
        try:
            source = find_source(integration, str(trigger_config.get("source")))
        except ValidationFailed as exc:
            problems += exc.problems
        else:
            problems += [
                FieldProblem(f"/triggerConfig/config/{i.path}", i.message, i.code)
                for i in check_config(source.config, trigger_config.get("config") or {})
            ]
    if kind in ("schedule", "source"):
        interval = trigger_config.get("intervalSeconds", DEFAULT_INTERVAL)
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 10:
            problems.append(
                FieldProblem(
                    "/triggerConfig/intervalSeconds",
                    "must be a whole number of seconds, at least 10",
                    "invalid",
                )
            )
    target_id = action_config.get("integrationId") or integration_id
    target = await session.get(Integration, str(target_id))
    if action_config.get("platformAction"):
        from core.triggers.registry import get_action_registry

        try:
            get_action_registry().get(str(action_config["platformAction"]))
        except ErpError as exc:
            problems.append(FieldProblem("/actionConfig/platformAction", exc.message, exc.code))
    elif target is None:
        problems.append(
            FieldProblem(
                "/actionConfig/integrationId",
                "no integration of the company has this id",
                "not_found",
            )
        )
    else:
        try:
            action = find_action(
                integration_type(_type_name(target)), str(action_config.get("action"))
            )
            inputs = action_config.get("inputs") or {}
            # Templated inputs are checked for names only; values come from the event.
            unknown = set(inputs) - {f.name for f in action.config}
            problems += [
                FieldProblem(f"/actionConfig/inputs/{n}", "unknown input", "unknown_input")
                for n in sorted(unknown)
            ]
        except ErpError as exc:
            problems.append(FieldProblem("/actionConfig/action", exc.message, exc.code))
    if problems:
        raise ValidationFailed(problems, "Invalid integration workflow")


async def _load(sessions: Sessions, company_id: str, workflow_id: str) -> IntegrationWorkflow:
    async with sessions() as session:
        scope(session, company_id)
        workflow = await session.get(IntegrationWorkflow, workflow_id)
        if workflow is None:
            raise NotFound(f"integration workflow {workflow_id} not found")
        return workflow


async def run_workflow(
    sessions: Sessions,
    settings: Settings,
    *,
    company_id: str,
    workflow_id: str,
    variables: Mapping[str, Any],
    idempotency_key: str = "",
) -> dict[str, Any]:
    """Run the workflow's action with inputs rendered from `variables`; counts the run."""
    workflow = await _load(sessions, company_id, workflow_id)
    return await _run_action(sessions, settings, workflow, variables, idempotency_key)


async def _run_action(
    sessions: Sessions,
    settings: Settings,
    workflow: IntegrationWorkflow,
    variables: Mapping[str, Any],
    idempotency_key: str,
) -> dict[str, Any]:
    config = workflow.action_config
    if config.get("platformAction"):
        return await _run_platform_action(sessions, settings, workflow, variables, idempotency_key)
    inputs = await render_value(config.get("inputs") or {}, variables)
    try:
        return await run_action(
            sessions,
            settings,
            company_id=workflow.company_id,
            integration_id=str(config.get("integrationId") or workflow.integration_id),
            action=str(config.get("action")),
            inputs=inputs,
            workflow_id=workflow.id,
            idempotency_key=idempotency_key or workflow.id,
        )
    finally:
        async with sessions() as session, session.begin():
            scope(session, workflow.company_id)
            await session.execute(
                sa.update(IntegrationWorkflow)
                .where(IntegrationWorkflow.id == workflow.id)
                .values(
                    execution_count=IntegrationWorkflow.execution_count + 1,
                    last_executed_at=utcnow(),
                )
            )


async def _run_platform_action(
    sessions: Sessions,
    settings: Settings,
    workflow: IntegrationWorkflow,
    variables: Mapping[str, Any],
    key: str,
) -> dict[str, Any]:
    """A platform action (create_record, send_email...) as a workflow's action: the same
    trigger actions, run for the workflow's item as if it were an event."""
    from core.triggers.actions import ActionContext, CompanyServices, EventInfo, TriggerInfo
    from core.triggers.registry import get_action_registry

    config = workflow.action_config
    registry = get_action_registry()
    action = registry.get(str(config["platformAction"]))
    raw = config.get("config") or {}
    parsed = action.parse_config(
        await render_value(raw, variables) if action.render_config else raw,
        path="/actionConfig/config",
    )
    now = utcnow()
    context = ActionContext(
        company_id=workflow.company_id,
        event=EventInfo(
            id=key,
            type=EventType.WEBHOOK_RECEIVED,
            company_id=workflow.company_id,
            data=dict(variables),
            occurred_at=now,
        ),
        trigger=TriggerInfo(
            id=workflow.id, name=workflow.name, event_type=EventType.WEBHOOK_RECEIVED
        ),
        variables=variables,
        http=pool_for(workflow.integration_id, settings)[0],
        services=CompanyServices(sessions, settings, workflow.company_id),
        settings=registry.settings_for(action.name),
        # The item's key makes the action's database effect happen once per item (see
        # core.triggers.sdk.exactly_once); a run without one is a run of its own.
        run_id=f"{workflow.id}:{key or new_id()}",
        action_index=0,
    )
    try:
        return dict(await action.run(context, parsed) or {})
    finally:
        async with sessions() as session, session.begin():
            scope(session, workflow.company_id)
            await session.execute(
                sa.update(IntegrationWorkflow)
                .where(IntegrationWorkflow.id == workflow.id)
                .values(
                    execution_count=IntegrationWorkflow.execution_count + 1,
                    last_executed_at=now,
                )
            )


@dataclass(frozen=True, slots=True)
class SyncResult:
    status: str
    """SUCCESS, FAILED or SKIPPED (another sync of this workflow holds the lease)."""
    imported: int = 0
    skipped: int = 0
    error: str | None = None


async def sync_workflow(
    sessions: Sessions, settings: Settings, *, company_id: str, workflow_id: str
) -> SyncResult:
    """Fetch the source's new items after the cursor and hand each to the action, in order.
    The cursor advances with each finished item; an item already handed over is skipped."""
    workflow = await _load(sessions, company_id, workflow_id)
    trigger = workflow.trigger_config
    holder = str(uuid.uuid4())
    lease = settings.integrations.lease_seconds
    cursor = await take_lease(sessions, workflow, holder, lease_seconds=lease)
    connected = await connect(
        sessions, settings, company_id=company_id, integration_id=workflow.integration_id
    )
    context = connected.context
    started = time.perf_counter()
    if cursor is None:
        await log_run(
            sessions,
            context,
            kind="sync",
            operation=str(trigger.get("source")),
            workflow_id=workflow.id,
            started=started,
            status="SKIPPED",
        )
        return SyncResult("SKIPPED")
    imported = skipped = 0
    error: str | None = None
    try:
        async with sessions() as session:
            scope(session, company_id)
            integration = await session.get(Integration, workflow.integration_id)
            assert integration is not None
        if trigger.get("type") == "event":
            items = await event_items(sessions, workflow, cursor)
        else:
            source = find_source(integration, str(trigger.get("source")))
            context.cursor = cursor
            assert source.fetch is not None
            items = await source.fetch(context, dict(trigger.get("config") or {}))
        for item in items:
            key = str(item["key"])[:255]
            claim = await claim_item(sessions, workflow, key, lease_seconds=lease)
            if claim is Claim.BUSY:
                # A run that held the lease before this one is still handing it over: the
                # cursor stays before it, and a later run sees how it ended.
                break
            if claim is Claim.FINISHED:
                skipped += 1
                await advance_cursor(sessions, workflow, holder, item["cursor"])
                continue
            try:
                async with _renewing(sessions, workflow, holder, lease, key):
                    output = await _run_action(
                        sessions, settings, workflow, {"item": item["data"], **item["data"]}, key
                    )
            except ErpError:
                await release_item(sessions, workflow, key)
                raise
            await finish_item(sessions, workflow, key, output, (holder, item["cursor"]))
            imported += 1
    except ErpError as exc:
        error = exc.message
    except Exception as exc:  # a plugin's bug must not leave the lease held
        error = f"{type(exc).__name__}: {exc}"
    finally:
        await release_lease(sessions, workflow, holder, synced=error is None)
    await log_run(
        sessions,
        context,
        kind="sync",
        operation=str(trigger.get("source")),
        workflow_id=workflow.id,
        started=started,
        error=error,
        items=imported,
        output={"imported": imported, "skipped": skipped},
    )
    return SyncResult("FAILED" if error else "SUCCESS", imported, skipped, error)


@contextlib.asynccontextmanager
async def _renewing(
    sessions: Sessions, workflow: IntegrationWorkflow, holder: str, lease: float, key: str
) -> AsyncIterator[None]:
    """Renew the lease and the item's claim every third of the lease while the body runs: a
    slow action keeps them, a scheduler that dies stops renewing."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease / 3)
            try:
                await renew_lease(sessions, workflow, holder, lease_seconds=lease, item_key=key)
            except Exception as exc:  # the database is away: the next renewal tries again
                log.warning("workflow %s: lease not renewed now (%s)", workflow.id, exc)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _run_schedule(
    sessions: Sessions, settings: Settings, workflow: IntegrationWorkflow, now: datetime
) -> int:
    """The slots of a schedule workflow claimed by a scheduler that died before their action
    finished, then the current slot if it is due; returns how many ran."""
    lease = settings.integrations.lease_seconds
    keys = await abandoned_items(sessions, workflow, "schedule:", lease_seconds=lease)
    if is_due(workflow, workflow.last_executed_at, now):
        interval = int(workflow.trigger_config.get("intervalSeconds") or DEFAULT_INTERVAL)
        slot = f"schedule:{int(now.timestamp()) // interval}"  # the same slot for every daemon
        if slot not in keys:
            keys.append(slot)
    ran = 0
    for key in keys:
        if await claim_item(sessions, workflow, key, lease_seconds=lease) is not Claim.CLAIMED:
            continue
        try:
            async with _renewing(sessions, workflow, "", lease, key):
                output = await _run_action(
                    sessions, settings, workflow, {"now": now.isoformat()}, key
                )
        except ErpError as exc:
            # The action answered (a failure is its outcome, logged with the run): the slot
            # is over. Only a scheduler that dies leaves it to be taken over.
            await finish_item(sessions, workflow, key, {"error": exc.message}, None)
            raise
        await finish_item(sessions, workflow, key, output, None)
        ran += 1
    return ran


def _operation(trigger: Mapping[str, Any]) -> str:
    if trigger.get("type") == "event":
        return f"event {trigger.get('eventType')}"
    return str(trigger.get("source"))


def is_due(workflow: IntegrationWorkflow, last_run: datetime | None, now: datetime) -> bool:
    """Whether a schedule or source workflow should run now (every intervalSeconds)."""
    interval = int(workflow.trigger_config.get("intervalSeconds") or DEFAULT_INTERVAL)
    return last_run is None or now - last_run >= timedelta(seconds=interval)


async def run_due_workflows(sessions: Sessions, settings: Settings) -> int:
    """Run every company's workflows that are due: event workflows read the outbox for new
    events at each call, schedule and source workflows every intervalSeconds. The scheduler
    calls this periodically; leases and item claims make concurrent callers harmless."""
    now = utcnow()
    async with sessions() as session:
        rows = (
            await session.execute(
                sa.select(IntegrationWorkflow, IntegrationCursor.last_sync_at)
                .outerjoin(
                    IntegrationCursor, IntegrationCursor.workflow_id == IntegrationWorkflow.id
                )
                .where(IntegrationWorkflow.is_active.is_(True))
            )
        ).all()
    ran = 0
    for workflow, last_sync in rows:
        kind = workflow.trigger_config.get("type")
        try:
            if kind == "event" or (kind == "source" and is_due(workflow, last_sync, now)):
                await sync_workflow(
                    sessions, settings, company_id=workflow.company_id, workflow_id=workflow.id
                )
                ran += 1
            elif kind == "schedule":
                ran += await _run_schedule(sessions, settings, workflow, now)
        except ErpError as exc:
            log.warning("workflow %s: %s", workflow.id, exc.message)
    return ran


__all__ = [
    "SyncResult",
    "check_workflow",
    "run_due_workflows",
    "run_workflow",
    "sync_workflow",
]
