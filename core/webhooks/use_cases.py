"""What a builder does with a trigger's webhook endpoints: each use case checks the
permission, applies the service's rules and writes the audit row."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit, snapshot
from core.tenancy import company_of
from core.webhooks import service
from core.webhooks.service import EndpointCreated


async def create_endpoint(
    session: AsyncSession, principal: Principal, *, trigger_id: str, public_url: str
) -> EndpointCreated:
    require(principal, "triggers.write")
    created = await service.create_endpoint(
        session, company_id=company_of(principal), trigger_id=trigger_id, public_url=public_url
    )
    record_audit(
        session,
        principal,
        "webhook_endpoint.created",
        "WebhookEndpoint",
        created.endpoint.id,
        after=snapshot(created.endpoint),
    )
    return created


async def rotate_secret(
    session: AsyncSession, principal: Principal, *, endpoint_id: str, public_url: str
) -> EndpointCreated:
    require(principal, "triggers.write")
    rotated = await service.rotate_secret(
        session, company_id=company_of(principal), endpoint_id=endpoint_id, public_url=public_url
    )
    record_audit(
        session, principal, "webhook_endpoint.secret_rotated", "WebhookEndpoint", endpoint_id
    )
    return rotated


async def delete_endpoint(session: AsyncSession, principal: Principal, *, endpoint_id: str) -> None:
    require(principal, "triggers.write")
    await service.delete_endpoint(
        session, company_id=company_of(principal), endpoint_id=endpoint_id
    )
    record_audit(session, principal, "webhook_endpoint.deleted", "WebhookEndpoint", endpoint_id)
