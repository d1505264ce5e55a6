"""Receiving a delivery: verify its signature (Standard Webhooks), refuse replays and
duplicates, and record its WEBHOOK_RECEIVED event. On PostgreSQL the duplicate check and the
event are one statement in autocommit (one round trip), against an endpoint remembered per
process that the same statement checks is still current."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.database import transaction
from core.events import record_event
from core.events.hints import commit_hints
from core.events.outbox import OUTBOX
from core.models import Base, EventType, new_id, utcnow
from core.models.automation import WebhookDelivery, WebhookEndpoint
from core.webhooks.errors import (
    WebhookDuplicate,
    WebhookNotFound,
    WebhookPayloadTooLarge,
    WebhookSignatureInvalid,
)
from core.webhooks.service import open_secret

_ENDPOINTS = WebhookEndpoint.__table__.c
_DELIVERIES = Base.metadata.tables[WebhookDelivery.__tablename__]
_DELIVERY_COLUMNS = ("id", "company_id", "endpoint_id", "message_id", "event_id", "received_at")


@dataclass(frozen=True, slots=True)
class _Endpoint:
    id: str
    company_id: str
    trigger_id: str
    sealed: str
    """The secret as stored: the statement that records a delivery checks it is unchanged."""
    verifier: Webhook


class _KnownEndpoints:
    """Active endpoints this process has read, with their opened secrets: reading and opening
    them cost more than the rest of a delivery. An entry may go stale (secret rotated or
    re-sealed, endpoint deactivated or deleted); the statement that records a delivery
    matches the endpoint's current row, so a stale entry records nothing and is read again."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[str, _Endpoint] = {}

    def get(self, endpoint_id: str) -> _Endpoint | None:
        return self.entries.get(endpoint_id)

    def keep(self, endpoint: _Endpoint) -> None:
        if len(self.entries) >= self.size:
            del self.entries[next(iter(self.entries))]  # the oldest entry
        self.entries[endpoint.id] = endpoint

    def forget(self, endpoint_id: str) -> None:
        self.entries.pop(endpoint_id, None)


_known = _KnownEndpoints(size=4096)

# Built once: a delivery is received on every call, and building these statements costs
# more than running them.
_ACTIVE_ENDPOINT = sa.select(
    _ENDPOINTS.id, _ENDPOINTS.company_id, _ENDPOINTS.trigger_id, _ENDPOINTS.secret
).where(_ENDPOINTS.id == sa.bindparam("endpoint_id"), _ENDPOINTS.is_active.is_(True))


