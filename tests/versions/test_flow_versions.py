"""Flow versions and running work: instances finish on the version they started on; a
version that removes a level instances wait at needs a level mapping; admins migrate."""

from __future__ import annotations

import pytest

from core.versions import (
    InstancesNeedMapping,
    migrate_instances,
)
from tests.world.flows import published_flow, run_to_the_end, start, submit_expense
from tests.world.versions import platform, release, save_with_levels, version_of


async def test_instances_finish_on_the_version_they_started_on(sessions, acme, developer) -> None:
    flow_id = await published_flow(sessions, acme)
    v1 = await release(sessions, developer, flow_id)
    on_v1 = await start(sessions, acme, flow_id)
    await save_with_levels(sessions, acme, flow_id, levels=2)  # Manager Review goes
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
    await submit_expense(sessions, acme, waiting.id, amount=5000)  # now at level 2, Manager Review
    untouched = await start(sessions, acme, flow_id)  # at level 1, which stays
    await save_with_levels(sessions, acme, flow_id, levels=2)

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
    await submit_expense(sessions, acme, second.id, amount=5000)
    await save_with_levels(sessions, acme, flow_id, levels=2)
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
