"""A task submitted on its own fires the triggers attached to it: the seed's High-Value
Alert e-mails the CFO for a standalone expense of 12,000 and not for one of 500."""

from __future__ import annotations

import sqlalchemy as sa

from core.access import Principal
from core.database import transaction
from core.models import Trigger, TriggerExecutionStatus, UserRole
from core.tasks import submit_task
from tests.world.automation import Pipeline, executions
from tests.world.flows import Demo
from tests.world.services import SmtpServer
from tests.world.tenants import Sessions


async def test_a_standalone_expense_of_12000_emails_the_cfo_and_one_of_500_does_not(
    sessions: Sessions, pipeline: Pipeline, smtp: SmtpServer
) -> None:
    demo = await Demo().load(sessions)
    async with sessions() as session:
        alert = await session.scalar(sa.select(Trigger).where(Trigger.name == "High-Value Alert"))
    assert alert is not None
    employee = Principal(demo.users["employee"], UserRole.EMPLOYEE, demo.company_id)
    before = len(smtp.mailbox.messages)

    async def submit(amount: float) -> str:
        async with transaction(sessions, company_id=demo.company_id) as session:
            submitted = await submit_task(
                session,
                employee,
                task_id=demo.tasks["Expense Approval Form"].id,
                data={
                    "Employee Name": "Eve Employee",
                    "Amount": amount,
                    "Category": "Travel",
                    "Receipt": demo.receipt,
                },
            )
        return submitted.execution.id

    big, small = await submit(12000), await submit(500)
    await pipeline.drain()

    runs = await executions(sessions, alert.id)
    assert sorted(e.conditions_met for e in runs) == [False, True]
    assert all(e.status is TriggerExecutionStatus.SUCCESS for e in runs)
    fired = next(e for e in runs if e.conditions_met)
    assert (fired.event_data["executionId"], fired.event_data["instanceId"]) == (big, None)
    quiet = next(e for e in runs if not e.conditions_met)
    assert quiet.event_data["executionId"] == small and quiet.actions_executed == []
    [mail] = smtp.mailbox.messages[before:]
    assert mail["To"] == "cfo@acme.com"
    body = mail.get_payload(decode=True).decode()
    assert "Employee: Eve Employee" in body and "Amount: $12000" in body
