"""What a person does with a company's flows: author them and move their instances. Each
use case checks the permission and the rules the engine leaves to its caller, runs the
engine and writes the audit row, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit, snapshot
from core.errors import PermissionDenied
from core.flows import authoring, engine
from core.flows.authoring import FlowSpec
from core.flows.engine import OVERSEERS, ActionResult
from core.models import Flow, FlowDefinition
from core.tenancy import company_of


async def create_flow(session: AsyncSession, principal: Principal, *, spec: FlowSpec) -> Flow:
    require(principal, "flows.write")
    flow = await authoring.save_flow(
        session, company_id=company_of(principal), user_id=principal.user_id, spec=spec
    )
    record_audit(session, principal, "flow.created", "Flow", flow.id, after=snapshot(flow))
    return flow


async def replace_flow(
    session: AsyncSession, principal: Principal, *, flow_id: str, spec: FlowSpec
) -> Flow:
    """Replace a flow's definition (running instances keep theirs)."""
    require(principal, "flows.write")
    company_id = company_of(principal)
    before = snapshot(await authoring.get_flow(session, company_id=company_id, flow_id=flow_id))
    flow = await authoring.save_flow(
        session, company_id=company_id, user_id=principal.user_id, spec=spec, flow_id=flow_id
    )
    record_audit(
        session, principal, "flow.updated", "Flow", flow.id, before=before, after=snapshot(flow)
    )
    return flow


async def delete_flow(session: AsyncSession, principal: Principal, *, flow_id: str) -> None:
    require(principal, "flows.write")
    gone = await authoring.delete_flow(session, company_id=company_of(principal), flow_id=flow_id)
    record_audit(
        session,
        principal,
        "flow.deleted",
        "Flow",
        flow_id,
        before=gone.before,
        metadata={"levels": gone.levels, "branches": gone.branches},
    )


async def archive_flow(session: AsyncSession, principal: Principal, *, flow_id: str) -> Flow:
    require(principal, "flows.write")
    company_id = company_of(principal)
    before = snapshot(await authoring.get_flow(session, company_id=company_id, flow_id=flow_id))
    flow = await authoring.archive_flow(session, company_id=company_id, flow_id=flow_id)
    record_audit(
        session, principal, "flow.archived", "Flow", flow.id, before=before, after=snapshot(flow)
    )
    return flow


async def publish_flow(
    session: AsyncSession, principal: Principal, *, flow_id: str
) -> FlowDefinition:
    require(principal, "flows.write")
    definition = await authoring.publish_flow(
        session, company_id=company_of(principal), flow_id=flow_id
    )
    record_audit(
        session,
        principal,
        "flow.published",
        "Flow",
        flow_id,
        metadata={"definitionId": definition.id, "digest": definition.digest},
    )
    return definition


async def start_instance(
    session: AsyncSession,
    principal: Principal,
    *,
    flow_id: str,
    data: dict[str, Any] | None = None,
    assign_to: str | None = None,
) -> ActionResult:
    """Start an instance of a flow as its initiator; only an overseer may choose who acts on
    the first level (`assign_to`)."""
    require(principal, "flows.run")
    if assign_to is not None and principal.role not in OVERSEERS:
        raise PermissionDenied("Only an admin may choose who acts on the first level.")
    started = await engine.start_instance(
        session,
        company_id=company_of(principal),
        flow_id=flow_id,
        initiator_id=principal.user_id,
        data=data,
        assign_to=assign_to,
    )
    instance = started.instance
    record_audit(
        session,
        principal,
        "flow_instance.started",
        "FlowInstance",
        instance.id,
        after=snapshot(instance),
    )
    return started


async def submit_task(
    session: AsyncSession,
    principal: Principal,
    *,
    instance_id: str,
    task_id: str,
    data: dict[str, Any],
    expected_level: int | None = None,
) -> ActionResult:
    """Submit a task of the instance's current level (its approval, once all are in)."""
    require(principal, "flows.run")
    result = await engine.execute_task(
        session,
        company_id=company_of(principal),
        instance_id=instance_id,
        task_id=task_id,
        user_id=principal.user_id,
        data=data,
        expected_level=expected_level,
    )
    return _audited(session, principal, "flow_instance.task_submitted", result)


async def approve(
    session: AsyncSession,
    principal: Principal,
    *,
    instance_id: str,
    comment: str | None = None,
    expected_level: int | None = None,
) -> ActionResult:
    require(principal, "flows.run")
    result = await engine.approve(
        session,
        company_id=company_of(principal),
        instance_id=instance_id,
        user_id=principal.user_id,
        comment=comment,
        expected_level=expected_level,
    )
    return _audited(session, principal, "flow_instance.approved", result)


async def reject(
    session: AsyncSession,
    principal: Principal,
    *,
    instance_id: str,
    comment: str | None = None,
    expected_level: int | None = None,
) -> ActionResult:
    require(principal, "flows.run")
    result = await engine.reject(
        session,
        company_id=company_of(principal),
        instance_id=instance_id,
        user_id=principal.user_id,
        comment=comment,
        expected_level=expected_level,
    )
    return _audited(session, principal, "flow_instance.rejected", result)


async def reassign(
    session: AsyncSession,
    principal: Principal,
    *,
    instance_id: str,
    to_user_id: str,
    from_user_id: str | None = None,
    comment: str | None = None,
) -> ActionResult:
    require(principal, "flows.run")
    result = await engine.reassign(
        session,
        company_id=company_of(principal),
        instance_id=instance_id,
        user_id=principal.user_id,
        to_user_id=to_user_id,
        from_user_id=from_user_id,
        comment=comment,
    )
    return _audited(session, principal, "flow_instance.reassigned", result, to_user_id)


async def cancel(
    session: AsyncSession, principal: Principal, *, instance_id: str, reason: str | None = None
) -> ActionResult:
    require(principal, "flows.run")
    result = await engine.cancel(
        session,
        company_id=company_of(principal),
        instance_id=instance_id,
        user_id=principal.user_id,
        reason=reason,
    )
    return _audited(session, principal, "flow_instance.cancelled", result)


def _audited(
    session: AsyncSession, principal: Principal, action: str, result: ActionResult, *about: str
) -> ActionResult:
    """The audit row of an action on an instance: its columns before and after, whether it
    closed the level, the execution it recorded and whom it concerned."""
    metadata: dict[str, Any] = {"levelClosed": result.level_closed}
    if result.execution is not None:
        metadata["executionId"] = result.execution.id
    if about:
        metadata["about"] = list(about)
    record_audit(
        session,
        principal,
        action,
        "FlowInstance",
        result.instance.id,
        before=result.before,
        after=snapshot(result.instance),
        metadata=metadata,
    )
    return result
