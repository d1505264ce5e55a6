"""The seed's High-Value Alert end to end on the demo data: an employee's expense of 12,000
goes through the expense flow, its TASK_COMPLETED event fires the seed's trigger, and the
CFO's email arrives at the SMTP server rendered from the seed's template; 500 does not. And a
TASK_STARTED trigger tells the approvers of each level that a review waits for them."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import EventType, Notification, Trigger, TriggerExecutionStatus
from tests.world.automation import Pipeline, add_trigger, executions
from tests.world.flows import Demo
from tests.world.services import SmtpServer
from tests.world.tenants import Sessions


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
    link = pipeline.engine.settings.automation.public_url + f"/instances/{big.id}"
    assert f"Please review at: {link}" in body

    # The approvals that follow fire nothing more: the alert is on the expense form only.
    await demo.review(sessions, big.id, "manager")
    done = await demo.review(sessions, big.id, "finance")
    await pipeline.drain()
    assert done.status.value == "COMPLETED"
    assert len(await executions(sessions, alert.id)) == 2
    assert len(smtp.mailbox.messages) == before + 1


async def test_the_approvers_of_a_level_are_notified_when_its_review_starts(
    sessions: Sessions, pipeline: Pipeline
) -> None:
    demo = await Demo().load(sessions)
    review = demo.tasks["Expense Review"].id
    trigger_id = await add_trigger(
        sessions,
        demo.company_id,
        name="Review waiting",
        event_type=EventType.TASK_STARTED,
        task_id=review,
        actions=[
            {
                "type": "notify",
                "config": {
                    "title": "{{ levelName }}: an expense waits for you",
                    "userIds": "{{ assigneeIds }}",
                    "link": "{{ link_to_task }}",
                    "body": "Approve: {{ approve_link }} Reject: {{ reject_link }}",
                },
            }
        ],
    )
    instance = await demo.submit_expense(sessions, 12000)
    await pipeline.drain()
    await demo.review(sessions, instance.id, "manager")
    await pipeline.drain()

    # The expense form's own TASK_STARTED (level 1) is not this trigger's task.
    runs = await executions(sessions, trigger_id)
    assert [r.event_data["levelName"] for r in runs] == ["Manager Review", "Finance Approval"]
    async with sessions() as session:
        notes = (await session.scalars(sa.select(Notification))).all()
    by_user = {n.user_id: n for n in notes}
    assert set(by_user) == {demo.users["manager"], demo.users["finance"]}
    assert by_user[demo.users["finance"]].title == "Finance Approval: an expense waits for you"
    assert by_user[demo.users["manager"]].link.endswith(f"/instances/{instance.id}")
    # One-click decisions for the waiting level, each a signed link to its confirmation page.
    body = by_user[demo.users["manager"]].body
    assert body.count("/action-links/") == 2, body
