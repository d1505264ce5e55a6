"""The seed's scenario end to end on its demo data: an employee submits an expense, the
manager approves, finance approves; and small expenses skip finance."""

from __future__ import annotations

import sqlalchemy as sa

from core.database import transaction
from core.events.payloads import PAYLOAD_KEYS
from core.flows import (
    END,
    instance_history,
    publish_flow,
)
from core.models import (
    EventType,
    FlowBranch,
    FlowInstanceStatus,
    FlowLevel,
    OutboxEvent,
    Trigger,
)
from core.rules import evaluate
from core.rules.service import prepare_rule
from tests.world.flows import Demo, events_of


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


async def test_every_event_of_the_scenario_carries_the_keys_its_type_declares(sessions) -> None:
    """Saving a trigger judges its templates by core/events/payloads.py: what the platform
    emits must be what that table says (a key it does not declare would be refused in a
    template though present at run time)."""
    demo = await Demo().load(sessions)
    instance = await demo.submit_expense(sessions, 12000)
    await demo.review(sessions, instance.id, "manager")
    await demo.review(sessions, instance.id, "finance")
    async with sessions() as session:
        events = (await session.scalars(sa.select(OutboxEvent))).all()
    seen = {e.event_type for e in events}
    assert {EventType.FLOW_STARTED, EventType.TASK_STARTED, EventType.TASK_COMPLETED} <= seen
    assert EventType.FLOW_COMPLETED in seen
    for event in events:
        declared = PAYLOAD_KEYS[event.event_type]
        assert declared is not None
        assert set(event.payload) <= declared, (event.event_type, set(event.payload) - declared)
