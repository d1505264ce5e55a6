"""What records, standalone submissions and schedules emit is what core/events/payloads.py
declares for their event types: a trigger's templates are judged on save by that table, so a
key emitted but not declared would be refused though present, and a key declared but never
emitted would pass and render empty. (The flow's events: tests/flows/test_expense_scenario.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from core.events.payloads import PAYLOAD_KEYS
from core.models import EventType, OutboxEvent, UserRole, utcnow
from core.scheduling.claims import fire_due_slots
from tests.world.app import auth_headers
from tests.world.automation import add_trigger, expense_task
from tests.world.tenants import Sessions, make_tenant

SCHEMA = [
    {"id": "sku", "type": "text", "label": "SKU"},
    {"id": "qty", "type": "number", "label": "Quantity"},
]


async def test_records_standalone_submissions_and_schedules_emit_the_declared_keys(
    client: AsyncTestClient[Any], sessions: Sessions
) -> None:
    tenant = await make_tenant(sessions, "Acme")
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    employee = auth_headers(tenant.users[UserRole.EMPLOYEE])

    async def call(method: str, path: str, **kwargs: Any) -> Any:
        headers = admin | kwargs.pop("headers", {})
        response = await client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    table = await call(
        "POST", "/tables", json={"name": "stock", "displayName": "Stock", "schema": SCHEMA}
    )
    records = f"/tables/{table['id']}/records"
    one = await call("POST", records, json={"data": {"sku": "A", "qty": 1}})
    await call("PATCH", f"{records}/{one['id']}", json={"data": {"qty": 2}})
    many = await call("POST", f"{records}/bulk-create", json={"records": [{"sku": "B", "qty": 3}]})
    await call(
        "POST",
        f"{records}/bulk-update",
        json={"records": [{"id": many["ids"][0], "data": {"qty": 4}}]},
    )
    await call(
        "POST", f"{records}/import", content=b"sku,qty\nC,5\n", headers={"Content-Type": "text/csv"}
    )

    task_id = await expense_task(sessions, tenant)
    receipt = await client.post(
        "/files?context=task_attachment",
        headers=employee,
        files={"file": ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")},
    )
    assert receipt.status_code == 201, receipt.text
    submitted = await client.post(
        f"/tasks/{task_id}/executions",
        headers=employee,
        json={
            "data": {
                "field_1": "Eve",
                "field_2": 40,
                "field_3": "Travel",
                "field_4": receipt.json()["id"],
            }
        },
    )
    assert submitted.status_code == 201, submitted.text

    schedule = {"cron": "* * * * *", "timezone": "UTC"}
    trigger_id = await add_trigger(
        sessions, tenant.company.id, event_type=EventType.SCHEDULED, event_config=schedule
    )
    claimed = await fire_due_slots(
        sessions, trigger_id, claimed_by="test", now=utcnow() + timedelta(minutes=2)
    )
    assert claimed

    async with sessions() as session:
        events = (await session.scalars(sa.select(OutboxEvent))).all()
    emitted: dict[EventType, set[str]] = {}
    for event in events:
        declared = PAYLOAD_KEYS[event.event_type]
        assert declared is not None
        assert set(event.payload) <= declared, (event.event_type, set(event.payload) - declared)
        emitted.setdefault(event.event_type, set()).update(event.payload)
    expected = {
        EventType.DATABASE_ROW_CREATED,
        EventType.DATABASE_ROW_UPDATED,
        EventType.TASK_COMPLETED,
        EventType.SCHEDULED,
    }
    assert set(emitted) == expected
    for event_type in expected:
        assert emitted[event_type] == PAYLOAD_KEYS[event_type], event_type
