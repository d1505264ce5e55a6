"""What a builder does with a company's integrations through the API: each use case checks
the permission and writes the audit row around the integration services; reading their runs
and where a workflow's sync has got to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.errors import NotFound
from core.integrations.oauth import begin_authorization
from core.integrations.runner import recent_runs
from core.models import (
    Integration,
    IntegrationCursor,
    IntegrationItem,
    IntegrationRun,
    IntegrationWorkflow,
    utcnow,
)
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


@dataclass(frozen=True, slots=True)
class WorkflowProgress:
    """Where a workflow's sync has got to: its cursor (the source's own position: a history
    id, a row count, a modified time, a delta link), when it last synced, whether a sync holds
    the lease now, and the items handed to its action (finished, and claimed but unfinished)."""

    cursor: dict[str, Any]
    last_sync_at: datetime | None
    syncing_until: datetime | None
    items: int
    unfinished: int


async def workflow_progress(session: AsyncSession, *, workflow_id: str) -> WorkflowProgress:
    if await session.get(IntegrationWorkflow, workflow_id) is None:
        raise NotFound(f"integration workflow {workflow_id} not found")
    row = await session.get(IntegrationCursor, workflow_id)
    counts = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(IntegrationItem.finished_at.is_(None)),
            ).where(IntegrationItem.workflow_id == workflow_id)
        )
    ).one()
    held = row is not None and row.lease_until is not None and row.lease_until > utcnow()
    return WorkflowProgress(
        cursor=dict(row.cursor) if row else {},
        last_sync_at=row.last_sync_at if row else None,
        syncing_until=row.lease_until if held and row else None,
        items=int(counts[0]),
        unfinished=int(counts[1]),
    )
