"""The safety calls over HTTP: pause and resume, restore into a draft, publishing a flow that
removes a level instances wait at, an admin migrating instances; and what is refused."""

from __future__ import annotations

from core.database import transaction
from core.models import Task, TaskStatus
from tests.versions.signed_in import platform_developer, problem, tokens
from tests.world.flows import published_flow, start, submit_expense
from tests.world.tenants import Tenant
from tests.world.versions import release, save_with_levels, version_of


async def test_pause_resume_and_restore_over_http(client, sessions, acme: Tenant) -> None:
    who = await tokens(sessions, acme)
    dev = who["dev"]
    task = {"entityType": "Task", "entityId": acme.tasks["expense"]}
    resolve = {**task, "companyId": acme.company_id}
    v1 = (await client.post("/versions", json=task, headers=dev)).json()
    await client.post(f"/versions/{v1['id']}/status", json={"status": "STABLE"}, headers=dev)
    assert (await client.get("/versions/resolve", params=resolve, headers=dev)).status_code == 200

    paused = await client.post(f"/versions/{v1['id']}/pause", json={"reason": "bad"}, headers=dev)
    assert paused.status_code == 201 and paused.json()["status"] == "STABLE"
    assert problem(await client.get("/versions/resolve", params=resolve, headers=dev), 404)
    assert (
        problem(
            await client.post(
                f"/versions/{v1['id']}/pause", json={"reason": "x"}, headers=who["admin"]
            ),
            403,
        )
        == "permission_denied"
    )
    assert (await client.post(f"/versions/{v1['id']}/resume", headers=dev)).status_code == 201
    seen = await client.get("/versions/resolve", params=resolve, headers=dev)
    assert (seen.json()["reason"], seen.json()["version"]["version"]) == ("stable", "1.0.0")
    assert problem(await client.post(f"/versions/{v1['id']}/resume", headers=dev), 404)

    # Restore: the task goes back to 1.0.0's fields, as a draft.
    async with transaction(sessions) as session:
        row = await session.get(Task, acme.tasks["expense"])
        frozen = row.fields
        row.fields = row.fields[:2]
    v2 = await client.post("/versions", json=task, headers=dev)
    assert v2.json()["version"] == "2.0.0"  # fields removed: a major bump
    restored = await client.post(f"/versions/{v1['id']}/restore", headers=dev)
    assert restored.status_code == 201, restored.text
    assert restored.json() == {"entityId": acme.tasks["expense"], "restoredVersionId": v1["id"]}
    async with sessions() as session:
        row = await session.get(Task, acme.tasks["expense"])
        assert (row.fields, row.status) == (frozen, TaskStatus.DRAFT)
    assert problem(await client.post("/versions/nope/restore", headers=dev), 404) == "not_found"
    assert problem(await client.post(f"/versions/{v1['id']}/restore", headers=who["admin"]), 403)

    # Refusals of the lifecycle and of rollback.
    back = await client.post(f"/versions/{v1['id']}/rollback", headers=dev)
    assert problem(back, 409) == "no_previous_version"
    again = await client.post(
        f"/versions/{v1['id']}/status", json={"status": "PUBLISHED"}, headers=dev
    )
    assert problem(again, 409) == "transition_refused"


async def test_publishing_over_waiting_instances_and_an_admin_migrating_them(
    client, sessions, acme: Tenant
) -> None:
    who = await tokens(sessions, acme)
    developer = await platform_developer(sessions, acme)
    flow_id = await published_flow(sessions, acme)
    await release(sessions, developer, flow_id)
    at_level_1 = await start(sessions, acme, flow_id)
    at_manager = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, at_manager.id, amount=5000)
    await save_with_levels(sessions, acme, flow_id, levels=2)  # Manager Review goes
    body = {"entityType": "Flow", "entityId": flow_id}

    refused = await client.post("/versions", json=body, headers=who["dev"])
    assert problem(refused, 409) == "instances_need_mapping"
    assert [(i["instanceId"], i["levelName"]) for i in refused.json()["instances"]] == [
        (at_manager.id, "Manager Review")
    ]
    bad_map = await client.post(
        "/versions", json={**body, "levelMap": {"Manager Review": 9}}, headers=who["dev"]
    )
    assert problem(bad_map, 422) == "validation_failed"
    v2 = await client.post(
        "/versions", json={**body, "levelMap": {"Manager Review": 2}}, headers=who["dev"]
    )
    assert v2.status_code == 201, v2.text
    v2_id = v2.json()["id"]
    assert await version_of(sessions, at_manager.id) == "2.0.0"
    assert await version_of(sessions, at_level_1.id) == "1.0.0"

    migrations = f"/versions/{v2_id}/migrations"
    denied = await client.post(migrations, json={}, headers=who["employee"])
    assert problem(denied, 403) == "permission_denied"
    missing = await client.post(migrations, json={"instanceIds": ["nope"]}, headers=who["admin"])
    assert problem(missing, 404) == "not_found"
    moved = await client.post(
        migrations, json={"instanceIds": [at_level_1.id]}, headers=who["admin"]
    )
    assert moved.status_code == 201, moved.text
    assert moved.json() == [
        {"instanceId": at_level_1.id, "fromLevel": 1, "toLevel": 1, "version": "2.0.0"}
    ]
    assert await version_of(sessions, at_level_1.id) == "2.0.0"
