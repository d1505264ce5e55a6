"""An instance finishes on the definition it started with, whatever happens to the flow."""

from __future__ import annotations

import sqlalchemy as sa

from core.database import transaction
from core.flows import execute_task, get_instance, publish_flow, save_flow, start_flow
from core.models import FlowDefinition, FlowInstanceStatus, Task
from tests.flows.conftest import Acme, expense_spec, in_company, published_flow


async def run_to_the_end(sessions, acme: Acme, instance_id: str) -> list[int]:
    """Submit and approve until the instance stops; the levels it went through."""
    seen = []
    while True:
        view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
        if view.current is None:
            assert view.instance.status is FlowInstanceStatus.COMPLETED
            return seen
        seen.append(view.current.order)
        who = view.current.waiting_on[0].user_id
        task, data = (
            (acme.review_task, {"Decision": "Approved"})
            if view.current.order > 1
            else (acme.expense_task, acme.expense(5000))
        )
        await in_company(
            sessions,
            acme,
            execute_task,
            instance_id=instance_id,
            task_id=task,
            user_id=who,
            data=data,
        )


async def start(sessions, acme: Acme, flow_id: str):
    return await in_company(
        sessions, acme, start_flow, flow_id=flow_id, initiator_id=acme.users["employee"]
    )


async def test_republishing_does_not_change_running_instances(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    before = await start(sessions, acme, flow_id)
    shorter = expense_spec(acme)
    shorter.levels = shorter.levels[:2]
    await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"], spec=shorter, flow_id=flow_id
    )

    unpublished_edit = await start(sessions, acme, flow_id)
    await in_company(sessions, acme, publish_flow, flow_id=flow_id)
    after = await start(sessions, acme, flow_id)

    assert await run_to_the_end(sessions, acme, before.id) == [1, 2, 3]
    assert await run_to_the_end(sessions, acme, unpublished_edit.id) == [1, 2, 3]
    assert await run_to_the_end(sessions, acme, after.id) == [1, 2]
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count(FlowDefinition.id))) == 2


async def test_a_task_edited_mid_flow_is_validated_as_it_was_when_the_instance_started(
    sessions, acme
) -> None:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    async with transaction(sessions) as session:
        task = await session.get(Task, acme.expense_task)
        task.fields = [
            *task.fields,
            {"id": "project", "type": "text", "label": "Project", "required": True},
        ]

    # The new required field is not asked of the running instance.
    assert await run_to_the_end(sessions, acme, instance.id) == [1, 2, 3]


async def test_a_draft_flow_runs_trials_on_its_current_rows(sessions, acme) -> None:
    flow = await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"], spec=expense_spec(acme)
    )
    trial = await start(sessions, acme, flow.id)
    shorter = expense_spec(acme)
    shorter.levels = shorter.levels[:1]
    await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"], spec=shorter, flow_id=flow.id
    )
    second_trial = await start(sessions, acme, flow.id)

    assert await run_to_the_end(sessions, acme, second_trial.id) == [1]
    assert await run_to_the_end(sessions, acme, trial.id) == [1, 2, 3]
