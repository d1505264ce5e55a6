"""Inbound webhooks at the service level: Standard Webhooks signatures, replays, duplicates,
size bound, and the WEBHOOK_RECEIVED event that reaches the endpoint's trigger."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.database import create_engine, session_factory, transaction
from core.errors import ValidationFailed
from core.migrate import upgrade
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
from tests.world.automation import Pipeline, add_trigger, executions, seeded_company
from tests.world.tenants import Sessions, Tenant

PUBLIC = "https://erp.example"


async def endpoint_for(sessions: Sessions, acme: Tenant, **trigger: object) -> tuple[str, str, str]:
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
    return await receive_webhook(
        sessions, endpoint_id=endpoint_id, headers=headers, body=body, max_body_bytes=1024
    )


async def test_a_signed_delivery_fires_the_endpoint_trigger(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant
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
    sessions: Sessions, acme: Tenant
) -> None:
    _, endpoint_id, secret = await endpoint_for(sessions, acme)
    body = json.dumps({"a": 1}).encode()
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(sessions, endpoint_id, "whsec_" + "A" * 44, body)
    with pytest.raises(WebhookSignatureInvalid, match="too old"):
        await deliver(
            sessions, endpoint_id, secret, body, when=datetime.now(UTC) - timedelta(minutes=10)
        )
    with pytest.raises(WebhookSignatureInvalid, match="too new"):
        await deliver(
            sessions, endpoint_id, secret, body, when=datetime.now(UTC) + timedelta(minutes=10)
        )
    # Within the tolerance either way is fine.
    await deliver(
        sessions,
        endpoint_id,
        secret,
        body,
        message_id="msg_skewed",
        when=datetime.now(UTC) + timedelta(minutes=4),
    )
    with pytest.raises(WebhookSignatureInvalid):
        await receive_webhook(
            sessions, endpoint_id=endpoint_id, headers={}, body=body, max_body_bytes=1024
        )
    await deliver(sessions, endpoint_id, secret, body, message_id="msg_once")
    with pytest.raises(WebhookDuplicate):
        await deliver(sessions, endpoint_id, secret, body, message_id="msg_once")
    with pytest.raises(WebhookPayloadTooLarge):
        await deliver(sessions, endpoint_id, secret, b"x" * 2048)
    with pytest.raises(WebhookNotFound):
        await deliver(sessions, "no-such-endpoint", secret, body)


async def test_a_rotated_secret_replaces_the_old_one(sessions: Sessions, acme: Tenant) -> None:
    _, endpoint_id, old = await endpoint_for(sessions, acme)
    async with transaction(sessions) as session:
        rotated = await rotate_secret(
            session, company_id=acme.company_id, endpoint_id=endpoint_id, public_url=PUBLIC
        )
    assert rotated.secret != old
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(sessions, endpoint_id, old, b"{}")
    await deliver(sessions, endpoint_id, rotated.secret, b"{}")


async def test_only_webhook_triggers_get_endpoints(sessions: Sessions, acme: Tenant) -> None:
    trigger_id = await add_trigger(sessions, acme.company_id)
    async with transaction(sessions) as session:
        with pytest.raises(ValidationFailed):
            await create_endpoint(
                session, company_id=acme.company_id, trigger_id=trigger_id, public_url=PUBLIC
            )


async def test_signing_secrets_are_stored_sealed_and_survive_key_rotation(
    sessions: Sessions, acme: Tenant
) -> None:
    import sqlalchemy as sa

    from core.integrations.rotation import rotate_secrets
    from core.models.automation import WebhookEndpoint
    from core.vault import SecretBox, new_key, process_box

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


async def test_a_remembered_endpoint_follows_rotation_deactivation_and_deletion(
    sessions: Sessions, acme: Tenant
) -> None:
    """The receiver remembers endpoints between deliveries; each change to the row is seen
    by the very next delivery."""
    import sqlalchemy as sa

    from core.models.automation import WebhookEndpoint
    from core.webhooks import delete_endpoint

    _, endpoint_id, old = await endpoint_for(sessions, acme)
    await deliver(sessions, endpoint_id, old, b"{}", message_id="before-rotation")
    async with transaction(sessions) as session:
        rotated = await rotate_secret(
            session, company_id=acme.company_id, endpoint_id=endpoint_id, public_url=PUBLIC
        )
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(sessions, endpoint_id, old, b"{}", message_id="old-secret")
    await deliver(sessions, endpoint_id, rotated.secret, b"{}", message_id="new-secret")
    # Signed with the old secret again, after the new one was remembered.
    with pytest.raises(WebhookSignatureInvalid):
        await deliver(sessions, endpoint_id, old, b"{}", message_id="old-secret-again")

    async with transaction(sessions) as session:
        await session.execute(
            sa.update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(is_active=False)
        )
    with pytest.raises(WebhookNotFound):
        await deliver(sessions, endpoint_id, rotated.secret, b"{}", message_id="inactive")
    async with transaction(sessions) as session:
        await session.execute(
            sa.update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(is_active=True)
        )
    await deliver(sessions, endpoint_id, rotated.secret, b"{}", message_id="active-again")

    async with transaction(sessions) as session:
        await delete_endpoint(session, company_id=acme.company_id, endpoint_id=endpoint_id)
    with pytest.raises(WebhookNotFound):
        await deliver(sessions, endpoint_id, rotated.secret, b"{}", message_id="deleted")
    async with sessions() as session:
        accepted = await session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == EventType.WEBHOOK_RECEIVED)
            .where(OutboxEvent.payload["endpointId"].as_string() == endpoint_id)
        )
    assert accepted == 3


async def test_a_remembered_endpoint_is_read_again_once_its_secret_is_resealed(
    sessions: Sessions, acme: Tenant
) -> None:
    import sqlalchemy as sa

    from core.integrations.rotation import rotate_secrets
    from core.models.automation import WebhookEndpoint
    from core.vault import SecretBox, process_box

    async def stored() -> str | None:
        async with sessions() as session:
            return await session.scalar(
                sa.select(WebhookEndpoint.secret).where(WebhookEndpoint.id == endpoint_id)
            )

    _, endpoint_id, secret = await endpoint_for(sessions, acme)
    await deliver(sessions, endpoint_id, secret, b"{}", message_id="before")
    before = await stored()
    # Re-sealing under the same keys changes the stored value, not the secret.
    assert await rotate_secrets(sessions, SecretBox(process_box().keys)) >= 1
    assert await stored() != before
    await deliver(sessions, endpoint_id, secret, b"{}", message_id="after")
    with pytest.raises(WebhookDuplicate):
        await deliver(sessions, endpoint_id, secret, b"{}", message_id="after")


async def test_deliveries_on_sqlite_are_verified_deduplicated_and_recorded(
    tmp_path: Path,
) -> None:
    """Embedded mode: the same checks in one transaction on the SQLite file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'erp.db'}"
    await asyncio.to_thread(upgrade, make_url(url))  # Alembic runs its own event loop
    engine = create_engine(make_url(url))
    sqlite_sessions = session_factory(engine)
    try:
        acme = await seeded_company(sqlite_sessions)
        trigger_id, endpoint_id, secret = await endpoint_for(sqlite_sessions, acme)
        event_id = await deliver(sqlite_sessions, endpoint_id, secret, b'{"a": 1}')
        with pytest.raises(WebhookDuplicate):
            await deliver(sqlite_sessions, endpoint_id, secret, b'{"a": 1}')
        with pytest.raises(WebhookSignatureInvalid):
            await deliver(sqlite_sessions, endpoint_id, "whsec_" + "A" * 44, b"{}", message_id="x")
        async with sqlite_sessions() as session:
            event = await session.get(OutboxEvent, event_id)
        assert event is not None and event.trigger_id == trigger_id
        assert event.payload["data"] == {"a": 1} and event.payload["webhookId"] == "msg_1"
    finally:
        await engine.dispose()


async def test_a_body_nested_too_deep_to_parse_is_kept_as_text(
    sessions: Sessions, acme: Tenant
) -> None:
    # json.loads raises RecursionError (not ValueError) on it: the delivery failed with 500.
    _, endpoint_id, secret = await endpoint_for(sessions, acme)
    body = b"[" * 1500 + b"]" * 1500
    headers = sign_delivery(secret, "msg_deep", body, datetime.now(UTC))
    event_id = await receive_webhook(
        sessions, endpoint_id=endpoint_id, headers=headers, body=body, max_body_bytes=4096
    )
    async with sessions() as session:
        event = await session.get(OutboxEvent, event_id)
    assert event is not None and event.payload["data"] == {"raw": body.decode()}
