"""Hardening found by fuzzing and by hand (issue 16): routes that answered 500 or let
through what they should refuse."""

from __future__ import annotations

from core.models import UserRole
from tests.api.conftest import token_for


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
