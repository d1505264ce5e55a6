"""Create, read, list, update and delete through the API, with pagination, sorting,
filtering, every invalid field reported, and nothing written on error."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import AuditLog, Role

FIELDS = [{"id": "f1", "type": "text", "label": "Reason"}]


async def count(sessions, model) -> int:
    async with sessions() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


async def test_department_lifecycle_with_tree_and_move(client, acme, as_admin, sessions) -> None:
    root = (await client.post("/departments", json={"name": "HQ"}, headers=as_admin)).json()
    child = await client.post(
        "/departments", json={"name": "Ops", "parentId": root["id"]}, headers=as_admin
    )
    assert child.status_code == 201, child.text
    leaf = (
        await client.post(
            "/departments",
            json={"name": "Night shift", "parentId": child.json()["id"]},
            headers=as_admin,
        )
    ).json()
    tree = (await client.get("/departments/tree", headers=as_admin)).json()["items"]
    hq = next(n for n in tree if n["name"] == "HQ")
    assert hq["children"][0]["name"] == "Ops"
    assert hq["children"][0]["children"][0]["name"] == "Night shift"
    children = await client.get(f"/departments/{root['id']}/children", headers=as_admin)
    assert [c["name"] for c in children.json()["items"]] == ["Ops"]
    cycle = await client.patch(
        f"/departments/{root['id']}", json={"parentId": leaf["id"]}, headers=as_admin
    )
    assert cycle.status_code == 422
    assert cycle.json()["errors"][0]["path"] == "/parentId"
    moved = await client.patch(
        f"/departments/{leaf['id']}", json={"parentId": root["id"]}, headers=as_admin
    )
    assert moved.status_code == 200 and moved.json()["parentId"] == root["id"]
    assert (await client.delete(f"/departments/{leaf['id']}", headers=as_admin)).status_code == 204
    assert (await client.get(f"/departments/{leaf['id']}", headers=as_admin)).status_code == 404


async def test_lists_paginate_sort_and_filter(client, acme, as_admin) -> None:
    for name in ("b", "a", "c"):
        await client.post("/roles", json={"name": name}, headers=as_admin)
    page = (await client.get("/roles?sort=name&limit=2", headers=as_admin)).json()
    assert [r["name"] for r in page["items"]] == ["Approver", "a"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 0)
    rest = (await client.get("/roles?sort=-name&limit=2&offset=2", headers=as_admin)).json()
    assert [r["name"] for r in rest["items"]] == ["a", "Approver"]
    only = (await client.get("/roles?name=c", headers=as_admin)).json()
    assert only["total"] == 1
    bad = await client.get("/roles?sort=nope", headers=as_admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "query:sort"
    too_many = await client.get("/roles?limit=1000", headers=as_admin)
    assert too_many.status_code in (400, 422)


async def test_every_invalid_field_is_reported_and_nothing_written(
    client, acme, as_admin, sessions
) -> None:
    before = (await count(sessions, Role), await count(sessions, AuditLog))
    body = {"name": "", "permissions": "all", "departmentId": 7, "colour": "red"}
    response = await client.post("/roles", json=body, headers=as_admin)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("validation_failed") and problem["status"] == 422
    paths = {e["path"] for e in problem["errors"]}
    assert paths == {"/name", "/permissions", "/departmentId", "/colour"}
    assert (await count(sessions, Role), await count(sessions, AuditLog)) == before


async def test_malformed_json_and_missing_body(client, acme, as_admin) -> None:
    headers = as_admin | {"Content-Type": "application/json"}
    broken = await client.post("/roles", content=b'{"name": ', headers=headers)
    assert broken.status_code == 400 and broken.json()["code"] == "malformed_json"
    empty = await client.post("/roles", content=b"", headers=headers)
    assert empty.status_code in (400, 422)


async def test_oversize_bodies_are_refused(client, acme, as_admin) -> None:
    body = {"name": "x", "description": "y" * (3 * 1024 * 1024)}
    response = await client.post("/roles", json=body, headers=as_admin)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_unknown_reference_is_reported_not_confirmed(client, acme, globex, as_admin):
    foreign = globex.department.id
    response = await client.post(
        "/roles", json={"name": "R", "departmentId": foreign}, headers=as_admin
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"path": "/departmentId", "message": f"No Department {foreign}.", "code": "not_found"}
    ]


async def test_duplicate_role_name_is_a_conflict(client, acme, as_admin, sessions) -> None:
    response = await client.post("/roles", json={"name": "Approver"}, headers=as_admin)
    assert response.status_code == 409
    assert await count(sessions, Role) == 1  # Acme's Approver only


async def test_users_are_created_with_hashed_passwords_and_roles(client, acme, as_admin):
    body = {
        "email": "New.Person@Acme.test",
        "password": "long enough",
        "firstName": "New",
        "roleIds": [acme.roles["Approver"].id],
    }
    created = await client.post("/users", json=body, headers=as_admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "new.person@acme.test" and user["roleIds"] == [
        acme.roles["Approver"].id
    ]
    assert "password" not in user
    login = await client.post(
        "/auth/login", json={"email": "new.person@acme.test", "password": "long enough"}
    )
    assert login.status_code == 200


async def test_integration_secrets_are_write_only(client, acme, as_admin, sessions) -> None:
    body = {
        "name": "Zoho",
        "type": "ZOHO",
        "config": {"dataCenter": "eu", "clientSecret": "s3cr3t-value"},
    }
    created = await client.post("/integrations", json=body, headers=as_admin)
    assert created.status_code == 201, created.text
    shown = created.json()
    assert shown["config"] == {"dataCenter": "eu"} and shown["secretsSet"] == ["clientSecret"]
    changed = await client.patch(
        f"/integrations/{shown['id']}", json={"config": {"dataCenter": "in"}}, headers=as_admin
    )
    assert changed.json()["secretsSet"] == ["clientSecret"]
    listed = await client.get("/integrations", headers=as_admin)
    audit = await client.get("/audit-logs?entity=Integration", headers=as_admin)
    for text in (created.text, changed.text, listed.text, audit.text):
        assert "s3cr3t-value" not in text


async def test_nul_characters_are_refused_with_their_places(client, acme, as_admin) -> None:
    response = await client.post(
        "/roles", json={"name": "a\x00b", "permissions": {"x\x00": True}}, headers=as_admin
    )
    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {"/name", "/permissions/'x\\x00'"}
    query = await client.get("/roles?name=%00", headers=as_admin)
    assert query.status_code == 422 and query.json()["errors"][0]["path"] == "query:name"


async def test_error_extras_never_replace_standard_problem_members() -> None:
    from litestar.testing import RequestFactory

    from api.errors import erp_error_handler
    from core.errors import Conflict

    request = RequestFactory().get("/x")
    response = erp_error_handler(request, Conflict("Taken.", status="RUNNING", code="x", hint=1))
    assert response.status_code == 409
    assert response.content["status"] == 409 and response.content["code"] == "conflict"
    assert response.content["hint"] == 1


async def test_task_validations_are_checked_on_save(client, acme, as_admin, sessions) -> None:
    from core.models import Task

    fields = [
        {"id": "start", "type": "date", "label": "Start"},
        {"id": "end", "type": "date", "label": "End"},
    ]
    before = await count(sessions, Task)
    bad = {
        "name": "Trip",
        "fields": fields,
        "validations": [{"rule": {">=": [{"var": "finish"}, 1]}, "message": ""}],
    }
    response = await client.post("/tasks", json=bad, headers=as_admin)
    assert response.status_code == 422
    paths = {e["path"] for e in response.json()["errors"]}
    assert any("validations[0].rule" in p for p in paths)
    assert any("validations[0].message" in p for p in paths)
    assert await count(sessions, Task) == before

    rule = {">=": [{"var": "end"}, {"var": "start"}]}
    good = bad | {"validations": [{"rule": rule, "message": "Ends after it starts"}]}
    created = await client.post("/tasks", json=good, headers=as_admin)
    assert created.status_code == 201, created.text
    assert created.json()["validations"][0]["message"] == "Ends after it starts"
    # Changing the validations alone is checked against the stored fields.
    task_id = created.json()["id"]
    patch = {"validations": [{"rule": {"var": "nowhere"}, "message": "x", "fields": ["x"]}]}
    changed = await client.patch(f"/tasks/{task_id}", json=patch, headers=as_admin)
    assert changed.status_code == 422
