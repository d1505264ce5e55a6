"""Triggers, executions, webhooks and notifications through the HTTP API."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from litestar.testing import AsyncTestClient

from core.database import transaction
from core.models import EmailTemplate, UserRole
from core.webhooks import sign_delivery
from tests.world.app import auth_headers
from tests.world.automation import (
    HIGH_VALUE_CONDITIONS,
    Pipeline,
    add_table,
    expense_task,
)
from tests.world.services import HttpReceiver
from tests.world.tenants import Sessions, Tenant, make_tenant

LEDGER = [{"id": "t", "type": "number", "label": "T"}]


@pytest.fixture
async def tenant(sessions: Sessions) -> Tenant:
    return await make_tenant(sessions, "Acme")


async def test_an_admin_creates_reads_edits_and_deletes_a_trigger(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    task_id = await expense_task(sessions, tenant)
    await alert_template(sessions, tenant, "high_value_expense")
    body = {
        "name": "High-Value Alert",
        "description": "Alert CFO for expenses > $10,000",
        "eventType": "TASK_COMPLETED",
        "taskId": task_id,
        "conditions": HIGH_VALUE_CONDITIONS,
        "actions": [
            {
                "type": "send_email",
                "config": {"to": "cfo@acme.com", "template": "high_value_expense"},
            }
        ],
        "settings": {"retries": 3, "retryBackoffSeconds": 5},
    }
    created = await client.post("/triggers", json=body, headers=admin)
    assert created.status_code == 201, created.text
    trigger = created.json()
    assert trigger["eventType"] == "TASK_COMPLETED" and trigger["isActive"] is True

    listed = await client.get("/triggers", params={"taskId": task_id}, headers=admin)
    assert [t["id"] for t in listed.json()["items"]] == [trigger["id"]]
    changed = await client.patch(
        f"/triggers/{trigger['id']}", json={"isActive": False}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["isActive"] is False
    employee = auth_headers(tenant.users[UserRole.EMPLOYEE])
    assert (await client.get("/triggers", headers=employee)).status_code == 403
    other = await make_tenant(sessions, "Globex")
    stranger = auth_headers(other.users[UserRole.ADMIN])
    assert (await client.get(f"/triggers/{trigger['id']}", headers=stranger)).status_code == 404
    assert (await client.delete(f"/triggers/{trigger['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/triggers/{trigger['id']}", headers=admin)).status_code == 404


async def test_an_invalid_trigger_is_refused_with_every_problem(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    task_id = await expense_task(sessions, tenant)
    refused = await client.post(
        "/triggers",
        json={
            "name": "Broken",
            "eventType": "TASK_COMPLETED",
            "taskId": task_id,
            "conditions": {
                "operator": "AND",
                "rules": [{"field": "Salary", "operator": "greater_than", "value": 1}],
            },
            "actions": [{"type": "teleport"}, {"type": "send_email", "config": {"cc": 3}}],
            "settings": {"retries": -1},
        },
        headers=admin,
    )
    assert refused.status_code == 422, refused.text
    paths = {e["path"] for e in refused.json()["errors"]}
    assert {"settings.retries", "actions[0].type"} <= paths
    assert any(p.startswith("conditions") for p in paths)
    assert any(p.startswith("actions[1].config") for p in paths)
    schedule = await client.post(
        "/triggers",
        json={
            "name": "Nightly",
            "eventType": "SCHEDULED",
            "actions": [],
            "eventConfig": {"cron": "not a cron"},
        },
        headers=admin,
    )
    assert schedule.status_code == 422
    assert schedule.json()["errors"][0]["path"] == "eventConfig.cron"
    catalogue = await client.get("/trigger-actions", headers=admin)
    names = {a["name"] for a in catalogue.json()["items"]}
    assert {"send_email", "http_request", "start_flow", "create_record", "notify"} <= names


async def test_actions_naming_rows_the_company_lacks_are_refused_with_each_path(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    other = await make_tenant(sessions, "Globex")
    theirs = await add_table(sessions, other.company.id, "ledger", LEDGER)
    ours = await add_table(sessions, tenant.company.id, "ledger", LEDGER)
    body = {
        "name": "Dangling",
        "eventType": "TASK_COMPLETED",
        "actions": [
            {"type": "start_flow", "config": {"flowId": "no-such-flow", "passData": True}},
            {"type": "create_record", "config": {"tableId": theirs, "data": {"t": 1}}},
            {"type": "create_record", "config": {"tableId": "{{ tableFromEvent }}"}},
        ],
        "settings": {"retries": 99},
    }
    refused = await client.post("/triggers", json=body, headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {e["path"] for e in refused.json()["errors"]} == {
        "actions[0].config.flowId",
        "actions[1].config.tableId",
        "settings.retries",
    }
    assert (await client.get("/triggers", headers=admin)).json()["items"] == []

    # A table of the company, by id or by name, is fine.
    body["actions"] = [
        {"type": "create_record", "config": {"tableId": ours, "data": {"t": 1}}},
        {"type": "create_record", "config": {"tableId": "ledger", "data": {"t": 2}}},
    ]
    body["settings"] = {}
    created = await client.post("/triggers", json=body, headers=admin)
    assert created.status_code == 201, created.text


async def test_a_record_template_or_user_of_another_company_is_refused_on_save(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    other = await make_tenant(sessions, "Globex")
    theirs = await ledger_with_a_record(sessions, other)
    ours = await ledger_with_a_record(sessions, tenant)
    their_template = await alert_template(sessions, other, "globex_alert")
    our_template = await alert_template(sessions, tenant, "acme_alert")
    our_user = tenant.users[UserRole.MANAGER].id
    their_user = other.users[UserRole.MANAGER].id

    def actions(record: str, template: str, users: list[str]) -> list[dict[str, object]]:
        return [
            {"type": "update_record", "config": {"recordId": record, "data": {"t": 2}}},
            {"type": "send_email", "config": {"to": "cfo@acme.test", "template": template}},
            {"type": "notify", "config": {"title": "Paid", "userIds": users}},
        ]

    body = {
        "name": "Reaching out",
        "eventType": "DATABASE_ROW_CREATED",
        "actions": actions(theirs.record_id, their_template, [our_user, their_user]),
    }
    refused = await client.post("/triggers", json=body, headers=admin)
    assert refused.status_code == 422, refused.text
    assert {e["path"] for e in refused.json()["errors"]} == {
        "actions[0].config.recordId",
        "actions[1].config.template",
        "actions[2].config.userIds[1]",
    }
    assert (await client.get("/triggers", headers=admin)).json()["items"] == []

    # The company's own rows (the template by id, name or type) are fine; and a change of the
    # actions is checked again.
    for template in (our_template, "Alert acme_alert", "acme_alert"):
        body["actions"] = actions(ours.record_id, template, [our_user])
        created = await client.post("/triggers", json=body, headers=admin)
        assert created.status_code == 201, created.text
    changed = await client.patch(
        f"/triggers/{created.json()['id']}",
        json={"actions": actions(ours.record_id, "acme_alert", [their_user])},
        headers=admin,
    )
    assert changed.status_code == 422, changed.text
    assert [e["path"] for e in changed.json()["errors"]] == ["actions[2].config.userIds[0]"]


@dataclass
class Ledger:
    table_id: str
    record_id: str


async def ledger_with_a_record(sessions: Sessions, tenant: Tenant) -> Ledger:
    from core.records import create_record
    from core.records.permissions import TriggerAuthority

    table_id = await add_table(sessions, tenant.company.id, "ledger", LEDGER)
    async with transaction(sessions, company_id=tenant.company.id) as session:
        row = await create_record(
            session,
            company_id=tenant.company.id,
            table_id=table_id,
            data={"t": 1},
            principal=TriggerAuthority(),
        )
        return Ledger(table_id, row.id)


async def alert_template(sessions: Sessions, tenant: Tenant, kind: str) -> str:
    async with transaction(sessions) as session:
        template = EmailTemplate(
            company_id=tenant.company.id,
            name=f"Alert {kind}",
            type=kind,
            subject="Paid",
            body="A payment arrived.",
        )
        session.add(template)
        await session.flush()
        return template.id


async def test_webhook_delivery_to_execution_stats_and_retry(
    client: AsyncTestClient,
    sessions: Sessions,
    tenant: Tenant,
    pipeline: Pipeline,
    receiver: HttpReceiver,
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    trigger = (
        await client.post(
            "/triggers",
            json={
                "name": "Payments",
                "eventType": "WEBHOOK_RECEIVED",
                "conditions": {"==": [{"var": "data.status"}, "paid"]},
                "actions": [
                    {
                        "type": "http_request",
                        "config": {
                            "url": receiver.url + "/paid",
                            "body": {"ref": "{{ data.ref }}"},
                        },
                    }
                ],
            },
            headers=admin,
        )
    ).json()
    endpoint = await client.post(f"/triggers/{trigger['id']}/webhook-endpoints", headers=admin)
    assert endpoint.status_code == 201, endpoint.text
    url, secret = endpoint.json()["url"], endpoint.json()["secret"]
    path = "/webhooks/" + url.rsplit("/", 1)[1]
    body = json.dumps({"status": "paid", "ref": "INV-7"}).encode()
    signed = sign_delivery(secret, "msg_7", body, datetime.now(UTC))

    accepted = await client.post(path, content=body, headers=signed)
    assert accepted.status_code == 202, accepted.text
    again = await client.post(path, content=body, headers=signed)
    assert again.status_code == 409
    unsigned = await client.post(path, content=body)
    assert unsigned.status_code == 401
    assert unsigned.headers["content-type"].startswith("application/problem+json")

    receiver.statuses = [500]
    await pipeline.drain()
    page = await client.get(
        "/trigger-executions", params={"triggerId": trigger["id"]}, headers=admin
    )
    [failed] = page.json()["items"]
    assert failed["status"] == "FAILED" and failed["conditionsMet"] is True
    assert failed["conditionResult"]["matched"] is True
    assert failed["actionsExecuted"][0]["error"]
    stats = await client.get("/trigger-executions/stats", headers=admin)
    assert stats.json()["byStatus"]["FAILED"] == 1

    retried = await client.post(f"/trigger-executions/{failed['id']}/retry", headers=admin)
    assert retried.status_code == 202, retried.text
    await pipeline.dispatcher.send_run(retried.json()["runId"])
    await pipeline.dispatcher.idle()
    done = await client.get(
        "/trigger-executions",
        params={"triggerId": trigger["id"], "status": "SUCCESS"},
        headers=admin,
    )
    assert done.json()["total"] == 1
    assert [r.body for r in receiver.requests] == [{"ref": "INV-7"}, {"ref": "INV-7"}]


async def post_chunked(
    client: AsyncTestClient, path: str, headers: dict[str, str], body: bytes, *, chunk: int
) -> tuple[int, int]:
    """POST `body` to the app in chunks without a Content-Length, as a server hands a chunked
    request to it (ASGI); the answer's status and how many bytes the app read."""
    sent = 0

    async def receive() -> dict[str, object]:
        nonlocal sent
        part = body[sent : sent + chunk]
        sent += len(part)
        return {"type": "http.request", "body": part, "more_body": sent < len(body)}

    statuses: list[int] = []

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    await client.app(scope, receive, send)
    return statuses[0], sent


