"""Webhook endpoints of a company: creation (the secret shown once), rotation, deletion, and
the sealing of their signing secrets. Deliveries are received in core.webhooks.receiving."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from core.errors import FieldProblem, NotFound, ValidationFailed
from core.models import EventType, Trigger
from core.models.automation import WebhookEndpoint
from core.vault import SEALED, process_box
from core.webhooks.errors import (
    WebhookNotFound,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's prefix, not a secret)


@dataclass(frozen=True, slots=True)
class EndpointCreated:
    """A new endpoint: the secret is shown once here (and on rotation)."""

    endpoint: WebhookEndpoint
    url: str
    secret: str


def endpoint_url(public_url: str, endpoint_id: str) -> str:
    return f"{public_url.rstrip('/')}/webhooks/{endpoint_id}"


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def seal_secret(secret: str) -> str:
    """The signing secret as stored: encrypted with the platform's secrets keys (the same
    rotatable keys as integration credentials), never in clear."""
    return process_box().seal(secret)[SEALED]


def open_secret(stored: str) -> str:
    """The signing secret of a stored value (rows written before secrets were sealed still
    hold the secret itself, recognisable by its prefix)."""
    if stored.startswith(SECRET_PREFIX):
        return stored
    secret: str = process_box().open({SEALED: stored})
    return secret


async def create_endpoint(
    session: AsyncSession,
    *,
    company_id: str,
    trigger_id: str,
    public_url: str,
    name: str | None = None,
) -> EndpointCreated:
    """An endpoint feeding a WEBHOOK_RECEIVED trigger of the company."""
    trigger = await session.scalar(
        sa.select(Trigger).where(Trigger.id == trigger_id, Trigger.company_id == company_id)
    )
    if trigger is None:
        raise NotFound(f"no trigger {trigger_id!r}")
    if trigger.event_type is not EventType.WEBHOOK_RECEIVED:
        raise ValidationFailed(
            [
                FieldProblem(
                    "triggerId", "the trigger's eventType must be WEBHOOK_RECEIVED", "invalid"
                )
            ]
        )
    endpoint = WebhookEndpoint(
        id=secrets.token_urlsafe(24),
        company_id=company_id,
        trigger_id=trigger.id,
        name=name,
        secret=seal_secret(secret := _new_secret()),
    )
    session.add(endpoint)
    await session.flush()
    return EndpointCreated(endpoint, endpoint_url(public_url, endpoint.id), secret)


async def _owned(session: AsyncSession, company_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await session.scalar(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.company_id == company_id
        )
    )
    if endpoint is None:
        raise WebhookNotFound(f"no webhook endpoint {endpoint_id!r}")
    return endpoint


async def rotate_secret(
    session: AsyncSession, *, company_id: str, endpoint_id: str, public_url: str
) -> EndpointCreated:
    endpoint = await _owned(session, company_id, endpoint_id)
    endpoint.secret = seal_secret(secret := _new_secret())
    await session.flush()
    return EndpointCreated(endpoint, endpoint_url(public_url, endpoint.id), secret)


async def delete_endpoint(session: AsyncSession, *, company_id: str, endpoint_id: str) -> None:
    await session.delete(await _owned(session, company_id, endpoint_id))


async def list_endpoints(
    session: AsyncSession, *, company_id: str, trigger_id: str | None = None
) -> list[WebhookEndpoint]:
    """The company's endpoints (of one trigger: NotFound when it is not the company's)."""
    query = sa.select(WebhookEndpoint).where(WebhookEndpoint.company_id == company_id)
    if trigger_id is not None:
        owned = await session.scalar(
            sa.select(Trigger.id).where(Trigger.id == trigger_id, Trigger.company_id == company_id)
        )
        if owned is None:
            raise NotFound(f"no trigger {trigger_id!r}")
        query = query.where(WebhookEndpoint.trigger_id == trigger_id)
    return list((await session.scalars(query.order_by(WebhookEndpoint.created_at))).all())


def sign_delivery(secret: str, message_id: str, body: bytes, when: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for a delivery (what a sender computes; tests use it)."""
    signature = Webhook(secret).sign(message_id, when, body.decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }
