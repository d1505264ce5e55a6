"""A trigger's test run over HTTP: its condition on sample data or on a recorded event, with
the explanation tree, and what each action would be given (templates rendered), while no
action runs and nothing is written or sent; and the schemas the trigger builder renders."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.models import (
    AuditLog,
    CustomTableRecord,
    EventType,
    Notification,
    OutboxEvent,
    TriggerExecution,
    TriggerRun,
    UserRole,
)
from core.models.mail import OutgoingEmail
from tests.world.app import auth_headers
from tests.world.automation import HIGH_VALUE_CONDITIONS, add_table, expense, record
from tests.world.tenants import Tenant

LEDGER = [{"id": "total", "type": "number", "label": "Total"}]


async def _trigger(client, headers: dict[str, str], acme: Tenant, table_id: str) -> str:
    body = {
        "name": "High-Value Alert",
        "eventType": "TASK_COMPLETED",
        "taskId": acme.tasks["expense"],
        "conditions": HIGH_VALUE_CONDITIONS,
        "actions": [
            {
                "type": "notify",
                "config": {"title": "Expense of {{amount}} by {{employee_name}}", "roles": ["X"]},
            },
            {
                "type": "create_record",
                "config": {"tableId": table_id, "data": {"total": "{{amount}}"}},
            },
            {
                "type": "send_email",
                "config": {
                    "to": "cfo@acme.com",
                    "subject": "{{who}} spent {{ amount }}",
                    "body": "See {{link_to_task}}",
                    "variables": {"who": "{{employee_name}}"},
                },
            },
        ],
    }
    response = await client.post("/triggers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _rows(sessions) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__name__: int(await session.scalar(sa.select(sa.func.count()).select_from(model)))
            for model in (
                AuditLog,
                CustomTableRecord,
                Notification,
                OutboxEvent,
                OutgoingEmail,
                TriggerExecution,
                TriggerRun,
            )
        }


async def _test(client, headers, trigger_id: str, body: dict[str, Any]) -> Any:
    return await client.post(f"/triggers/{trigger_id}/test", json=body, headers=headers)


async def test_a_sample_above_the_limit_explains_the_condition_and_renders_every_action(
    client, sessions, acme
) -> None:
    cfo = auth_headers(acme.users["cfo"])
    table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
    trigger_id = await _trigger(client, cfo, acme, table_id)
    before = await _rows(sessions)

    response = await _test(
        client, cfo, trigger_id, {"data": {"data": {"field_1": "Eve", "field_2": 15000}}}
    )

    assert response.status_code == 200, response.text
    out = response.json()
    assert out["conditionsMet"] is True
    assert out["event"] == {
        "id": None,
        "type": "TASK_COMPLETED",
        "data": {"data": {"field_1": "Eve", "field_2": 15000}},
    }
    [tree] = out["explanation"]
    assert (tree["op"], tree["result"]) == ("and", True)
    assert [(c["op"], c["args"], c["result"]) for c in tree["children"]] == [
        (">", [15000, 10000], True)
    ]
    assert out["conditionResult"]["matched"] is True
    assert {"amount", "employee_name", "field_2", "Amount"} <= set(out["variables"])
    notify, ledger, mail = out["actions"]
    assert (notify["type"], notify["wouldRun"], notify["error"]) == ("notify", True, None)
    assert notify["config"]["title"] == "Expense of 15000 by Eve"
    # A whole-value template keeps the value's type: the record gets a number.
    assert ledger["config"] == {"tableId": table_id, "data": {"total": 15000}}
    # send_email's own variables ({{who}}) are its own, not missing; a sample that is no
    # flow's has no link to a task, and that would render empty.
    assert mail["config"]["variables"] == {"who": "Eve"}
    assert mail["warnings"] == [
        "actions[2].config.body: {{ link_to_task }} has no value; rendered empty"
    ]
    assert mail["description"].startswith("Send an email")
    assert await _rows(sessions) == before


async def test_a_sample_below_the_limit_would_run_nothing(client, sessions, acme) -> None:
    cfo = auth_headers(acme.users["cfo"])
    table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
    trigger_id = await _trigger(client, cfo, acme, table_id)

    out = (await _test(client, cfo, trigger_id, {"data": {"Amount": 500}})).json()

    assert out["conditionsMet"] is False
    assert out["explanation"][0]["children"][0]["args"] == [500, 10000]
    assert [a["wouldRun"] for a in out["actions"]] == [False, False, False]
    # The sample has no employee name: the template would render it empty, and says so.
    assert out["actions"][0]["warnings"] == [
        "actions[0].config.title: {{ employee_name }} has no value; rendered empty"
    ]


async def test_a_recorded_event_is_tested_as_it_happened(client, sessions, acme) -> None:
    cfo = auth_headers(acme.users["cfo"])
    table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
    trigger_id = await _trigger(client, cfo, acme, table_id)
    event_id = await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(20000, "Jane Doe"),
        task_id=acme.tasks["expense"],
    )
    before = await _rows(sessions)

    out = (await _test(client, cfo, trigger_id, {"eventId": event_id})).json()

    assert out["event"]["id"] == event_id and out["conditionsMet"] is True
    assert out["actions"][0]["config"]["title"] == "Expense of 20000 by Jane Doe"
    assert out["actions"][2]["config"]["body"] == "See https://erp.example/tasks/expense"
    assert await _rows(sessions) == before


async def test_bad_test_input_is_a_problem_naming_it(client, sessions, acme, globex) -> None:
    cfo = auth_headers(acme.users["cfo"])
    table_id = await add_table(sessions, acme.company_id, "ledger", LEDGER)
    trigger_id = await _trigger(client, cfo, acme, table_id)
    flow_event = await record(
        sessions, acme.company_id, EventType.FLOW_COMPLETED, {"instanceId": "i", "data": {}}
    )
    before = await _rows(sessions)

    other_type = await _test(client, cfo, trigger_id, {"eventId": flow_event})
    assert other_type.status_code == 422
    assert [(e["path"], e["code"]) for e in other_type.json()["errors"]] == [
        ("/eventId", "event_type_mismatch")
    ]
    both = await _test(client, cfo, trigger_id, {"eventId": flow_event, "data": {}})
    assert both.status_code == 422 and both.json()["errors"][0]["path"] == "/eventId"
    malformed = await _test(client, cfo, trigger_id, {"data": [1], "eventId": 7, "extra": 1})
    assert malformed.status_code == 422
    assert {e["path"] for e in malformed.json()["errors"]} == {"/data", "/eventId", "/extra"}
    missing = await _test(client, cfo, trigger_id, {"eventId": "no-such-event"})
    assert missing.status_code == 404
    elsewhere = await _test(
        client, auth_headers(globex.users[UserRole.ADMIN]), trigger_id, {"data": {}}
    )
    assert elsewhere.status_code == 404
    assert await _rows(sessions) == before


async def test_the_builder_gets_the_settings_and_event_schemas(client, acme) -> None:
    cfo = auth_headers(acme.users["cfo"])
    response = await client.get("/trigger-schemas", headers=cfo)
    assert response.status_code == 200, response.text
    out = response.json()
    settings = out["settingsSchema"]["properties"]
    assert settings["retries"]["maximum"] == 20
    assert settings["rateLimit"]["properties"]["max"]["title"] == "At most this many runs"
    assert settings["onActionFailure"]["enum"] == ["continue", "stop"]
    events = {e["type"]: e for e in out["events"]}
    assert events["FLOW_COMPLETED"]["attachedTo"] == "flow"
    assert "link_to_task" in events["FLOW_COMPLETED"]["payloadKeys"]
    assert "approve_link" in events["TASK_STARTED"]["payloadKeys"]
    assert events["WEBHOOK_RECEIVED"]["payloadKeys"] is None
    schedule = events["SCHEDULED"]["configSchema"]["properties"]
    assert schedule["timezone"]["default"] == "UTC" and "cron" in schedule
