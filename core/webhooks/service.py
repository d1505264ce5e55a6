"""Webhook endpoints of a company and the receiving of a delivery."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.errors import FieldProblem, NotFound, ValidationFailed
from core.events import record_event
from core.integrations.vault import SEALED, process_box
from core.models import EventType, Trigger, new_id, utcnow
from core.models.automation import WebhookDelivery, WebhookEndpoint
from core.webhooks.errors import (
    WebhookDuplicate,
    WebhookNotFound,
    WebhookPayloadTooLarge,
    WebhookSignatureInvalid,
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


# Built once: a delivery is received on every call, and building these statements costs
# more than running them.
_ENDPOINTS = WebhookEndpoint.__table__.c
_ACTIVE_ENDPOINT = sa.select(
    _ENDPOINTS.id, _ENDPOINTS.company_id, _ENDPOINTS.trigger_id, _ENDPOINTS.secret
).where(_ENDPOINTS.id == sa.bindparam("endpoint_id"), _ENDPOINTS.is_active.is_(True))
_DELIVERY_VALUES: dict[str, Any] = {
    name: sa.bindparam(name)
    for name in ("id", "company_id", "endpoint_id", "message_id", "event_id", "received_at")
}
_ACCEPT_DELIVERY = {
    dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(WebhookDelivery.__table__)
    .values(_DELIVERY_VALUES)
    .on_conflict_do_nothing(index_elements=["endpoint_id", "message_id"])
    .returning(WebhookDelivery.__table__.c.id)
    for dialect in (postgresql, sqlite)
}


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


async def receive_webhook(
    session: AsyncSession,
    *,
    endpoint_id: str,
    headers: Mapping[str, str],
    body: bytes,
    max_body_bytes: int,
) -> str:
    """Verify and record one delivery in the caller's (platform-level) transaction; returns
    the WEBHOOK_RECEIVED event id. The Standard Webhooks scheme: HMAC-SHA256 over
    "id.timestamp.body" with the endpoint's secret, a timestamp within five minutes, and each
    webhook-id accepted once."""
    if len(body) > max_body_bytes:
        raise WebhookPayloadTooLarge(f"the body exceeds {max_body_bytes} bytes")
    endpoint = (await session.execute(_ACTIVE_ENDPOINT, {"endpoint_id": endpoint_id})).first()
    if endpoint is None:
        raise WebhookNotFound("no such webhook endpoint")
    try:
        Webhook(open_secret(endpoint.secret)).verify(body, dict(headers), json_parse=False)
    except WebhookVerificationError as exc:
        raise WebhookSignatureInvalid(f"webhook signature rejected: {exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise WebhookSignatureInvalid("webhook signature headers are malformed") from None
    message_id = {k.lower(): v for k, v in headers.items()}["webhook-id"][:255]
    event_id = new_id()
    # The unique (endpoint, message id) row is written first: a duplicate inserts nothing
    # and the delivery is refused before any event exists.
    accepted = await session.scalar(
        _ACCEPT_DELIVERY[session.get_bind().dialect.name],
        {
            "id": new_id(),
            "company_id": endpoint.company_id,
            "endpoint_id": endpoint.id,
            "message_id": message_id,
            "event_id": event_id,
            "received_at": utcnow(),
        },
    )
    if accepted is None:
        raise WebhookDuplicate(f"delivery {message_id!r} was received already")
    record_event(
        session,
        EventType.WEBHOOK_RECEIVED,
        company_id=endpoint.company_id,
        payload={
            "webhookId": message_id,
            "endpointId": endpoint.id,
            "receivedAt": utcnow().isoformat(),
            "data": _payload(body),
        },
        trigger_id=endpoint.trigger_id,
        event_id=event_id,
    )
    return event_id


def _payload(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return {"raw": body.decode("utf-8", errors="replace")}
