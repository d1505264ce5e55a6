"""An instance finishes on the definition it started with, whatever happens to the flow."""

from __future__ import annotations

import sqlalchemy as sa

from core.database import transaction
from core.flows import publish_flow, save_flow
from core.models import FlowDefinition, Task
from tests.world.flows import expense_spec, in_company, published_flow, run_to_the_end, start


async def test_republishing_does_not_change_running_instances(sessions, acme) -> None:
    flow_id = await published_flow(sessions, acme)
    before = await start(sessions, acme, flow_id)
    shorter = expense_spec(acme)
    shorter.levels = shorter.levels[:2]
    await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"].id, spec=shorter, flow_id=flow_id
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
        task = await session.get(Task, acme.tasks["expense"])
        task.fields = [
            *task.fields,
            {"id": "project", "type": "text", "label": "Project", "required": True},
        ]

    # The new required field is not asked of the running instance.
    assert await run_to_the_end(sessions, acme, instance.id) == [1, 2, 3]


async def test_a_draft_flow_runs_trials_on_its_current_rows(sessions, acme) -> None:
    flow = await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"].id, spec=expense_spec(acme)
    )
    trial = await start(sessions, acme, flow.id)
    shorter = expense_spec(acme)
    shorter.levels = shorter.levels[:1]
    await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"].id, spec=shorter, flow_id=flow.id
    )
    second_trial = await start(sessions, acme, flow.id)

    assert await run_to_the_end(sessions, acme, second_trial.id) == [1]
    assert await run_to_the_end(sessions, acme, trial.id) == [1, 2, 3]
