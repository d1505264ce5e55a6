"""What a person does with a company's triggers: each use case checks the permission,
applies the service's rules and writes the audit row, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit, snapshot
from core.models import Trigger
from core.settings import AutomationSettings
from core.tenancy import company_of
from core.triggers import history, service


async def create_trigger(
    session: AsyncSession, principal: Principal, *, spec: service.TriggerSpec
) -> Trigger:
    require(principal, "triggers.write")
    trigger = await service.create_trigger(session, company_id=company_of(principal), spec=spec)
    record_audit(
        session, principal, "trigger.created", "Trigger", trigger.id, after=snapshot(trigger)
    )
    return trigger


async def update_trigger(
    session: AsyncSession, principal: Principal, *, trigger_id: str, changes: dict[str, Any]
) -> Trigger:
    require(principal, "triggers.write")
    company_id = company_of(principal)
    before = snapshot(
        await service.get_trigger(session, company_id=company_id, trigger_id=trigger_id)
    )
    trigger = await service.update_trigger(
        session, company_id=company_id, trigger_id=trigger_id, changes=changes
    )
    record_audit(
        session,
        principal,
        "trigger.updated",
        "Trigger",
        trigger.id,
        before=before,
        after=snapshot(trigger),
    )
    return trigger


async def delete_trigger(session: AsyncSession, principal: Principal, *, trigger_id: str) -> None:
    require(principal, "triggers.write")
    company_id = company_of(principal)
    before = snapshot(
        await service.get_trigger(session, company_id=company_id, trigger_id=trigger_id)
    )
    await service.delete_trigger(session, company_id=company_id, trigger_id=trigger_id)
    record_audit(session, principal, "trigger.deleted", "Trigger", trigger_id, before=before)


async def retry_execution(
    session: AsyncSession,
    principal: Principal,
    *,
    execution_id: str,
    automation: AutomationSettings,
) -> str:
    """Run a failed execution's trigger again (core.triggers.history.retry_execution); the
    new run's id, for the caller to send to a worker."""
    require(principal, "triggers.write")
    run_id = await history.retry_execution(
        session,
        company_id=company_of(principal),
        execution_id=execution_id,
        automation=automation,
    )
    record_audit(
        session,
        principal,
        "trigger_execution.retried",
        "TriggerExecution",
        execution_id,
        metadata={"runId": run_id},
    )
    return run_id