def _record_in_one_statement() -> sa.Select[Any]:
    """PostgreSQL: the delivery row (unique per endpoint and message id) and its outbox event,
    written only while the endpoint is active with the secret the signature was checked
    against. Answers whether that endpoint row matched, and the event id (none for a
    duplicate)."""
    endpoint = (
        sa.select(_ENDPOINTS.id, _ENDPOINTS.company_id, _ENDPOINTS.trigger_id)
        .where(
            _ENDPOINTS.id == sa.bindparam("endpoint_id"),
            _ENDPOINTS.is_active.is_(True),
            _ENDPOINTS.secret == sa.bindparam("sealed"),
        )
        .cte("endpoint")
    )
    delivery = (
        postgresql.insert(_DELIVERIES)
        .from_select(
            _DELIVERY_COLUMNS,
            sa.select(
                sa.bindparam("delivery_id", type_=_DELIVERIES.c.id.type),
                endpoint.c.company_id,
                endpoint.c.id,
                sa.bindparam("message_id", type_=_DELIVERIES.c.message_id.type),
                sa.bindparam("event_id", type_=_DELIVERIES.c.event_id.type),
                sa.bindparam("now", type_=_DELIVERIES.c.received_at.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=["endpoint_id", "message_id"])
        .returning(_DELIVERIES.c.event_id, _DELIVERIES.c.company_id)
        .cte("delivery")
    )
    event = (
        sa.insert(OUTBOX)
        .from_select(
            (
                "id",
                "event_type",
                "company_id",
                "payload",
                "trigger_id",
                "chain_depth",
                "created_at",
            ),
            sa.select(
                delivery.c.event_id,
                sa.literal(EventType.WEBHOOK_RECEIVED, OUTBOX.c.event_type.type),
                delivery.c.company_id,
                sa.bindparam("payload", type_=OUTBOX.c.payload.type),
                endpoint.c.trigger_id,
                sa.literal(0),
                sa.bindparam("now", type_=OUTBOX.c.created_at.type),
            ).select_from(delivery.join(endpoint, sa.true())),
        )
        .returning(OUTBOX.c.id)
        .cte("event")
    )
    return sa.select(
        sa.exists(sa.select(endpoint.c.id)).label("endpoint_matched"),
        sa.select(event.c.id).scalar_subquery().label("event_id"),
    )


_RECORD = _record_in_one_statement()


async def receive_webhook(
    sessions: async_sessionmaker[AsyncSession],
    *,
    endpoint_id: str,
    headers: Mapping[str, str],
    body: bytes,
    max_body_bytes: int,
) -> str:
    """Verify and record one delivery (platform-level: the endpoint names the company);
    returns the WEBHOOK_RECEIVED event id, committed. The Standard Webhooks scheme:
    HMAC-SHA256 over "id.timestamp.body" with the endpoint's secret, a timestamp within five
    minutes, and each webhook-id accepted once per endpoint."""
    if len(body) > max_body_bytes:
        raise WebhookPayloadTooLarge(f"the body exceeds {max_body_bytes} bytes")
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    if engine.dialect.name != "postgresql":
        async with transaction(sessions) as session:
            return await _record_in_transaction(session, endpoint_id, headers, body)
    async with engine.connect() as connection:
        # One statement commits on its own: no BEGIN and COMMIT round trips.
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        remembered = _known.get(endpoint_id)
        endpoint = remembered or await _read(connection, endpoint_id)
        try:
            message_id = _checked(endpoint, headers, body)
        except WebhookSignatureInvalid:
            if remembered is None:
                raise
            # Signed with a secret rotated since it was remembered? Read it again.
            endpoint = await _read(connection, endpoint_id)
            message_id = _checked(endpoint, headers, body)
        try:
            event_id = await _record(connection, endpoint, message_id, body)
        except _EndpointChanged:
            endpoint = await _read(connection, endpoint_id)
            message_id = _checked(endpoint, headers, body)
            try:
                event_id = await _record(connection, endpoint, message_id, body)
            except _EndpointChanged:  # changed again in between: as good as gone
                raise WebhookNotFound("no such webhook endpoint") from None
    if event_id is None:
        raise WebhookDuplicate(f"delivery {message_id!r} was received already")
    # Committed outside any session: its hint is sent here (record_event's comes with the
    # session's commit).
    commit_hints.events_committed()
    return event_id


class _EndpointChanged(Exception):
    """The endpoint row no longer matches the remembered one (rotated, re-sealed,
    deactivated, deleted): nothing was recorded."""


async def _read(connection: AsyncConnection, endpoint_id: str) -> _Endpoint:
    _known.forget(endpoint_id)
    row = (await connection.execute(_ACTIVE_ENDPOINT, {"endpoint_id": endpoint_id})).first()
    if row is None:
        raise WebhookNotFound("no such webhook endpoint")
    endpoint = _Endpoint(
        row.id, row.company_id, row.trigger_id, row.secret, Webhook(open_secret(row.secret))
    )
    _known.keep(endpoint)
    return endpoint


async def _record(
    connection: AsyncConnection, endpoint: _Endpoint, message_id: str, body: bytes
) -> str | None:
    """The event id, or None for a duplicate; _EndpointChanged when the endpoint row is no
    longer the remembered one."""
    now = utcnow()
    event_id = new_id()
    row = (
        await connection.execute(
            _RECORD,
            {
                "endpoint_id": endpoint.id,
                "sealed": endpoint.sealed,
                "delivery_id": new_id(),
                "message_id": message_id,
                "event_id": event_id,
                "now": now,
                "payload": _event_payload(endpoint.id, message_id, now.isoformat(), body),
            },
        )
    ).one()
    if not row.endpoint_matched:
        _known.forget(endpoint.id)
        raise _EndpointChanged
    return None if row.event_id is None else event_id


async def _record_in_transaction(
    session: AsyncSession, endpoint_id: str, headers: Mapping[str, str], body: bytes
) -> str:
    """SQLite (embedded mode): the endpoint read afresh, then the delivery row and the event
    in the session's transaction."""
    row = (await session.execute(_ACTIVE_ENDPOINT, {"endpoint_id": endpoint_id})).first()
    if row is None:
        raise WebhookNotFound("no such webhook endpoint")
    endpoint = _Endpoint(
        row.id, row.company_id, row.trigger_id, row.secret, Webhook(open_secret(row.secret))
    )
    message_id = _checked(endpoint, headers, body)
    event_id = new_id()
    now = utcnow()
    accepted = await session.scalar(
        sqlite.insert(_DELIVERIES)
        .values(
            id=new_id(),
            company_id=endpoint.company_id,
            endpoint_id=endpoint.id,
            message_id=message_id,
            event_id=event_id,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["endpoint_id", "message_id"])
        .returning(_DELIVERIES.c.id)
    )
    if accepted is None:
        raise WebhookDuplicate(f"delivery {message_id!r} was received already")
    record_event(
        session,
        EventType.WEBHOOK_RECEIVED,
        company_id=endpoint.company_id,
        payload=_event_payload(endpoint.id, message_id, now.isoformat(), body),
        trigger_id=endpoint.trigger_id,
        event_id=event_id,
    )
    return event_id


def _checked(endpoint: _Endpoint, headers: Mapping[str, str], body: bytes) -> str:
    """The delivery's message id; WebhookSignatureInvalid unless its signature holds."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        endpoint.verifier.verify(body, lowered, json_parse=False)
    except WebhookVerificationError as exc:
        raise WebhookSignatureInvalid(f"webhook signature rejected: {exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise WebhookSignatureInvalid("webhook signature headers are malformed") from None
    return lowered["webhook-id"][:255]


def _event_payload(
    endpoint_id: str, message_id: str, received_at: str, body: bytes
) -> dict[str, Any]:
    return {
        "webhookId": message_id,
        "endpointId": endpoint_id,
        "receivedAt": received_at,
        "data": _data(body),
    }


def _data(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # kept as text, as it came
        return {"raw": body.decode("utf-8", errors="replace")}
