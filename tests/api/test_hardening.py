"""Hardening found by fuzzing and by hand (issue 16): routes that answered 500 or let
through what they should refuse."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import UserRole
from tests.world.app import auth_headers, token_for


async def test_tables_named_like_public_routes_still_need_and_accept_a_token(
    client, acme, as_admin
) -> None:
    # The authentication middleware once skipped every path that merely contained
    # `/health`, `/schema` or `/auth/login`, so these paths had no principal: 500.
    for name in ("health", "schema"):
        created = await client.post(
            "/tables",
            json={"name": name, "displayName": name.title(), "schema": []},
            headers=as_admin,
        )
        assert created.status_code == 201, created.text
        listed = await client.get(f"/tables/{name}/records", headers=as_admin)
        assert listed.status_code == 200, listed.text
        anonymous = await client.get(f"/tables/{name}/records")
        assert anonymous.status_code == 401, anonymous.text
    for path in ("/tasks/health", "/users/schema", "/roles/health"):
        assert (await client.get(path)).status_code == 401, path
        assert (await client.get(path, headers=as_admin)).status_code == 404, path
    # the public routes themselves stay public
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/schema/openapi.json")).status_code == 200


async def test_only_the_bearer_scheme_carries_an_access_token(client, acme) -> None:
    token = token_for(acme.users[UserRole.ADMIN])
    for header in (f"Basic {token}", f"Token {token}", token, f"Bearer{token}"):
        response = await client.get("/tasks", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["code"] == "not_authenticated"
    for scheme in ("Bearer", "bearer", "BEARER"):
        ok = await client.get("/tasks", headers={"Authorization": f"{scheme} {token}"})
        assert ok.status_code == 200, scheme


async def test_every_response_forbids_content_sniffing(client, acme, as_admin) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/tasks", headers=as_admin),
        await client.get("/tasks"),
        await client.get("/nothing-here"),
        await client.get("/schema/openapi.json"),
    ):
        assert response.headers.get("x-content-type-options") == "nosniff", response.url


def nested(depth: int) -> str:
    """JSON arrays nested `depth` deep, as text (the test client's encoder would recurse)."""
    return "[" * depth + "]" * depth


async def test_json_nested_a_thousand_deep_is_a_problem_on_every_kind_of_route(
    client, acme, as_admin
) -> None:
    table = {"name": "notes", "displayName": "Notes", "schema": []}
    assert (await client.post("/tables", json=table, headers=as_admin)).status_code == 201
    deep = nested(1000)
    rule = '{"and": [' * 600 + "true" + "]}" * 600
    bodies = {
        "/rules/evaluate": '{"rule": ' + deep + ', "data": {}}',
        "/rules/evaluate ": '{"rule": ' + rule + ', "data": {}}',
        "/tables/notes/records": '{"data": {"x": ' + deep + "}}",
        "/tasks": '{"name": "t", "config": ' + deep + "}",
        "/triggers": '{"name": "t", "conditions": ' + deep + "}",
    }
    for path, body in bodies.items():
        response = await client.post(
            path.strip(),
            content=body,
            headers={**as_admin, "Content-Type": "application/json"},
        )
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["errors"][0]["code"] == "too_deep", problem
    for where in (deep, rule):
        response = await client.get(
            "/tables/notes/records", params={"where": where}, headers=as_admin
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [
            {
                "path": "query:where",
                "message": "JSON may nest at most 200 levels deep.",
                "code": "too_deep",
            }
        ]
    # nesting within the bound is still the handlers' to judge
    shallow = await client.post(
        "/rules/evaluate",
        content='{"rule": {"==": [1, 1]}, "data": {"x": ' + nested(150) + "}}",
        headers={**as_admin, "Content-Type": "application/json"},
    )
    assert shallow.status_code == 200, shallow.text


async def test_settings_that_are_not_an_object_are_a_validation_problem(
    client, acme, as_admin
) -> None:
    # Litestar blamed the server (500, nothing logged) for an invalid body field whose name
    # is also a dependency's, and the platform's settings were one called `settings`.
    table = {"name": "notes", "displayName": "Notes", "schema": []}
    for settings in ("x", 5, [1]):
        response = await client.post(
            "/tables", json={**table, "settings": settings}, headers=as_admin
        )
        assert response.status_code == 422, response.text
        assert [e["path"] for e in response.json()["errors"]] == ["/settings"]
    assert (await client.post("/tables", json=table, headers=as_admin)).status_code == 201
    patched = await client.patch("/tables/notes", json={"settings": "x"}, headers=as_admin)
    assert patched.status_code == 422, patched.text
    trigger = {
        "name": "t",
        "eventType": "TASK_COMPLETED",
        "actions": [{"type": "noop"}],
        "settings": 5,
    }
    response = await client.post("/triggers", json=trigger, headers=as_admin)
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["/settings"]
    assert (await client.get("/tables", headers=as_admin)).json()["items"][0]["settings"] == {}


def test_no_request_body_has_a_field_named_like_a_dependency(client) -> None:
    import msgspec
    from litestar.handlers import HTTPRouteHandler

    from api.deps import DEPENDENCIES

    clashes = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            data = handler.parsed_fn_signature.parameters.get("data")
            target = getattr(data, "annotation", None)
            while hasattr(target, "__origin__") and hasattr(target, "__metadata__"):
                target = target.__origin__
            if isinstance(target, type) and issubclass(target, msgspec.Struct):
                names = {f.encode_name for f in msgspec.structs.fields(target)}
                names |= {f.name for f in msgspec.structs.fields(target)}
                clashes += [(route.path, n) for n in names & set(DEPENDENCIES)]
    assert clashes == []


async def test_a_task_that_a_flow_level_uses_cannot_be_deleted(client, acme, as_admin) -> None:
    task = await client.post(
        "/tasks", json={"name": "Expense", "fields": [], "status": "PUBLISHED"}, headers=as_admin
    )
    assert task.status_code == 201, task.text
    task_id = task.json()["id"]
    flow = await client.post(
        "/flows",
        json={"name": "F", "levels": [{"order": 1, "name": "One", "taskIds": [task_id]}]},
        headers=as_admin,
    )
    assert flow.status_code == 201, flow.text
    refused = await client.delete(f"/tasks/{task_id}", headers=as_admin)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "conflict"
    assert (await client.get(f"/tasks/{task_id}", headers=as_admin)).status_code == 200
    shown = await client.get(f"/flows/{flow.json()['id']}", headers=as_admin)
    assert task_id in shown.text
    # a task nothing uses goes
    spare = await client.post("/tasks", json={"name": "Spare", "fields": []}, headers=as_admin)
    assert (
        await client.delete(f"/tasks/{spare.json()['id']}", headers=as_admin)
    ).status_code == 204


async def test_testing_an_inactive_integration_is_a_conflict(client, acme, as_admin) -> None:
    made = await client.post(
        "/integrations",
        json={
            "name": "API",
            "type": "CUSTOM_API",
            "isActive": False,
            "config": {"baseUrl": "http://127.0.0.1:9", "authScheme": "bearer", "token": "t"},
        },
        headers=as_admin,
    )
    assert made.status_code == 201, made.text
    response = await client.post(f"/integrations/{made.json()['id']}/test", headers=as_admin)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "integration.inactive"


async def test_a_company_with_data_is_not_deleted_and_an_empty_one_is(
    client, acme, as_developer, sessions
) -> None:
    from core.models import AuditLog, Company

    developer = acme.users[UserRole.DEVELOPER]
    refused = await client.delete(f"/companies/{acme.company.id}", headers=as_developer)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "company_has_data" and "users" in problem["tables"]
    assert "isActive" in problem["detail"]
    assert (
        await client.get(f"/companies/{acme.company.id}", headers=as_developer)
    ).status_code == 200

    made = await client.post("/companies", json={"name": "Typo Ltd"}, headers=as_developer)
    assert made.status_code == 201, made.text
    typo = made.json()["id"]
    in_typo = {**auth_headers(developer), "X-Company-Id": typo}
    task = await client.post("/tasks", json={"name": "T", "fields": []}, headers=in_typo)
    assert task.status_code == 201, task.text
    with_task = await client.delete(f"/companies/{typo}", headers=as_developer)
    assert with_task.status_code == 409 and with_task.json()["tables"] == ["tasks"]
    assert (await client.delete(f"/tasks/{task.json()['id']}", headers=in_typo)).status_code == 204

    gone = await client.delete(f"/companies/{typo}", headers=as_developer)
    assert gone.status_code == 204, gone.text
    async with sessions() as session:
        assert await session.get(Company, typo) is None
        [audit] = (
            await session.scalars(sa.select(AuditLog).where(AuditLog.action == "company.deleted"))
        ).all()
    assert audit.entity_id == typo and audit.company_id is None
    assert audit.changes["before"]["name"] == "Typo Ltd"
