"""Inbound webhooks at the service level: Standard Webhooks signatures, replays, duplicates,
size bound, and the WEBHOOK_RECEIVED event that reaches the endpoint's trigger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.database import transaction
from core.errors import ValidationFailed
from core.models import EventType, OutboxEvent
from core.webhooks import (
    WebhookDuplicate,
    WebhookNotFound,
    WebhookPayloadTooLarge,
    WebhookSignatureInvalid,
    create_endpoint,
    receive_webhook,
    rotate_secret,
    sign_delivery,
)
from tests.triggers.conftest import Pipeline
from tests.triggers.factories import Acme, Sessions, add_trigger, executions

PUBLIC = "https://erp.example"


async def endpoint_for(sessions: Sessions, acme: Acme, **trigger: object) -> tuple[str, str, str]:
    trigger_id = await add_trigger(
        sessions, acme.company_id, event_type=EventType.WEBHOOK_RECEIVED, **trigger
    )
    async with transaction(sessions) as session:
        created = await create_endpoint(
            session, company_id=acme.company_id, trigger_id=trigger_id, public_url=PUBLIC
        )
    assert created.url == f"{PUBLIC}/webhooks/{created.endpoint.id}"
    return trigger_id, created.endpoint.id, created.secret


async def deliver(
    sessions: Sessions,
    endpoint_id: str,
    secret: str,
    body: bytes,
    *,
    message_id: str = "msg_1",
    when: datetime | None = None,
) -> str:
    headers = sign_delivery(secret, message_id, body, when or datetime.now(UTC))
    async with transaction(sessions) as session:
        return await receive_webhook(
            session, endpoint_id=endpoint_id, headers=headers, body=body, max_body_bytes=1024
        )


async def test_a_signed_delivery_fires_the_endpoint_trigger(
    sessions: Sessions, pipeline: Pipeline, acme: Acme
) -> None:
    trigger_id, endpoint_id, secret = await endpoint_for(
        sessions,
        acme,
        conditions={"==": [{"var": "data.status"}, "paid"]},
        actions=[{"type": "noop"}],
    )
    event_id = await deliver(sessions, endpoint_id, secret, b'{"status": "paid", "amount": 3}')
    await pipeline.drain()

    async with sessions() as session:
        event = await session.get(OutboxEvent, event_id)
    assert event is not None and event.trigger_id == trigger_id
    assert event.payload["data"] == {"status": "paid", "amount": 3}
    [execution] = await executions(sessions, trigger_id)
    assert execution.conditions_met is True
    assert execution.event_data["webhookId"] == "msg_1"


async def test_wrong_signature_old_timestamp_and_duplicates_are_refused(
    sessions: Sessions, acme: Acme
) -> None:
    _, endpoint_id, secret = await endpoint_for(sessions, acme)
    body = json.dumps({"a": 1}).encode()
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(sessions, endpoint_id, "whsec_" + "A" * 44, body)
    with pytest.raises(WebhookSignatureInvalid, match="too old"):
        await deliver(
            sessions, endpoint_id, secret, body, when=datetime.now(UTC) - timedelta(minutes=10)
        )
    async with transaction(sessions) as session:
        with pytest.raises(WebhookSignatureInvalid):
            await receive_webhook(
                session, endpoint_id=endpoint_id, headers={}, body=body, max_body_bytes=1024
            )
    await deliver(sessions, endpoint_id, secret, body, message_id="msg_once")
    with pytest.raises(WebhookDuplicate):
        await deliver(sessions, endpoint_id, secret, body, message_id="msg_once")
    with pytest.raises(WebhookPayloadTooLarge):
        await deliver(sessions, endpoint_id, secret, b"x" * 2048)
    with pytest.raises(WebhookNotFound):
        await deliver(sessions, "no-such-endpoint", secret, body)


async def test_a_rotated_secret_replaces_the_old_one(sessions: Sessions, acme: Acme) -> None:
    _, endpoint_id, old = await endpoint_for(sessions, acme)
    async with transaction(sessions) as session:
        rotated = await rotate_secret(
            session, company_id=acme.company_id, endpoint_id=endpoint_id, public_url=PUBLIC
        )
    assert rotated.secret != old
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(sessions, endpoint_id, old, b"{}")
    await deliver(sessions, endpoint_id, rotated.secret, b"{}")


async def test_only_webhook_triggers_get_endpoints(sessions: Sessions, acme: Acme) -> None:
    trigger_id = await add_trigger(sessions, acme.company_id)
    async with transaction(sessions) as session:
        with pytest.raises(ValidationFailed):
            await create_endpoint(
                session, company_id=acme.company_id, trigger_id=trigger_id, public_url=PUBLIC
            )


async def test_signing_secrets_are_stored_sealed_and_survive_key_rotation(
    sessions: Sessions, acme: Acme
) -> None:
    import sqlalchemy as sa

    from core.integrations.rotation import rotate_secrets
    from core.integrations.vault import SecretBox, new_key, process_box
    from core.models.automation import WebhookEndpoint

    _, endpoint_id, secret = await endpoint_for(sessions, acme)
    async with sessions() as session:
        stored = await session.scalar(
            sa.select(WebhookEndpoint.secret).where(WebhookEndpoint.id == endpoint_id)
        )
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    # A new key first, the current one after: rotation re-seals under the new key only.
    current = process_box()
    rotated_box = SecretBox([new_key(), *current.keys])
    assert await rotate_secrets(sessions, rotated_box) >= 1
    async with sessions() as session:
        resealed = await session.scalar(
            sa.select(WebhookEndpoint.secret).where(WebhookEndpoint.id == endpoint_id)
        )
    assert resealed != stored
    assert rotated_box.open({"$encrypted": resealed}) == secret
