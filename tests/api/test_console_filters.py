"""The console's searches: the audit trail by entity, user, action and time, and trigger
executions by event type."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.database import transaction
from core.models import (
    AuditLog,
    EventType,
    TriggerExecution,
    TriggerExecutionStatus,
    UserRole,
    utcnow,
)
from tests.world.automation import add_trigger
from tests.world.tenants import Tenant


async def test_the_audit_trail_by_entity_action_user_and_time(
    client, acme: Tenant, as_admin, sessions
) -> None:
    made = await client.post("/departments", json={"name": "Audit"}, headers=as_admin)
    department = made.json()["id"]
    await client.patch(
        f"/departments/{department}", json={"name": "Audit & Risk"}, headers=as_admin
    )
    async with transaction(sessions) as session:  # the creation happened a day ago
        await session.execute(
            sa.update(AuditLog)
            .where(AuditLog.entity_id == department, AuditLog.action.like("%create%"))
            .values(timestamp=utcnow() - timedelta(days=1))
        )
    found = await client.get(
        "/audit-logs",
        params={
            "entity": "Department",
            "entityId": department,
            "userId": acme.users[UserRole.ADMIN].id,
        },
        headers=as_admin,
    )
    assert found.status_code == 200, found.text
    entries = found.json()["items"]
    assert len(entries) == 2
    update = entries[0]
    assert update["changes"]["before"]["name"] == "Audit"
    assert update["changes"]["after"]["name"] == "Audit & Risk"
    recent = await client.get(
        "/audit-logs",
        params={"entityId": department, "since": (utcnow() - timedelta(hours=1)).isoformat()},
        headers=as_admin,
    )
    assert [e["action"] for e in recent.json()["items"]] == [update["action"]]
    older = await client.get(
        "/audit-logs",
        params={"entityId": department, "until": (utcnow() - timedelta(hours=1)).isoformat()},
        headers=as_admin,
    )
    assert [e["id"] for e in older.json()["items"]] == [entries[1]["id"]]
    by_action = await client.get(
        "/audit-logs", params={"entityId": department, "action": update["action"]}, headers=as_admin
    )
    assert by_action.json()["total"] == 1
    bad = await client.get(
        "/audit-logs", params={"since": "yesterday", "until": "1"}, headers=as_admin
    )
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {"query:since", "query:until"}


async def test_executions_by_event_type(client, acme: Tenant, as_admin, sessions) -> None:
    scheduled = await add_trigger(sessions, acme.company_id, event_type=EventType.SCHEDULED)
    completed = await add_trigger(sessions, acme.company_id, event_type=EventType.TASK_COMPLETED)
    async with transaction(sessions) as session:
        for trigger_id in (scheduled, completed, completed):
            session.add(
                TriggerExecution(
                    company_id=acme.company_id,
                    trigger_id=trigger_id,
                    event_data={},
                    conditions_met=True,
                    condition_result={},
                    actions_executed=[],
                    status=TriggerExecutionStatus.SUCCESS,
                    execution_time=1,
                )
            )
    listed = await client.get(
        "/trigger-executions", params={"eventType": "TASK_COMPLETED"}, headers=as_admin
    )
    assert listed.status_code == 200, listed.text
    assert [e["triggerId"] for e in listed.json()["items"]] == [completed, completed]
    bad = await client.get("/trigger-executions", params={"eventType": "NOPE"}, headers=as_admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "query:eventType"
