"""What the operations console reads of versions over HTTP: who a rollout reaches (the
server's buckets, previewed before applying), the changelog between any two versions, a
version's health and the watchdog's view of it, running instances across versions and a dry
run of their migration; with the refusals and problems of each."""

from __future__ import annotations

from core.database import transaction
from core.models import EventType, Task, TriggerExecution, TriggerExecutionStatus, UserRole
from core.releases import bucket_of
from tests.versions.signed_in import platform_developer, problem, tokens
from tests.world.app import auth_headers
from tests.world.automation import add_trigger
from tests.world.flows import published_flow, start, submit_expense
from tests.world.tenants import Tenant, client_companies
from tests.world.versions import release, save_with_levels


async def test_a_rollout_preview_names_exactly_the_companies_that_then_see_the_version(
    client, sessions, acme: Tenant
) -> None:
    who = await tokens(sessions, acme)
    dev = who["dev"]
    clients = await client_companies(sessions, 20)
    task = {"entityType": "Task", "entityId": acme.tasks["expense"]}
    v1 = (await client.post("/versions", json=task, headers=dev)).json()
    await client.post(f"/versions/{v1['id']}/status", json={"status": "STABLE"}, headers=dev)
    async with transaction(sessions) as session:
        row = await session.get(Task, acme.tasks["expense"])
        row.fields = [*row.fields, {"id": "notes", "type": "text", "label": "Notes"}]
    v2 = (await client.post("/versions", json=task, headers=dev)).json()
    assert v2["version"] == "1.1.0"

    now = await client.get(f"/versions/{v2['id']}/audience", headers=dev)
    assert now.status_code == 200, now.text
    assert now.json()["reachedNow"] == 0 and now.json()["rolloutPercentage"] == 0
    preview = await client.get(
        f"/versions/{v2['id']}/audience",
        params={"rolloutPercentage": 50, "deployedToClients": [clients[0]]},
        headers=dev,
    )
    body = preview.json()
    rows = {c["companyId"]: c for c in body["companies"]}
    assert set(clients) <= set(rows)
    assert [c["bucket"] for c in body["companies"]] == sorted(
        c["bucket"] for c in body["companies"]
    )
    for company_id in clients:
        bucket = bucket_of("Task", acme.tasks["expense"], company_id)
        assert rows[company_id]["bucket"] == bucket
        assert rows[company_id]["now"]["version"] == "1.0.0"
        expected = (
            ("1.1.0", "pinned")
            if company_id == clients[0]
            else ("1.1.0", "rollout")
            if bucket < 5000
            else ("1.0.0", "stable")
        )
        proposed = rows[company_id]["proposed"]
        assert (proposed["version"], proposed["reason"]) == expected
    entering = {c for c, r in rows.items() if r["proposed"]["versionId"] == v2["id"]}
    assert body["reachedProposed"] == len(entering)
    # Nothing was written: the version still reaches nobody.
    assert (await client.get(f"/versions/{v2['id']}", headers=dev)).json()["rolloutPercentage"] == 0

    applied = await client.put(
        f"/versions/{v2['id']}/rollout",
        json={"rolloutPercentage": 50, "deployedToClients": [clients[0]]},
        headers=dev,
    )
    assert applied.status_code == 200, applied.text
    for company_id in rows:
        seen = await client.get(
            "/versions/resolve", params={**task, "companyId": company_id}, headers=dev
        )
        assert (seen.json()["version"]["id"] == v2["id"]) is (company_id in entering)
    after = (await client.get(f"/versions/{v2['id']}/audience", headers=dev)).json()
    assert after["reachedNow"] == len(entering)

    bad = await client.get(
        f"/versions/{v2['id']}/audience",
        params={"rolloutPercentage": 101, "deployedToClients": ["nobody"]},
        headers=dev,
    )
    assert problem(bad, 422)
    assert "query:rolloutPercentage" in {e["path"] for e in bad.json()["errors"]}
    unknown = await client.get(
        f"/versions/{v2['id']}/audience", params={"deployedToClients": ["nobody"]}, headers=dev
    )
    assert problem(unknown, 422) == "validation_failed"
    assert [e["path"] for e in unknown.json()["errors"]] == ["query:deployedToClients[0]"]
    assert problem(await client.get("/versions/nope/audience", headers=dev), 404)
    assert problem(await client.get(f"/versions/{v2['id']}/audience", headers=who["admin"]), 403)

    compared = await client.get(
        "/versions/compare", params={"from": v1["id"], "to": v2["id"]}, headers=dev
    )
    assert compared.status_code == 200, compared.text
    assert compared.json()["changes"] == "1 field added."
    [entry] = compared.json()["changeLog"]
    assert (entry["kind"], entry["change"], entry["name"]) == ("field", "added", "Notes")
    backwards = await client.get(
        "/versions/compare", params={"from": v2["id"], "to": v1["id"]}, headers=dev
    )
    assert backwards.json()["changes"] == "1 field removed."
    assert problem(
        await client.get("/versions/compare", params={"from": v1["id"]}, headers=dev), 422
    )


