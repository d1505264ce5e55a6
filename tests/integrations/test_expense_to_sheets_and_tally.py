"""Scenario (a), through the trigger pipeline: a FLOW_COMPLETED event of an approved expense
appends a row to a Google Sheet and imports a journal voucher into Tally. A vendor that fails
never loses the event: the action retries and ends FAILED with the vendor's error."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import EventType, IntegrationRun, TriggerExecutionStatus
from tests.world.automation import add_trigger, executions, record
from tests.world.integrations import add_integration, sheets_config

APPROVED_EXPENSE = {
    "flowInstanceId": "inst-1",
    "data": {"employee": "Jane Doe", "amount": 1500, "category": "Travel", "date": "2026-11-25"},
}


def expense_actions(sheet: str, tally: str, ledger: str = "Travel Expenses") -> list[dict]:
    return [
        {
            "type": "integration",
            "config": {
                "integrationId": sheet,
                "action": "append_rows",
                "inputs": {
                    "range": "Expenses",
                    "rows": [["{{data.date}}", "{{data.employee}}", "{{data.amount}}"]],
                },
            },
        },
        {
            "type": "integration",
            "config": {
                "integrationId": tally,
                "action": "import_voucher",
                "inputs": {
                    "voucherType": "Journal",
                    "date": "{{data.date}}",
                    "narration": "Expense of {{data.employee}} ({{data.category}})",
                    "entries": [
                        {"ledger": ledger, "amount": "{{data.amount}}"},
                        {"ledger": "Employee Reimbursements", "amount": "-{{data.amount}}"},
                    ],
                },
            },
        },
    ]


async def test_an_approved_expense_reaches_the_sheet_and_tally(
    sessions, box, acme, google, tally, integrations_pipeline
) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    ledger = await add_integration(
        sessions, box, acme.company_id, "TALLY", {"url": tally.url, "company": "Acme Ltd"}
    )
    await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.FLOW_COMPLETED,
        actions=expense_actions(sheet, ledger),
    )
    await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, APPROVED_EXPENSE)
    await integrations_pipeline.drain()

    [execution] = await executions(sessions)
    assert execution.status is TriggerExecutionStatus.SUCCESS, execution.error_message
    assert google.sheets["sheet-1"][-1] == ["2026-11-25", "Jane Doe", 1500]
    [voucher] = tally.vouchers
    assert voucher["type"] == "Journal" and voucher["date"] == "20261125"
    assert voucher["entries"] == [
        ("Travel Expenses", "-1500.00", "Yes"),
        ("Employee Reimbursements", "1500.00", "No"),
    ]
    assert execution.actions_executed[1]["output"]["created"] == 1


async def test_a_tally_refusal_ends_failed_with_the_line_error(
    sessions, box, acme, google, tally, integrations_pipeline
) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    ledger = await add_integration(sessions, box, acme.company_id, "TALLY", {"url": tally.url})
    await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.FLOW_COMPLETED,
        actions=expense_actions(sheet, ledger, ledger="Travel"),
        settings={"retries": 2, "retryBackoffSeconds": 0.01},
    )
    await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, APPROVED_EXPENSE)
    await integrations_pipeline.drain()

    [execution] = await executions(sessions)
    assert execution.status is not TriggerExecutionStatus.SUCCESS
    assert "Ledger 'Travel' does not exist!" in (execution.error_message or "")
    assert tally.vouchers == []
    async with sessions() as session:
        failed = (
            await session.scalars(
                sa.select(IntegrationRun).where(IntegrationRun.status == "FAILED")
            )
        ).all()
    assert failed and "does not exist" in (failed[0].error or "")


async def test_a_missing_spreadsheet_ends_failed_with_the_vendors_error(
    sessions, box, acme, google, tally, integrations_pipeline
) -> None:
    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google, spreadsheetId="gone")
    )
    ledger = await add_integration(sessions, box, acme.company_id, "TALLY", {"url": tally.url})
    await add_trigger(
        sessions,
        acme.company_id,
        event_type=EventType.FLOW_COMPLETED,
        actions=expense_actions(sheet, ledger),
        settings={"retries": 2, "retryBackoffSeconds": 0.01},
    )
    await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, APPROVED_EXPENSE)
    await integrations_pipeline.drain()

    [execution] = await executions(sessions)
    assert execution.status is TriggerExecutionStatus.FAILED
    assert "NOT_FOUND" in (execution.error_message or "")


async def test_an_event_workflow_appends_each_completed_flow_once(
    sessions, settings, box, acme, google
) -> None:
    from core.integrations.workflows import run_due_workflows
    from core.models import IntegrationWorkflow

    sheet = await add_integration(
        sessions, box, acme.company_id, "GOOGLE_SHEETS", sheets_config(google)
    )
    async with sessions() as session, session.begin():
        session.add(
            IntegrationWorkflow(
                company_id=acme.company_id,
                name="Approved expenses to the sheet",
                integration_id=sheet,
                trigger_config={"type": "event", "eventType": "FLOW_COMPLETED"},
                action_config={
                    "action": "append_rows",
                    "inputs": {"rows": [["{{date}}", "{{employee}}", "{{amount}}"]]},
                },
            )
        )
    await record(sessions, acme.company_id, EventType.FLOW_COMPLETED, APPROVED_EXPENSE)
    await record(sessions, acme.company_id, EventType.FLOW_STARTED, APPROVED_EXPENSE)
    for _ in range(3):
        await run_due_workflows(sessions, settings)
    assert google.sheets["sheet-1"][1:] == [["2026-11-25", "Jane Doe", 1500]]