async def test_a_webhook_is_answered_202_at_once_and_a_body_over_the_bound_413(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    trigger = await client.post(
        "/triggers",
        json={"name": "Inbound", "eventType": "WEBHOOK_RECEIVED", "actions": []},
        headers=admin,
    )
    endpoint = await client.post(
        f"/triggers/{trigger.json()['id']}/webhook-endpoints", headers=admin
    )
    url, secret = endpoint.json()["url"], endpoint.json()["secret"]
    path = "/webhooks/" + url.rsplit("/", 1)[1]
    big = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    signed = sign_delivery(secret, "msg_big", big, datetime.now(UTC))

    declared = await client.post(path, content=big, headers=signed)
    assert declared.status_code == 413, declared.text
    assert declared.headers["content-type"].startswith("application/problem+json")
    assert declared.json()["code"] == "webhook.payload_too_large"

    # A chunked body declares no length: refused once the bound is passed, the rest unread.
    huge = b"x" * (4 * 1024 * 1024)
    status, read = await post_chunked(client, path, signed, huge, chunk=65536)
    assert status == 413
    assert read <= 1024 * 1024 + 65536
    # Nothing was recorded: the same message id is still new.
    small = b'{"ok": true}'
    accepted = await client.post(
        path, content=small, headers=sign_delivery(secret, "msg_big", small, datetime.now(UTC))
    )
    assert accepted.status_code == 202, accepted.text
    # Answered in milliseconds: the receiver only verifies and records the delivery.
    took = []
    for n in range(15):
        started = time.perf_counter()
        quick = await client.post(
            path, content=small, headers=sign_delivery(secret, f"m{n}", small, datetime.now(UTC))
        )
        took.append(time.perf_counter() - started)
        assert quick.status_code == 202
    assert statistics.median(took) < 0.1, took


async def test_bad_execution_filters_are_listed_in_one_problem(
    client: AsyncTestClient, tenant: Tenant
) -> None:
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    refused = await client.get(
        "/trigger-executions",
        params={"status": "MAYBE", "since": "last tuesday", "triggerId": "t"},
        headers=admin,
    )
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    paths = " ".join(e["path"] for e in refused.json()["errors"])
    assert "status" in paths and "since" in paths


async def test_notifications_are_listed_and_marked_read(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    from core.notifications import notify

    user = tenant.users[UserRole.EMPLOYEE]
    async with transaction(sessions) as session:
        await notify(session, company_id=tenant.company.id, user_ids=[user.id], title="Hello")
    me = auth_headers(user)
    listed = await client.get("/notifications", params={"unread": True}, headers=me)
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["title"] == "Hello"
    count = await client.get("/notifications/unread-count", headers=me)
    assert count.json() == {"unread": 1}
    marked = await client.post("/notifications/read", json={}, headers=me)
    assert marked.json() == {"updated": 1}
    assert (await client.get("/notifications/unread-count", headers=me)).json() == {"unread": 0}


async def test_a_template_naming_a_variable_that_cannot_exist_is_refused_on_save(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    """The seed's own names (`field_amount`, `field_employee_name`), labels' slugs, event
    variables and an action's own `variables` are accepted; a misspelt field is refused,
    naming the variable and the setting's path."""
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    task_id = await expense_task(sessions, tenant)
    email = {
        "to": "cfo@acme.test",
        "subject": "Employee {{field_employee_name}} asks {{ field_amount | round(2) }}",
        "body": "{{ amount }} by {{ executorId }} on {{ event.occurredAt }}: {{ note }}",
        "variables": {"note": "{{ levelName or 'no level' }}"},
    }
    body = {
        "name": "High-Value Alert",
        "eventType": "TASK_COMPLETED",
        "taskId": task_id,
        "actions": [{"type": "send_email", "config": email}],
    }
    created = await client.post("/triggers", json=body, headers=admin)
    assert created.status_code == 201, created.text

    email["body"] = "{{ amonut }} for {{ link_to_task }}"
    body["actions"] = [
        {"type": "send_email", "config": email},
        {
            "type": "http_request",
            "config": {"url": "https://x.test", "body": {"a": ["{{ ghost }}"]}},
        },
    ]
    refused = await client.post("/triggers", json=body, headers=admin)
    assert refused.status_code == 422, refused.text
    problems = {(e["path"], e["code"]) for e in refused.json()["errors"]}
    assert problems == {
        ("actions[0].config.body", "unknown_variable"),
        ("actions[1].config.body.a[0]", "unknown_variable"),
    }
    assert "'amonut'" in refused.text and "'ghost'" in refused.text

    # Attached to nothing, a task event's fields are those of whichever task it comes from:
    # nothing can be ruled out on save (at run time an absent value renders empty).
    del body["taskId"]
    open_ended = await client.post("/triggers", json=body, headers=admin)
    assert open_ended.status_code == 201, open_ended.text


async def test_a_stored_template_is_held_to_the_variables_of_the_triggers_that_send_it(
    client: AsyncTestClient, sessions: Sessions, tenant: Tenant
) -> None:
    """Saving a trigger that sends a stored template checks the template's variables as it
    checks its own settings; changing a template that a trigger sends may not introduce a
    variable that trigger could never fill. Nothing is written when refused."""
    admin = auth_headers(tenant.users[UserRole.ADMIN])
    task_id = await expense_task(sessions, tenant)
    template = {
        "name": "High value",
        "type": "high_value",
        "subject": "{{ field_employee_name }} asks {{ amount }}",
        "body": "Reason: {{ cause }}",
    }
    made = await client.post("/email-templates", json=template, headers=admin)
    assert made.status_code == 201, made.text
    trigger = {
        "name": "Alert",
        "eventType": "TASK_COMPLETED",
        "taskId": task_id,
        "actions": [
            {"type": "send_email", "config": {"to": "a@acme.test", "template": "high_value"}}
        ],
    }
    refused = await client.post("/triggers", json=trigger, headers=admin)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [(e["path"], e["code"]) for e in errors] == [
        ("actions[0].config.template", "unknown_variable")
    ]
    assert "'cause'" in errors[0]["message"] and "body" in errors[0]["message"]
    assert (await client.get("/triggers", headers=admin)).json()["total"] == 0

    # The action's own `variables` fill it.
    trigger["actions"][0]["config"]["variables"] = {"cause": "{{ category }}"}
    saved = await client.post("/triggers", json=trigger, headers=admin)
    assert saved.status_code == 201, saved.text

    # Now the template is sent by that trigger: a change using what it cannot fill is refused.
    path = f"/email-templates/{made.json()['id']}"
    changed = await client.patch(path, json={"subject": "{{ amonut }} {{ cause }}"}, headers=admin)
    assert changed.status_code == 422, changed.text
    errors = changed.json()["errors"]
    assert [(e["path"], e["code"]) for e in errors] == [("/subject", "unknown_variable")]
    assert "'amonut'" in errors[0]["message"] and "'Alert'" in errors[0]["message"]
    assert (await client.get(path, headers=admin)).json()["subject"] == template["subject"]
    fine = await client.patch(path, json={"subject": "{{ amount }} for {{ cause }}"}, headers=admin)
    assert fine.status_code == 200, fine.text

    broken = await client.patch(path, json={"body": "{{ cause "}, headers=admin)
    assert broken.status_code == 422, broken.text
    assert [e["code"] for e in broken.json()["errors"]] == ["invalid_template"]
