"""Observability of triggers: executions with filters, the seed's 7-day statistics grouped
by status, and the manual retry of a failed execution."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, ErpError, NotFound
from core.models import (
    EventType,
    OutboxEvent,
    Trigger,
    TriggerExecution,
    TriggerExecutionStatus,
    utcnow,
)
from core.models.automation import TriggerRun
from core.settings import AutomationSettings
from core.triggers.admission import admit
from core.triggers.trigger_settings import parse_steps

RETRYABLE = (TriggerExecutionStatus.FAILED, TriggerExecutionStatus.PARTIAL_SUCCESS)


def _carried_results(execution: TriggerExecution, trigger: Trigger) -> list[dict[str, Any]]:
    """The retried execution's successful action results, for a new run to keep (the engine
    does not run an action whose result is final), and a fresh start for the others. None
    succeeded, or the actions changed since: nothing is carried."""
    try:
        steps = parse_steps(trigger.actions)
    except ErpError:
        return []
    before = execution.actions_executed if isinstance(execution.actions_executed, list) else []
    carried: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        done = before[index] if index < len(before) else None
        if isinstance(done, dict) and done.get("status") == "success":
            if done.get("type") != step.type:
                return []
            carried.append({**done, "fromExecution": execution.id})
        else:
            carried.append(
                {
                    "type": step.type,
                    "status": "retrying",
                    "output": None,
                    "error": None,
                    "attempts": 0,
                }
            )
    return carried if any(r["status"] == "success" for r in carried) else []


async def list_executions(
    session: AsyncSession,
    *,
    company_id: str,
    trigger_id: str | None = None,
    status: TriggerExecutionStatus | None = None,
    event_type: EventType | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[TriggerExecution], int]:
    """Executions of the company's triggers, newest first, and how many match in all."""
    where: list[sa.ColumnElement[bool]] = [TriggerExecution.company_id == company_id]
    if trigger_id is not None:
        where.append(TriggerExecution.trigger_id == trigger_id)
    if status is not None:
        where.append(TriggerExecution.status == status)
    if event_type is not None:  # a trigger watches one event type: its executions are of it
        where.append(
            TriggerExecution.trigger_id.in_(
                sa.select(Trigger.id).where(Trigger.event_type == event_type)
            )
        )
    if since is not None:
        where.append(TriggerExecution.executed_at >= since)
    if until is not None:
        where.append(TriggerExecution.executed_at < until)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(TriggerExecution).where(*where)
    )
    rows = await session.scalars(
        sa.select(TriggerExecution)
        .where(*where)
        .order_by(TriggerExecution.executed_at.desc(), TriggerExecution.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total or 0)


async def get_execution(
    session: AsyncSession, *, company_id: str, execution_id: str
) -> TriggerExecution:
    execution = await session.scalar(
        sa.select(TriggerExecution).where(
            TriggerExecution.company_id == company_id, TriggerExecution.id == execution_id
        )
    )
    if execution is None:
        raise NotFound(f"no trigger execution {execution_id!r}")
    return execution


async def execution_stats(
    session: AsyncSession,
    *,
    company_id: str,
    trigger_id: str | None = None,
    days: int = 7,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Counts by status over the last `days` days (the seed's groupBy query), with the total
    and the average execution time in ms."""
    since = (now or utcnow()) - timedelta(days=days)
    where = [TriggerExecution.company_id == company_id, TriggerExecution.executed_at >= since]
    if trigger_id is not None:
        where.append(TriggerExecution.trigger_id == trigger_id)
    rows = await session.execute(
        sa.select(
            TriggerExecution.status,
            sa.func.count(),
            sa.func.avg(TriggerExecution.execution_time),
        )
        .where(*where)
        .group_by(TriggerExecution.status)
    )
    by_status = {s.value: 0 for s in TriggerExecutionStatus}
    total, weighted = 0, 0.0
    for status, count, average in rows.all():
        by_status[TriggerExecutionStatus(status).value] = int(count)
        total += int(count)
        weighted += float(average or 0) * int(count)
    return {
        "since": since.isoformat(),
        "days": days,
        "total": total,
        "byStatus": by_status,
        "averageExecutionTimeMs": round(weighted / total, 1) if total else None,
    }


async def retry_execution(
    session: AsyncSession,
    *,
    company_id: str,
    execution_id: str,
    automation: AutomationSettings,
) -> str:
    """Admit a new run of the execution's trigger for the same event (conditions evaluated
    again) and return its id; the caller sends it to a worker (the relay's sweep sends it
    otherwise). The actions that succeeded in that execution are not run again (an email is
    not sent twice, a record not written twice): their results are carried into the new run,
    and the failed and skipped ones run. Retrying the same execution twice gives the same
    run."""
    execution = await get_execution(session, company_id=company_id, execution_id=execution_id)
    if execution.status not in RETRYABLE:
        raise Conflict(
            f"execution {execution_id!r} is {execution.status.value}; only FAILED and "
            "PARTIAL_SUCCESS executions can be retried"
        )
    run = await session.scalar(sa.select(TriggerRun).where(TriggerRun.execution_id == execution_id))
    trigger = await session.get(Trigger, execution.trigger_id)
    event = None if run is None else await session.get(OutboxEvent, run.event_id)
    if run is None or trigger is None or event is None:
        raise NotFound(f"the event of execution {execution_id!r} is no longer kept")
    admission = await admit(
        session,
        [event],
        automation=automation,
        owner=None,
        only_trigger=trigger,
        retry_of=execution_id,
    )
    if admission.runs:
        run_id = admission.runs[0].id
        carried = _carried_results(execution, trigger)
        if carried:
            await session.execute(
                sa.update(TriggerRun)
                .where(TriggerRun.id == run_id)
                .values(action_results=carried)
                .execution_options(synchronize_session=False)
            )
        return run_id
    existing = await session.scalar(
        sa.select(TriggerRun.id).where(
            TriggerRun.trigger_id == trigger.id,
            TriggerRun.idempotency_key == f"{event.id}/retry/{execution_id}",
        )
    )
    if existing is None:
        raise Conflict(f"execution {execution_id!r} could not be retried")
    return existing
