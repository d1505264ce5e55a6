"""Triggers on the events a flow emits, run by the engine on the demo's expense flow:
FIELD_CHANGED triggers watching some fields (by id or label) fire for those fields only."""

from __future__ import annotations

from core.flows import execute_task
from core.models import EventType
from tests.world.automation import Pipeline, add_trigger, executions
from tests.world.flows import Demo
from tests.world.tenants import Sessions


async def test_field_changed_triggers_fire_for_the_fields_they_watch(
    sessions: Sessions, pipeline: Pipeline
) -> None:
    demo = await Demo().load(sessions)
    form = demo.tasks["Expense Approval Form"].id

    async def watching(*fields: str) -> str:
        return await add_trigger(
            sessions,
            demo.company_id,
            name=f"watch {fields}",
            event_type=EventType.FIELD_CHANGED,
            task_id=form,
            event_config={"fields": list(fields)},
        )

    by_label, by_id = await watching("Amount"), await watching("field_2")
    other = await watching("Category")
    instance = await demo.submit_expense(sessions, 12000)
    # The manager sends it back (the demo's level 2: onReject sendBackTo 1) ...
    rejected = await demo.do(
        sessions,
        execute_task,
        instance_id=instance.id,
        task_id=demo.tasks["Expense Review"].id,
        user_id=demo.users["manager"],
        data={"Decision": "Rejected"},
    )
    assert rejected.instance.current_level_order == 1
    # ... and the employee lowers the amount: one field changed.
    await demo.do(
        sessions,
        execute_task,
        instance_id=instance.id,
        task_id=form,
        user_id=demo.users["employee"],
        data={
            "Employee Name": "Eve Employee",
            "Amount": 9000,
            "Category": "Travel",
            "Receipt": demo.receipt,
        },
    )
    await pipeline.drain()

    for trigger_id in (by_label, by_id):
        [run] = await executions(sessions, trigger_id)
        assert (run.event_data["fieldId"], run.event_data["newValue"]) == ("field_2", 9000)
    assert await executions(sessions, other) == []
