"""What a builder does with a company's integrations through the API: each use case checks
the permission and writes the audit row around the integration services; reading their runs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.errors import NotFound
from core.integrations.oauth import begin_authorization
from core.integrations.runner import recent_runs
from core.models import Integration, IntegrationRun, IntegrationWorkflow
from core.settings import Settings


async def begin_connect(
    session: AsyncSession, principal: Principal, settings: Settings, *, integration_id: str
) -> str:
    """The vendor's OAuth consent URL for the integration (core.integrations.oauth)."""
    require(principal, "integrations.write")
    url = await begin_authorization(session, settings, integration_id=integration_id)
    record_audit(session, principal, "integration.connect_started", "Integration", integration_id)
    return url


async def integration_runs(session: AsyncSession, *, integration_id: str) -> list[IntegrationRun]:
    """The latest calls of one of the company's integrations (NotFound if it has none such)."""
    if await session.get(Integration, integration_id) is None:
        raise NotFound(f"integration {integration_id} not found")
    return await recent_runs(session, integration_id=integration_id)


async def workflow_runs(session: AsyncSession, *, workflow_id: str) -> list[IntegrationRun]:
    """The latest runs of one of the company's integration workflows."""
    if await session.get(IntegrationWorkflow, workflow_id) is None:
        raise NotFound(f"integration workflow {workflow_id} not found")
    return await recent_runs(session, workflow_id=workflow_id)
