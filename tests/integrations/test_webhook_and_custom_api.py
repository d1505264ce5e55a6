"""Outgoing webhooks signed with the Standard Webhooks scheme, retried, every delivery
logged; and a custom API with each auth scheme, templated requests, mapped answers and the
three kinds of pagination."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from core.integrations.errors import CredentialsRejected
from core.integrations.runner import run_action
from core.models import EventType, IntegrationRun, TriggerExecutionStatus
from tests.integrations.receiver import ORDERS, Receiver, ShopApi
from tests.integrations.vendors import Answer
from tests.world.automation import add_trigger, executions, record
from tests.world.integrations import add_integration
from tests.world.services import eventually

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture
def shop() -> Iterator[ShopApi]:
    with ShopApi() as server:
        yield server


async def test_a_signed_delivery_survives_a_busy_receiver(
    sessions, box, acme, receiver, integrations_pipeline
) -> None:
    hook = await add_integration(
        sessions,
        box,
        acme.company_id,
        "WEBHOOK",
        {"url": receiver.url + "/erp", "signingSecret": SECRET, "headers": "X-Tenant: acme"},
    )
    receiver.failures += [
        Answer(503, None, headers={"Retry-After": "0"}),
        Answer(429, None, headers={"Retry-After": "1"}),
    ]
    await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.FLOW_COMPLETED,
        actions=[
            {
                "type": "integration",
                "config": {
                    "integrationId": hook,
                    "action": "post_event",
                    "inputs": {"eventType": "expense.approved", "payload": "{{data}}"},
                },
            }
        ],
    )
    await record(
        sessions,
        acme.company_id,
        EventType.FLOW_COMPLETED,
        {"data": {"amount": 1500, "employee": "Jane"}},
    )
    await integrations_pipeline.drain()

    [execution] = await executions(sessions)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    deliveries = receiver.seen
    assert len(deliveries) == 3
    assert len({d.headers["webhook-id"] for d in deliveries}) == 1  # one message, retried
    last = deliveries[-1]
    assert last.headers["x-tenant"] == "acme"
    payload = Webhook(SECRET).verify(last.body, last.headers)
    assert payload == {"type": "expense.approved", "data": {"amount": 1500, "employee": "Jane"}}
    async with sessions() as session:
        [run] = (await session.scalars(sa.select(IntegrationRun))).all()
    assert [e["status"] for e in run.request] == [503, 429, 204]


async def test_a_receiver_that_keeps_failing_ends_failed_with_its_answer(
    sessions, box, acme, receiver, integrations_pipeline
) -> None:
    hook = await add_integration(
        sessions, box, acme.company_id, "WEBHOOK", {"url": receiver.url, "signingSecret": SECRET}
    )
    receiver.failures += [Answer(500, {"error": "database down"})] * 2
    await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.FLOW_COMPLETED,
        settings={"retries": 1, "retryBackoffSeconds": 0.01},
        actions=[
            {
                "type": "integration",
                "config": {
                    "integrationId": hook,
                    "action": "post_event",
                    "inputs": {"payload": {"x": 1}},
                },
            }
        ],
    )
    await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, {"data": {}})
    await integrations_pipeline.drain()
    [execution] = await eventually(lambda: executions(sessions))
    assert execution.status is TriggerExecutionStatus.FAILED
    assert execution.actions_executed[0]["attempts"] == 2
    assert "500" in execution.error_message and "database down" in execution.error_message
    async with sessions() as session:
        runs = (await session.scalars(sa.select(IntegrationRun.status))).all()
    assert runs == ["FAILED", "FAILED"]  # each delivery attempt is logged


@pytest.mark.parametrize(
    "auth",
    [
        {"authScheme": "api_key", "apiKeyName": "X-Api-Key", "apiKey": "key-1"},
        {"authScheme": "api_key", "apiKeyName": "api_key", "apiKeyIn": "query", "apiKey": "key-1"},
        {"authScheme": "bearer", "token": "tok-2"},
        {"authScheme": "basic", "username": "shop", "password": "pw-3"},
    ],
)
async def test_every_auth_scheme_and_pagination(sessions, settings, box, acme, shop, auth) -> None:
    api = await add_integration(
        sessions, box, acme.company_id, "CUSTOM_API", {"baseUrl": shop.url, **auth}
    )
    for path, pagination in [
        ("/orders/links", {"type": "next_link", "path": "links.next", "itemsPath": "orders"}),
        (
            "/orders/cursor",
            {"type": "cursor", "path": "meta.next_cursor", "param": "cursor", "itemsPath": "data"},
        ),
        ("/orders/pages", {"type": "page", "param": "page", "itemsPath": "items"}),
    ]:
        out = await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=api,
            action="call",
            inputs={"method": "GET", "path": path, "pagination": pagination},
        )
        assert out["items"] == ORDERS, path


async def test_templated_request_and_mapped_answer(sessions, settings, box, acme, shop) -> None:
    api = await add_integration(
        sessions,
        box,
        acme.company_id,
        "CUSTOM_API",
        {"baseUrl": shop.url, "authScheme": "bearer", "token": "tok-2"},
    )
    out = await run_action(
        sessions,
        settings,
        company_id=acme.company_id,
        integration_id=api,
        action="call",
        inputs={
            "method": "POST",
            "path": "/customers",
            "query": {"source": "erp"},
            "headers": {"X-Tag": "vip"},
            "body": {"name": "Globex"},
            "responseMap": {"customerId": "customer.id", "tag": "customer.echo.tag"},
        },
    )
    assert out == {"status": 201, "customerId": "cus_9", "tag": "vip"}
    wrong = await add_integration(
        sessions,
        box,
        acme.company_id,
        "CUSTOM_API",
        {"baseUrl": shop.url, "authScheme": "bearer", "token": "nope"},
    )
    with pytest.raises(CredentialsRejected, match="401"):
        await run_action(
            sessions,
            settings,
            company_id=acme.company_id,
            integration_id=wrong,
            action="call",
            inputs={"path": "/orders/pages"},
        )
