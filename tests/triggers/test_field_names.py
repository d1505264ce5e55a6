"""One naming rule for fields, on every event: a trigger's condition names a field by its id,
its label or the seed's `field_<snake_case label>`, whether the trigger is attached to the
task, the flow, the table or nothing, and reads the value that was submitted."""

from __future__ import annotations

from typing import Any

import pytest

from core.database import transaction
from core.flows import execute_task, start_flow
from core.models import EventType, Trigger
from core.records import create_record, update_record
from core.records.permissions import TriggerAuthority
from core.triggers import validate_trigger
from tests.world.automation import Pipeline, add_table, executions, record
from tests.world.flows import Demo
from tests.world.tenants import Sessions

EXPENSES_TABLE = [
    {"id": "amount", "type": "number", "label": "Amount"},
    {"id": "employee", "type": "text", "label": "Employee Name"},
]
ATTACHMENTS = ("task", "flow", "table", "none")
NAMINGS = ("id", "label", "seed")
ROW_EVENTS = (EventType.DATABASE_ROW_CREATED, EventType.DATABASE_ROW_UPDATED)
ADDRESSED = (EventType.SCHEDULED, EventType.WEBHOOK_RECEIVED)


def field_name(naming: str, attachment: str, event_type: EventType) -> str:
    if naming == "label":
        return "Amount"
    if naming == "seed":
        return "field_amount"
    on_table = attachment == "table" or (attachment == "none" and event_type in ROW_EVENTS)
    return "amount" if on_table else "field_2"


def submitted_amount(event_data: dict[str, Any]) -> Any:
    """What was submitted as the amount, as the event carries it (by field id)."""
    data = event_data.get("data") or {}
    return data.get("field_2", data.get("amount"))


def expected(run_event: dict[str, Any], attachment: str, naming: str, kind: EventType) -> bool:
    if attachment == "none" and kind in ADDRESSED and naming != "id":
        # No task or table: a webhook's body keys have no labels to be named by.
        return False
    amount = submitted_amount(run_event)
    return isinstance(amount, int | float) and amount > 10000


async def test_every_event_reads_the_amount_by_id_label_and_seed_name_on_any_attachment(
    sessions: Sessions, pipeline: Pipeline
) -> None:
    demo = await Demo().load(sessions)
    form = demo.tasks["Expense Approval Form"].id
    table = await add_table(sessions, demo.company_id, "expenses", EXPENSES_TABLE)
    where = {
        "task": {"task_id": form},
        "flow": {"flow_id": demo.flow.id},
        "table": {"table_id": table},
        "none": {},
    }
    grid: dict[tuple[EventType, str, str], str] = {}
    async with transaction(sessions, company_id=demo.company_id) as session:
        for kind in EventType:
            for attachment in ATTACHMENTS:
                for naming in NAMINGS:
                    values: dict[str, Any] = {
                        "name": f"{kind.value} {attachment} {naming}",
                        "event_type": kind,
                        "conditions": {
                            "operator": "AND",
                            "rules": [
                                {
                                    "field": field_name(naming, attachment, kind),
                                    "operator": "greater_than",
                                    "value": 10000,
                                }
                            ],
                        },
                        "actions": [{"type": "noop"}],
                        "event_config": {"interval": {"seconds": 3600}}
                        if kind is EventType.SCHEDULED
                        else {},
                        **where[attachment],
                    }
                    # Each naming is accepted when the trigger is saved, as it is read later.
                    await validate_trigger(session, company_id=demo.company_id, values=values)
                    trigger = Trigger(company_id=demo.company_id, **values)
                    session.add(trigger)
                    await session.flush()
                    grid[(kind, attachment, naming)] = trigger.id

    # Every kind of event, from the flow, the records and the addressed ones.
    await demo.do(
        sessions,
        start_flow,
        flow_id=demo.flow.id,
        initiator_id=demo.users["employee"],
        data={"field_2": 12000},
    )
    instance = await demo.submit_expense(sessions, 15000)
    await demo.do(
        sessions,
        execute_task,
        instance_id=instance.id,
        task_id=demo.tasks["Expense Review"].id,
        user_id=demo.users["manager"],
        data={"Decision": "Rejected"},
    )
    await demo.do(
        sessions,
        execute_task,
        instance_id=instance.id,
        task_id=form,
        user_id=demo.users["employee"],
        data={
            "Employee Name": "Eve Employee",
            "Amount": 16000,
            "Category": "Travel",
            "Receipt": demo.receipt,
        },
    )
    await demo.review(sessions, instance.id, "manager")
    await demo.review(sessions, instance.id, "finance")
    async with transaction(sessions, company_id=demo.company_id) as session:
        row = await create_record(
            session,
            company_id=demo.company_id,
            table_id=table,
            data={"amount": 15000, "employee": "Eve"},
            principal=TriggerAuthority(),
        )
    async with transaction(sessions, company_id=demo.company_id) as session:
        await update_record(
            session,
            company_id=demo.company_id,
            record_id=row.id,
            data={"amount": 16000},
            principal=TriggerAuthority(),
        )
    for (kind, _, _), trigger_id in grid.items():
        if kind is EventType.SCHEDULED:
            await record(sessions, demo.company_id, kind, {"late": False}, trigger_id=trigger_id)
        elif kind is EventType.WEBHOOK_RECEIVED:
            body = {"webhookId": "w1", "data": {"field_2": 15000, "amount": 15000}}
            await record(sessions, demo.company_id, kind, body, trigger_id=trigger_id)
    await pipeline.drain()

    flow_only = (EventType.FLOW_STARTED, EventType.FLOW_COMPLETED)
    sees = {
        "task": lambda kind: kind not in (*ROW_EVENTS, *flow_only),
        "flow": lambda kind: kind not in ROW_EVENTS,
        "table": lambda kind: kind in (*ROW_EVENTS, *ADDRESSED),
        "none": lambda kind: True,
    }
    wrong = []
    for (kind, attachment, naming), trigger_id in grid.items():
        runs = await executions(sessions, trigger_id)
        if not sees[attachment](kind):
            assert runs == [], (kind, attachment)
            continue
        assert runs, (kind, attachment, naming)
        for run in runs:
            want = expected(run.event_data, attachment, naming, kind)
            if run.conditions_met is not want or run.error_message:
                wrong.append((kind.value, attachment, naming, run.event_data.get("data")))
    assert wrong == []
    # The grid is not vacuous: each event type has runs whose conditions held.
    met = {
        kind
        for (kind, _, _), trigger_id in grid.items()
        for run in await executions(sessions, trigger_id)
        if run.conditions_met
    }
    assert met == set(EventType) - {EventType.SCHEDULED}  # a schedule submits nothing


@pytest.mark.parametrize(
    ("name", "expected_id"),
    [
        ("field_2", "field_2"),
        ("Amount", "field_2"),
        ("amount", "field_2"),
        ("field_amount", "field_2"),
    ],
)
def test_a_field_is_found_by_each_of_its_names(name: str, expected_id: str) -> None:
    from core.rules.fields import FieldIndex

    index = FieldIndex([{"id": "field_2", "type": "number", "label": "Amount"}])
    found = index.resolve(name)
    assert found is not None and found["id"] == expected_id
