"""Flow versions and running work: instances finish on the version they started on; a
version that removes a level instances wait at needs a level mapping; admins migrate."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.flows import execute_task, save_flow, start_flow
from core.models import FlowDefinition, FlowStep, VersionStatus
from core.models.flow_runs import StepStatus
from core.versions import (
    InstancesNeedMapping,
    change_status,
    migrate_instances,
    publish_version,
)
from tests.flows.conftest import expense_spec, in_company, published_flow
from tests.flows.test_versions import run_to_the_end
from tests.versions.conftest import platform


async def release(sessions, developer, flow_id: str, **kw):
    version = await platform(
        sessions,
        publish_version,
        principal=developer,
        entity_type="Flow",
        entity_id=flow_id,
        **kw,
    )
    await platform(
        sessions,
        change_status,
        principal=developer,
        version_id=version.id,
        status=VersionStatus.STABLE,
    )
    return version


async def start(sessions, acme, flow_id: str):
    return await in_company(
        sessions, acme, start_flow, flow_id=flow_id, initiator_id=acme.users["employee"]
    )


async def version_of(sessions, instance_id: str) -> str:
    async with transaction(sessions) as session:
        snapshot = await session.scalar(
            sa.select(FlowDefinition.snapshot)
            .join(FlowStep, FlowStep.definition_id == FlowDefinition.id)
            .where(FlowStep.instance_id == instance_id, FlowStep.status == StepStatus.ACTIVE)
        )
    return snapshot["flow"]["version"]


async def save(sessions, acme, flow_id: str, levels: int) -> None:
    spec = expense_spec(acme)
    spec.levels = [spec.levels[0], *spec.levels[4 - levels :]]
    for order, level in enumerate(spec.levels, start=1):
        level.order = order
    await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"], spec=spec, flow_id=flow_id
    )


async def submit_expense(sessions, acme, instance_id: str) -> None:
    await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance_id,
        task_id=acme.expense_task,
        user_id=acme.users["employee"],
        data=acme.expense(5000),
    )


async def test_instances_finish_on_the_version_they_started_on(sessions, acme, developer) -> None:
    flow_id = await published_flow(sessions, acme)
    v1 = await release(sessions, developer, flow_id)
    on_v1 = await start(sessions, acme, flow_id)
    await save(sessions, acme, flow_id, levels=2)  # Manager Review goes
    v2 = await release(sessions, developer, flow_id)
    assert (v1.version, v2.version) == ("1.0.0", "2.0.0")
    levels = [(e["change"], e["name"]) for e in v2.change_log if e["kind"] == "level"]
    assert levels == [("removed", "Manager Review"), ("changed", "Finance Approval")]
    on_v2 = await start(sessions, acme, flow_id)

    assert await version_of(sessions, on_v1.id) == "1.0.0"
    assert await version_of(sessions, on_v2.id) == "2.0.0"
    assert await run_to_the_end(sessions, acme, on_v1.id) == [1, 2, 3]
    assert await run_to_the_end(sessions, acme, on_v2.id) == [1, 2]


async def test_removing_a_level_instances_wait_at_needs_a_mapping(
    sessions, acme, developer
) -> None:
    flow_id = await published_flow(sessions, acme)
    await release(sessions, developer, flow_id)
    waiting = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, waiting.id)  # now at level 2, Manager Review
    untouched = await start(sessions, acme, flow_id)  # at level 1, which stays
    await save(sessions, acme, flow_id, levels=2)

    with pytest.raises(InstancesNeedMapping) as refused:
        await release(sessions, developer, flow_id)
    assert refused.value.extra["instances"] == [
        {
            "instanceId": waiting.id,
            "companyId": acme.company_id,
            "flowId": flow_id,
            "levelOrder": 2,
            "levelName": "Manager Review",
        }
    ]
    await release(sessions, developer, flow_id, level_map={"Manager Review": 2})

    assert await version_of(sessions, waiting.id) == "2.0.0"
    assert await version_of(sessions, untouched.id) == "1.0.0"
    assert await run_to_the_end(sessions, acme, waiting.id) == [2]
    assert await run_to_the_end(sessions, acme, untouched.id) == [1, 2, 3]


async def test_an_admin_migrates_running_instances_with_a_mapping(
    sessions, acme, developer
) -> None:
    flow_id = await published_flow(sessions, acme)
    await release(sessions, developer, flow_id)
    first, second = await start(sessions, acme, flow_id), await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, second.id)
    await save(sessions, acme, flow_id, levels=2)
    v2 = await release(
        sessions, developer, flow_id, level_map={"2": 2}
    )  # second moves with the release
    third = await start(sessions, acme, flow_id)
    assert await version_of(sessions, third.id) == "2.0.0"

    moved = await platform(
        sessions,
        migrate_instances,
        principal=developer,
        version_id=v2.id,
        company_id=acme.company_id,
        instance_ids=[first.id],
    )
    assert [(m["instance"]["instanceId"], m["toLevel"]) for m in moved] == [(first.id, 1)]
    assert await version_of(sessions, first.id) == "2.0.0"
    assert await run_to_the_end(sessions, acme, first.id) == [1, 2]
