"""The seed's High-Value Alert end to end on the demo data: an employee's expense of 12,000
goes through the expense flow, its TASK_COMPLETED event fires the seed's trigger, and the
CFO's email arrives at the SMTP server rendered from the seed's template; 500 does not."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import Trigger, TriggerExecutionStatus
from tests.flows.test_expense_scenario import Demo
from tests.triggers.conftest import Pipeline
from tests.triggers.factories import Sessions, SmtpServer, executions


async def test_a_12000_expense_emails_the_cfo_and_a_500_one_does_not(
    sessions: Sessions, pipeline: Pipeline, smtp: SmtpServer
) -> None:
    demo = await Demo().load(sessions)
    async with sessions() as session:
        alert = await session.scalar(sa.select(Trigger).where(Trigger.name == "High-Value Alert"))
    assert alert is not None
    before = len(smtp.mailbox.messages)

    big = await demo.submit_expense(sessions, 12000)
    small = await demo.submit_expense(sessions, 500)
    await pipeline.drain()

    runs = await executions(sessions, alert.id)
    assert sorted(e.conditions_met for e in runs) == [False, True]
    assert all(e.status is TriggerExecutionStatus.SUCCESS for e in runs)
    fired = next(e for e in runs if e.conditions_met)
    assert fired.event_data["instanceId"] == big.id
    assert fired.event_data["data"]["field_2"] == 12000
    quiet = next(e for e in runs if not e.conditions_met)
    assert quiet.event_data["instanceId"] == small.id and quiet.actions_executed == []

    [mail] = smtp.mailbox.messages[before:]
    assert mail["To"] == "cfo@acme.com"
    assert mail["Subject"] == "High-value expense requires review"
    body = mail.get_payload(decode=True).decode()
    assert "Employee: Eve Employee" in body
    assert "Amount: $12000" in body
    assert "Category: Travel" in body
    link = pipeline.engine.settings.automation.public_url + f"/flow-instances/{big.id}"
    assert f"Please review at: {link}" in body

    # The approvals that follow fire nothing more: the alert is on the expense form only.
    await demo.review(sessions, big.id, "manager")
    done = await demo.review(sessions, big.id, "finance")
    await pipeline.drain()
    assert done.status.value == "COMPLETED"
    assert len(await executions(sessions, alert.id)) == 2
    assert len(smtp.mailbox.messages) == before + 1
