"""The permission table guards every route; developers choose their company."""

from __future__ import annotations

from api.app import create_app
from core.access import POLICY
from core.models import UserRole
from tests.world.app import auth_headers

TASK = {"name": "Leave request", "fields": [{"id": "f1", "type": "text", "label": "Reason"}]}


async def test_employee_may_read_but_not_build(client, acme, as_employee) -> None:
    assert (await client.get("/tasks", headers=as_employee)).status_code == 200
    response = await client.post("/tasks", json=TASK, headers=as_employee)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


async def test_admin_builds_tasks_in_their_company(client, acme, as_admin) -> None:
    response = await client.post("/tasks", json=TASK, headers=as_admin)
    assert response.status_code == 201, response.text
    assert response.json()["companyId"] == acme.company.id


async def test_developer_must_choose_a_company(client, acme) -> None:
    developer = acme.users[UserRole.DEVELOPER]
    response = await client.get("/tasks", headers=auth_headers(developer))
    assert response.status_code == 400 and response.json()["code"] == "company_required"
    chosen = await client.get("/tasks", headers=auth_headers(developer, acme.company))
    assert chosen.status_code == 200


async def test_developer_choosing_an_unknown_company_gets_404(client, acme) -> None:
    headers = auth_headers(acme.users[UserRole.DEVELOPER]) | {"X-Company-Id": "nope"}
    assert (await client.get("/tasks", headers=headers)).status_code == 404


async def test_only_developers_create_companies(client, acme, as_admin, as_developer) -> None:
    assert (
        await client.post("/companies", json={"name": "New"}, headers=as_admin)
    ).status_code == 403
    created = await client.post("/companies", json={"name": "New"}, headers=as_developer)
    assert created.status_code == 201


async def test_admins_cannot_create_developers(client, acme, as_admin) -> None:
    body = {"email": "x@acme.test", "password": "long enough", "role": "DEVELOPER"}
    assert (await client.post("/users", json=body, headers=as_admin)).status_code == 403


async def test_every_guarded_route_names_an_action_of_the_policy(database_url, tmp_path) -> None:
    from tests.world.app import make_settings

    app = create_app(make_settings(database_url, tmp_path))
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for guard in handler.resolve_guards():
                assert guard.action in POLICY, (route.path, guard.action)
