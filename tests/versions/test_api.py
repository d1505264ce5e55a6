"""Versions through HTTP: a developer publishes a task, rolls it out, resolves it for a
company and rolls back; other roles are refused."""

from __future__ import annotations

from core.models import Task, UserRole
from tests.world.app import auth_headers
from tests.world.tenants import make_tenant


async def test_publish_rollout_resolve_and_rollback_over_http(client, sessions) -> None:
    shop = await make_tenant(sessions, "Shop")
    other = await make_tenant(sessions, "Other")
    async with sessions.begin() as session:
        task = Task(
            company_id=shop.company.id,
            name="Leave request",
            fields=[{"id": "f1", "type": "text", "label": "Reason", "required": True}],
            created_by_id=shop.users[UserRole.ADMIN].id,
        )
        session.add(task)
    dev = auth_headers(shop.users[UserRole.DEVELOPER], shop.company)
    body = {"entityType": "Task", "entityId": task.id}

    first = await client.post("/versions", json=body, headers=dev)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == "1.0.0"
    stable = await client.post(
        f"/versions/{first.json()['id']}/status", json={"status": "STABLE"}, headers=dev
    )
    assert stable.json()["status"] == "STABLE"

    async with sessions.begin() as session:
        row = await session.get(Task, task.id)
        row.fields = [*row.fields, {"id": "f2", "type": "text", "label": "Notes"}]
    preview = await client.get("/versions/preview", params=body, headers=dev)
    assert preview.json()["proposedVersion"] == "1.1.0"
    second = (await client.post("/versions", json=body, headers=dev)).json()
    pinned = await client.put(
        f"/versions/{second['id']}/rollout",
        json={"deployedToClients": [other.company.id]},
        headers=dev,
    )
    assert pinned.json()["deployedToClients"] == [other.company.id]

    async def seen(company_id: str) -> tuple[str, str]:
        answer = await client.get(
            "/versions/resolve", params={**body, "companyId": company_id}, headers=dev
        )
        return answer.json()["version"]["version"], answer.json()["reason"]

    assert await seen(other.company.id) == ("1.1.0", "pinned")
    assert await seen(shop.company.id) == ("1.0.0", "stable")

    back = await client.post(f"/versions/{second['id']}/rollback", headers=dev)
    assert back.status_code == 201 and back.json()["version"] == "1.0.0"
    assert await seen(other.company.id) == ("1.0.0", "stable")
    listed = await client.get("/versions", params=body, headers=dev)
    assert [(v["version"], v["status"]) for v in listed.json()["items"]] == [
        ("1.1.0", "DEPRECATED"),
        ("1.0.0", "STABLE"),
    ]

    admin = auth_headers(shop.users[UserRole.ADMIN])
    refused = await client.post("/versions", json=body, headers=admin)
    assert refused.status_code == 403
    assert (await client.get("/versions", params=body, headers=admin)).status_code == 403
