"""Scenario (a) on the seed's own expense flow: the employee submits, the manager and finance
approve, the flow completes, and its FLOW_COMPLETED event goes through the trigger pipeline to
a Google Sheet row and a journal voucher in Tally."""

from __future__ import annotations

from core.models import EventType, TriggerExecutionStatus
from tests.world.automation import add_trigger, executions
from tests.world.flows import Demo
from tests.world.integrations import add_integration, sheets_config
from tests.world.services import eventually


async def test_a_completed_expense_flow_reaches_the_sheet_and_tally(
    sessions, box, google, tally, integrations_pipeline
) -> None:
    demo = await Demo().load(sessions)
    sheet = await add_integration(
        sessions, box, demo.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    books = await add_integration(
        sessions, box, demo.company_id, "TALLY", {"url": tally.url, "company": "Demo Ltd"}
    )
    trigger = await add_trigger(
        sessions,
        demo.company_id,
        name="Approved expense to the books",
        event_type=EventType.FLOW_COMPLETED,
        flow_id=demo.flow.id,
        actions=[
            {
                "type": "integration",
                "config": {
                    "integrationId": sheet,
                    "action": "append_rows",
                    "inputs": {
                        "range": "Expenses",
                        "rows": [
                            [
                                "{{event.occurredAt}}",
                                "{{employee_name}}",
                                "{{Category}}",
                                "{{Amount}}",
                                "{{instanceId}}",
                            ]
                        ],
                    },
                },
            },
            {
                "type": "integration",
                "config": {
                    "integrationId": books,
                    "action": "import_voucher",
                    "inputs": {
                        "voucherType": "Journal",
                        "date": "{{event.occurredAt}}",
                        "narration": "{{Category}} expense of {{employee_name}}",
                        "entries": [
                            {"ledger": "Travel Expenses", "amount": "{{Amount}}"},
                            {"ledger": "Employee Reimbursements", "amount": "-{{Amount}}"},
                        ],
                    },
                },
            },
        ],
    )

    instance = await demo.submit_expense(sessions, 12000)
    await demo.review(sessions, instance.id, "manager")
    await demo.review(sessions, instance.id, "finance")
    await integrations_pipeline.drain()

    [execution] = await eventually(lambda: executions(sessions, trigger))
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    row = google.sheets["sheet-1"][-1]
    assert row[1:] == ["Eve Employee", "Travel", 12000, instance.id]
    [voucher] = tally.vouchers
    assert voucher["narration"] == "Travel expense of Eve Employee"
    assert voucher["entries"] == [
        ("Travel Expenses", "-12000.00", "Yes"),
        ("Employee Reimbursements", "12000.00", "No"),
    ]
    assert voucher["date"] == row[0][:10].replace("-", "")
