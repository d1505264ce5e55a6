"""The list convention, checked on every route the OpenAPI document describes: each list is a
page chosen by `limit` and `offset`, query parameters are spelt in camelCase, and a query
parameter a route does not take, an offset past the bound, a boolean written `0` or a
date-time written as a number is a 422 problem naming it, never ignored or a 500."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.world.tenants import Tenant

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
CALLED_BY_VENDORS = {"/integrations/oauth/callback"}
"""Its parameter names are the OAuth provider's (`accounts-server`)."""


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def success_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    # A redirect (a sign-in provider's start and callback) answers no 2xx at all.
    success = next(
        (answer for status, answer in operation["responses"].items() if status.startswith("2")),
        {},
    )
    schema: dict[str, Any] = success.get("content", {}).get("application/json", {}).get("schema")
    while schema and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema or {}


def query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def list_routes(document: dict[str, Any]) -> list[str]:
    """GET routes answering a page: `items` and `total`."""
    return [
        path
        for method, path, operation in operations(document)
        if method == "get"
        and {"items", "total"} <= set(success_schema(document, operation).get("properties", {}))
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", NO_SUCH_ID, path)


async def document_of(client: AsyncTestClient) -> dict[str, Any]:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


async def test_every_list_is_a_page_chosen_by_limit_and_offset(client: AsyncTestClient) -> None:
    document = await document_of(client)
    bare = [
        path
        for method, path, operation in operations(document)
        if method == "get" and success_schema(document, operation).get("type") == "array"
    ]
    assert bare == []
    lists = list_routes(document)
    for path in ("/flows", "/tables", "/triggers", "/datasets", "/versions", "/plugins"):
        assert path in lists
    unpaged = [
        path
        for method, path, operation in operations(document)
        if method == "get" and path in lists and not {"limit", "offset"} <= query_names(operation)
    ]
    assert unpaged == []


async def test_query_parameters_are_spelt_in_camel_case(client: AsyncTestClient) -> None:
    document = await document_of(client)
    misspelt = [
        (path, name)
        for _, path, operation in operations(document)
        if path not in CALLED_BY_VENDORS
        for name in query_names(operation)
        if not re.fullmatch(r"[a-z][a-zA-Z0-9]*", name)
    ]
    assert misspelt == []


async def test_every_list_refuses_an_unknown_parameter_and_an_offset_past_the_bound(
    client: AsyncTestClient, as_developer: dict[str, str]
) -> None:
    document = await document_of(client)
    unheard: list[str] = []
    for path in list_routes(document):
        url = concrete(path)
        misspelt = await client.get(url, params={"limitt": "5"}, headers=as_developer)
        problem = misspelt.json()
        if misspelt.status_code != 422 or problem["errors"][0]["path"] != "query:limitt":
            unheard.append(f"{path} ?limitt: {misspelt.status_code} {misspelt.text[:200]}")
        huge = await client.get(url, params={"offset": str(2**63)}, headers=as_developer)
        paths = [e["path"] for e in huge.json().get("errors", [])]
        if huge.status_code != 422 or "query:offset" not in paths:
            unheard.append(f"{path} offset=2^63: {huge.status_code} {huge.text[:200]}")
        assert huge.headers["content-type"].startswith("application/problem+json")
    assert unheard == []


async def test_a_misspelt_filter_lists_nothing_and_says_why(
    client: AsyncTestClient, as_admin: dict[str, str]
) -> None:
    # The seed's snake_case spelling used to be the only one that worked; now it is refused.
    snake = await client.get("/trigger-executions", params={"trigger_id": "x"}, headers=as_admin)
    assert snake.status_code == 422
    [error] = snake.json()["errors"]
    assert error["path"] == "query:trigger_id" and error["code"] == "unknown_parameter"
    assert "triggerId" in error["message"]
    camel = await client.get("/trigger-executions", params={"triggerId": "x"}, headers=as_admin)
    assert camel.status_code == 200 and camel.json()["total"] == 0


async def test_booleans_and_date_times_are_written_as_documented(
    client: AsyncTestClient, as_admin: dict[str, str], acme: Tenant
) -> None:
    refused = await client.get(
        "/trigger-executions",
        params={"since": "0.5", "until": "2026-01-01", "status": "MAYBE", "extra": "1"},
        headers=as_admin,
    )
    assert refused.status_code == 422
    assert {e["path"] for e in refused.json()["errors"]} == {
        "query:since",
        "query:until",
        "query:status",
        "query:extra",
    }
    zero = await client.get("/triggers", params={"isActive": "0"}, headers=as_admin)
    assert zero.status_code == 422 and zero.json()["errors"][0]["path"] == "query:isActive"
    fine = await client.get(
        "/trigger-executions",
        params={"since": "2026-01-01T00:00:00Z", "until": "2026-02-01T00:00:00+01:00"},
        headers=as_admin,
    )
    assert fine.status_code == 200, fine.text
    active = await client.get("/triggers", params={"isActive": "true"}, headers=as_admin)
    assert active.status_code == 200 and active.json()["items"] == []


async def test_a_page_past_the_end_is_empty_with_the_total(
    client: AsyncTestClient, as_admin: dict[str, str]
) -> None:
    schema = [{"id": "title", "label": "Title", "type": "text"}]
    for name in ("alpha", "beta", "gamma"):
        created = await client.post(
            "/tables",
            json={"name": name, "displayName": name.title(), "schema": schema},
            headers=as_admin,
        )
        assert created.status_code == 201, created.text
    second = (
        await client.get("/tables", params={"limit": 2, "offset": 2}, headers=as_admin)
    ).json()
    assert (len(second["items"]), second["total"], second["limit"], second["offset"]) == (
        1,
        3,
        2,
        2,
    )
    past = (await client.get("/tables", params={"offset": 10}, headers=as_admin)).json()
    assert (past["items"], past["total"]) == ([], 3)
