"""Templates in action settings, run by the trigger engine on PostgreSQL: a setting that is one
expression keeps its type (a number column takes `{{ hours * rate }}`), the seed's own
`{{field_amount}}` names render the submitted values, an absent value renders empty with a
warning in the action's result, and a template past its budget fails its action saying so."""

from __future__ import annotations

import sqlalchemy as sa

from core.database import transaction
from core.models import CustomTableRecord, EmailTemplate, EventType, TriggerExecutionStatus
from core.templating import TIME_BUDGET_SECONDS
from tests.world.automation import Pipeline, add_table, add_trigger, executions, expense, record
from tests.world.services import HttpReceiver, SmtpServer
from tests.world.tenants import Sessions, Tenant

TIMESHEET = [
    {"id": "employee", "type": "text", "label": "Employee", "required": True},
    {"id": "total", "type": "number", "label": "Total", "required": True},
    {"id": "over", "type": "checkbox", "label": "Over budget"},
]


async def test_computed_values_keep_their_type_in_a_record_and_a_json_body(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    table_id = await add_table(sessions, acme.company_id, "timesheet", TIMESHEET)
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions=[
            {
                "type": "create_record",
                "config": {
                    "tableId": table_id,
                    "data": {
                        "employee": "{{ employee_name }}",
                        "total": "{{ amount * 1.5 }}",
                        "over": "{{ amount > 1000 }}",
                    },
                },
            },
            {
                "type": "http_request",
                "config": {
                    "url": receiver.url + "/ledger",
                    "headers": {"X-Total": "{{ amount * 2 }}"},
                    "body": {
                        "rounded": "{{ (amount / 7) | round(2) }}",
                        "fields": "{{ data | length }}",
                        "names": "{{ [employee_name, category] }}",
                        "nothing": "{{ none }}",
                        "text": "{{ amount * 2 }} EUR",
                    },
                },
            },
        ],
    )
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(800, "Ann"),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    async with sessions() as session:
        [row] = (
            await session.scalars(
                sa.select(CustomTableRecord).where(CustomTableRecord.table_id == table_id)
            )
        ).all()
    assert row.data == {"employee": "Ann", "total": 1200.0, "over": False}
    [request] = receiver.requests
    assert request.body == {
        "rounded": 114.29,
        "fields": 4,
        "names": ["Ann", "Travel"],
        "nothing": None,
        "text": "1600 EUR",
    }
    assert request.headers["x-total"] == "1600"  # a header is text


async def test_the_seeds_action_variables_render_the_submitted_values(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, smtp: SmtpServer
) -> None:
    async with transaction(sessions) as session:
        session.add(
            EmailTemplate(
                company_id=acme.company_id,
                name="Approval request",
                type="approval_request",
                subject="Approval required",
                body="Employee {{employee}} asks {{amount}}.{{ remark }}",
                variables=["employee", "amount"],
            )
        )
    # The seed's Trigger Actions JSON, as written there (its start_flow needs a flow).
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        task_id=acme.tasks["expense"],
        actions={
            "actions": [
                {
                    "type": "send_email",
                    "config": {
                        "to": "cfo@company.com",
                        "subject": "Approval required",
                        "template": "approval_request",
                        "variables": {
                            "amount": "{{field_amount}}",
                            "employee": "{{field_employee_name}}",
                        },
                    },
                }
            ]
        },
    )
    before = len(smtp.mailbox.messages)
    await record(
        sessions,
        acme.company_id,
        EventType.TASK_COMPLETED,
        expense(12000, "Jane Doe"),
        task_id=acme.tasks["expense"],
    )
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    [mail] = smtp.mailbox.messages[before:]
    assert mail.get_payload(decode=True).decode().strip() == "Employee Jane Doe asks 12000."
    # `remark` is no variable of the event: it rendered empty, and the result says so.
    [result] = execution.actions_executed
    assert result["warnings"] == [
        "actions[0].config.body: {{ remark }} has no value; rendered empty"
    ]


async def test_a_template_past_its_time_budget_fails_its_action_saying_so(
    sessions: Sessions, pipeline: Pipeline, acme: Tenant, receiver: HttpReceiver
) -> None:
    hours = (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    )
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        actions=[{"type": "http_request", "config": {"url": receiver.url, "body": {"x": hours}}}],
    )
    await record(sessions, acme.company_id, EventType.TASK_COMPLETED, expense(1))
    await pipeline.drain()

    [execution] = await executions(sessions, trigger_id)
    assert execution.status is TriggerExecutionStatus.FAILED
    [result] = execution.actions_executed
    assert result["error"] == (
        f"actions[0].config: template stopped: it ran longer than {TIME_BUDGET_SECONDS:g} s"
    )
    assert receiver.requests == []
