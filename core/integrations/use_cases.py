"""What a builder does with a company's integrations through the API: each use case checks
the permission and writes the audit row around the integration services."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit
from core.integrations.oauth import begin_authorization
from core.settings import Settings


async def begin_connect(
    session: AsyncSession, principal: Principal, settings: Settings, *, integration_id: str
) -> str:
    """The vendor's OAuth consent URL for the integration (core.integrations.oauth)."""
    require(principal, "integrations.write")
    url = await begin_authorization(session, settings, integration_id=integration_id)
    record_audit(session, principal, "integration.connect_started", "Integration", integration_id)
    return url