async def test_health_shows_the_watchdogs_figures_and_the_pause(
    client, sessions, acme: Tenant
) -> None:
    who = await tokens(sessions, acme)
    developer = await platform_developer(sessions, acme)
    flow_id = await published_flow(sessions, acme)
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        name="Alert",
        event_type=EventType.TASK_COMPLETED,
        flow_id=flow_id,
        actions=[{"type": "notify", "config": {"userIds": [acme.users["admin"].id]}}],
    )
    v1 = await release(sessions, developer, flow_id)
    async with transaction(sessions) as session:
        for status in [TriggerExecutionStatus.FAILED] * 3 + [TriggerExecutionStatus.SUCCESS]:
            session.add(
                TriggerExecution(
                    company_id=acme.company_id,
                    trigger_id=trigger_id,
                    event_data={},
                    conditions_met=True,
                    condition_result={},
                    actions_executed=[],
                    status=status,
                    execution_time=5,
                )
            )
    answer = await client.get(f"/versions/{v1.id}/health", headers=who["dev"])
    assert answer.status_code == 200, answer.text
    health = answer.json()
    assert health["pause"] is None and health["companies"] == [acme.company_id]
    watchdog = health["watchdog"]
    assert (watchdog["executions"], watchdog["failed"], watchdog["rate"]) == (4, 3, 0.75)
    assert watchdog["failureRate"] == 0.5 and watchdog["minExecutions"] == 20
    assert watchdog["wouldPause"] is False  # too few executions to judge
    [day] = health["series"]
    assert (day["companyId"], day["executions"], day["failed"]) == (acme.company_id, 4, 3)

    await client.post(f"/versions/{v1.id}/pause", json={"reason": "noisy"}, headers=who["dev"])
    paused = (await client.get(f"/versions/{v1.id}/health", headers=who["dev"])).json()
    assert paused["pause"]["reason"] == "noisy" and paused["pause"]["automatic"] is False
    assert paused["companies"] == []  # a paused version reaches nobody
    bad = await client.get(f"/versions/{v1.id}/health", params={"days": 0}, headers=who["dev"])
    assert problem(bad, 422) and bad.json()["errors"][0]["path"] == "query:days"


