"""The studio's lists say of every definition whether it differs from its latest release
(GET /versions/states): never released, the same, or changed with how many changes, their
highest impact and the version publishing would propose; reading them writes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import AuditLog, Task, UserRole, Version
from tests.world.app import auth_headers
from tests.world.tenants import make_tenant


async def test_each_form_says_whether_it_differs_from_its_latest_release(client, sessions) -> None:
    shop = await make_tenant(sessions, "Shop")
    other = await make_tenant(sessions, "Other")
    async with sessions.begin() as session:
        tasks = [
            Task(
                company_id=company.id,
                name=name,
                fields=[{"id": "f1", "type": "text", "label": "Reason"}],
                created_by_id=owner.users[UserRole.ADMIN].id,
            )
            for name, company, owner in (
                ("Leave", shop.company, shop),
                ("Travel", shop.company, shop),
                ("Theirs", other.company, other),
            )
        ]
        session.add_all(tasks)
    leave, travel, theirs = tasks
    dev = auth_headers(shop.users[UserRole.DEVELOPER], shop.company)
    for task in (leave, travel):
        body = {"entityType": "Task", "entityId": task.id}
        assert (await client.post("/versions", json=body, headers=dev)).status_code == 201
    async with sessions.begin() as session:
        row = await session.get(Task, travel.id)
        row.fields = [{"id": "f1", "type": "number", "label": "Reason"}]
        session.add(
            Task(
                company_id=shop.company.id,
                name="Draft only",
                fields=[],
                created_by_id=shop.users[UserRole.ADMIN].id,
            )
        )

    async def written() -> tuple[int, int]:
        async with sessions() as session:
            versions = await session.scalar(sa.select(sa.func.count()).select_from(Version))
            audits = await session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
            return int(versions or 0), int(audits or 0)

    before = await written()
    answer = await client.get("/versions/states", params={"entityType": "Task"}, headers=dev)
    assert answer.status_code == 200, answer.text
    states = {s["entityId"]: s for s in answer.json()["items"]}
    assert theirs.id not in states and len(states) == 3
    assert states[leave.id] == {
        "entityId": leave.id,
        "latest": "1.0.0",
        "changes": 0,
        "proposed": "1.0.0",
        "impact": None,
    }
    assert states[travel.id]["changes"] == 1 and states[travel.id]["impact"] == "major"
    assert states[travel.id]["proposed"] == "2.0.0"
    [never] = [s for s in states.values() if s["latest"] is None]
    assert never["proposed"] == "1.0.0" and never["changes"] == 0
    assert await written() == before

    bad = await client.get("/versions/states", params={"entityType": "Spaceship"}, headers=dev)
    assert bad.status_code in (400, 422), bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    admin = auth_headers(shop.users[UserRole.ADMIN])
    denied = await client.get("/versions/states", params={"entityType": "Task"}, headers=admin)
    assert denied.status_code == 403
