"""The seed's scenario end to end on its demo data: an employee submits an expense, the
manager approves, finance approves; and small expenses skip finance."""

from __future__ import annotations

import sqlalchemy as sa

from core.database import transaction
from core.demo import load_demo
from core.flows import (
    END,
    execute_task,
    instance_history,
    pending_tasks_for,
    publish_flow,
    start_flow,
)
from core.models import (
    EventType,
    File,
    Flow,
    FlowBranch,
    FlowInstance,
    FlowInstanceStatus,
    FlowLevel,
    Task,
    Trigger,
    User,
)
from core.rules import evaluate
from core.rules.service import prepare_rule
from tests.flows.conftest import events_of


class Demo:
    """Ids of the demo company's people and definitions, and a receipt the employee uploaded."""

    async def load(self, sessions) -> Demo:
        async with transaction(sessions) as session:
            company = await load_demo(session)
            self.company_id = company.id
            self.users = {
                u.email.split("@")[0]: u.id for u in await session.scalars(sa.select(User))
            }
            self.flow = await session.scalar(
                sa.select(Flow).where(Flow.name == "Expense Approval Workflow")
            )
            self.tasks = {t.name: t for t in await session.scalars(sa.select(Task))}
            receipt = File(
                company_id=company.id,
                filename="a1.pdf",
                original_name="hotel-receipt.pdf",
                mimetype="application/pdf",
                size=48213,
                path="a1.pdf",
                uploaded_by=self.users["employee"],
                context="task_attachment",
            )
            session.add(receipt)
            await session.flush()
            self.receipt = receipt.id
        return self

    async def do(self, sessions, work, **kw):
        async with transaction(sessions, company_id=self.company_id) as session:
            return await work(session, company_id=self.company_id, **kw)

    async def submit_expense(self, sessions, amount: float) -> FlowInstance:
        instance = await self.do(
            sessions, start_flow, flow_id=self.flow.id, initiator_id=self.users["employee"]
        )
        await self.do(
            sessions,
            execute_task,
            instance_id=instance.id,
            task_id=self.tasks["Expense Approval Form"].id,
            user_id=self.users["employee"],
            data={
                "Employee Name": "Eve Employee",
                "Amount": amount,
                "Category": "Travel",
                "Receipt": self.receipt,
            },
        )
        return instance

    async def review(self, sessions, instance_id: str, who: str) -> FlowInstance:
        inbox, _ = await self.do(sessions, pending_tasks_for, user_id=self.users[who])
        [item] = [i for i in inbox if i.instance_id == instance_id]
        result = await self.do(
            sessions,
            execute_task,
            instance_id=instance_id,
            task_id=item.tasks[0].id,
            user_id=self.users[who],
            data={"Decision": "Approved", "Comments": f"OK from {who}"},
            expected_level=item.level_order,
        )
        return result.instance


async def test_employee_manager_and_finance_take_the_expense_to_completion(sessions) -> None:
    demo = await Demo().load(sessions)

    instance = await demo.submit_expense(sessions, 12000)
    after_manager = await demo.review(sessions, instance.id, "manager")
    done = await demo.review(sessions, instance.id, "finance")

    assert after_manager.current_level_order == 3
    assert done.status is FlowInstanceStatus.COMPLETED and done.completed_at is not None
    assert done.context_data["Amount"] == 12000
    [completed] = await events_of(sessions, EventType.FLOW_COMPLETED)
    assert completed.payload["instanceId"] == instance.id
    history = await demo.do(sessions, instance_history, instance_id=instance.id)
    assert [(h.kind, h.level_order, h.actor_id) for h in history] == [
        ("STARTED", 1, demo.users["employee"]),
        ("SUBMITTED", 1, demo.users["employee"]),
        ("ADVANCED", 1, None),
        ("SUBMITTED", 2, demo.users["manager"]),
        ("ADVANCED", 2, None),
        ("SUBMITTED", 3, demo.users["finance"]),
        ("ADVANCED", 3, None),
        ("COMPLETED", None, None),
    ]
    assert history[1].data["field_4"] == demo.receipt
    assert history[3].data == {"decision": "Approved", "comments": "OK from manager"}


async def test_the_seed_high_value_trigger_matches_the_submitted_expense(sessions) -> None:
    demo = await Demo().load(sessions)
    await demo.submit_expense(sessions, 12000)

    [submitted] = await events_of(sessions, EventType.TASK_COMPLETED)
    async with sessions() as session:
        trigger = await session.scalar(sa.select(Trigger).where(Trigger.name == "High-Value Alert"))
    expense_fields = demo.tasks["Expense Approval Form"].fields
    rule = prepare_rule(trigger.conditions, expense_fields)
    assert submitted.task_id == trigger.task_id
    assert evaluate(rule, submitted.payload["data"]) is True


async def test_amounts_under_1000_skip_the_finance_level(sessions) -> None:
    demo = await Demo().load(sessions)
    async with transaction(sessions) as session:
        manager_level = await session.scalar(
            sa.select(FlowLevel).where(FlowLevel.flow_id == demo.flow.id, FlowLevel.order == 2)
        )
        session.add(
            FlowBranch(
                company_id=demo.company_id,
                flow_id=demo.flow.id,
                name="Small expenses skip finance",
                from_level_id=manager_level.id,
                to_level_id=END,
                conditions={
                    "operator": "AND",
                    "rules": [{"field": "Amount", "operator": "less_than", "value": 1000}],
                },
            )
        )
    await demo.do(sessions, publish_flow, flow_id=demo.flow.id)

    small = await demo.submit_expense(sessions, 640)
    large = await demo.submit_expense(sessions, 12000)
    small_done = await demo.review(sessions, small.id, "manager")
    large_after_manager = await demo.review(sessions, large.id, "manager")

    assert small_done.status is FlowInstanceStatus.COMPLETED
    assert large_after_manager.id == large.id
    assert (large_after_manager.status, large_after_manager.current_level_order) == (
        FlowInstanceStatus.IN_PROGRESS,
        3,
    )
    history = await demo.do(sessions, instance_history, instance_id=small.id)
    skip = [h for h in history if h.kind == "ADVANCED"][-1]
    assert skip.details == {"toLevel": None, "branch": "Small expenses skip finance"}