async def test_running_instances_across_versions_and_a_dry_run_of_their_migration(
    client, sessions, acme: Tenant, globex: Tenant
) -> None:
    who = await tokens(sessions, acme)
    developer = await platform_developer(sessions, acme)
    flow_id = await published_flow(sessions, acme)
    await release(sessions, developer, flow_id)
    at_start = await start(sessions, acme, flow_id)
    at_manager = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, at_manager.id, amount=5000)
    await save_with_levels(sessions, acme, flow_id, levels=2)  # Manager Review goes
    v2 = await client.post(
        "/versions",
        json={"entityType": "Flow", "entityId": flow_id, "levelMap": {"Manager Review": 2}},
        headers=who["dev"],
    )
    v2_id = v2.json()["id"]

    listed = await client.get("/versions/instances", params={"flowId": flow_id}, headers=who["dev"])
    assert listed.status_code == 200, listed.text
    assert [
        (i["instance"]["instanceId"], i["version"], i["instance"]["levelName"])
        for i in listed.json()["items"]
    ] == [
        (at_start.id, "1.0.0", "Employee Submission"),
        (at_manager.id, "2.0.0", "Finance Approval"),
    ]
    admin = await client.get(
        "/versions/instances", params={"flowId": flow_id}, headers=who["admin"]
    )
    assert admin.json()["total"] == 2
    assert problem(
        await client.get(
            "/versions/instances", params={"flowId": flow_id}, headers=who["employee"]
        ),
        403,
    )

    dry = f"/versions/{v2_id}/migrations/dry-run"
    # Another company's admin sees none of Acme's instances, and plans to move none of them.
    other = auth_headers(globex.users[UserRole.ADMIN])
    theirs = await client.get("/versions/instances", params={"flowId": flow_id}, headers=other)
    assert theirs.status_code == 200 and theirs.json()["total"] == 0
    nothing = await client.post(dry, json={"companyId": acme.company_id}, headers=other)
    assert (nothing.json()["moves"], nothing.json()["stuck"]) == ([], [])

    plan = await client.post(dry, json={"levelMap": {"1": 2}}, headers=who["admin"])
    assert plan.status_code == 200, plan.text
    assert [
        (m["instance"]["instanceId"], m["toLevel"], m["toLevelName"]) for m in plan.json()["moves"]
    ] == [
        (at_start.id, 2, "Finance Approval"),
        (at_manager.id, 2, "Finance Approval"),
    ]
    # Nothing moved.
    again = await client.get("/versions/instances", params={"flowId": flow_id}, headers=who["dev"])
    assert again.json()["items"][0]["version"] == "1.0.0"

    bad = await client.post(
        dry, json={"levelMap": {"1": 9, "Manager Review": 7}}, headers=who["admin"]
    )
    assert problem(bad, 422)
    assert {e["path"] for e in bad.json()["errors"]} == {"/levelMap/1", "/levelMap/Manager Review"}
    assert problem(await client.post(dry, json={}, headers=who["dev"]), 404)  # which company?
    assert problem(
        await client.post(dry, json={"instanceIds": ["nope"]}, headers=who["admin"]), 404
    )


async def test_a_dry_run_lists_the_instances_that_cannot_move(client, sessions, acme) -> None:
    who = await tokens(sessions, acme)
    developer = await platform_developer(sessions, acme)
    flow_id = await published_flow(sessions, acme)
    await release(sessions, developer, flow_id)
    await save_with_levels(sessions, acme, flow_id, levels=2)  # Manager Review goes in 2.0.0
    v2 = await client.post(
        "/versions", json={"entityType": "Flow", "entityId": flow_id}, headers=who["dev"]
    )
    assert v2.json()["version"] == "2.0.0"
    # 1.0.0 stays stable, so new work starts on it and waits at its Manager Review.
    waiting = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, waiting.id, amount=5000)
    dry = f"/versions/{v2.json()['id']}/migrations/dry-run"

    plan = await client.post(dry, json={"companyId": acme.company_id}, headers=who["dev"])
    assert plan.status_code == 200, plan.text
    assert plan.json()["moves"] == []
    [stuck] = plan.json()["stuck"]
    assert stuck["instance"]["instanceId"] == waiting.id
    assert "no level 'Manager Review'" in stuck["reason"]

    mapped = await client.post(
        dry,
        json={"companyId": acme.company_id, "levelMap": {"Manager Review": 2}},
        headers=who["dev"],
    )
    assert [m["toLevelName"] for m in mapped.json()["moves"]] == ["Finance Approval"]
    assert mapped.json()["stuck"] == []
