"""The OpenAPI document says what the API does (issue 16, 2.11), and what schemathesis found
where it did not: problems on every operation, public routes without a token, downloads as
they are sent, inputs taken exactly as documented."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from api.errors import PROBLEM_JSON

PUBLIC = {
    ("get", "/health"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/invitation"),
    ("post", "/auth/invitation/accept"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("post", "/auth/login/two-factor"),
    ("post", "/auth/login/two-factor/setup"),
    ("get", "/auth/providers"),
    ("get", "/auth/oidc/{provider_id}/start"),
    ("get", "/auth/oidc/callback"),
    ("post", "/auth/oidc/exchange"),
    ("get", "/action-links/{token}"),
    ("post", "/webhooks/{endpoint_id}"),
    ("get", "/integrations/oauth/callback"),
}
"""The routes anyone may call (api/security.py: `opt={"public": True}`)."""


async def document(client: AsyncTestClient) -> dict[str, Any]:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }


def component(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_only_the_public_routes_need_no_token(client) -> None:
    doc = await document(client)
    assert doc["security"] == [{"BearerToken": []}]
    public = {key for key, op in operations(doc).items() if op.get("security") == []}
    assert public == PUBLIC
    # A public route answers 401 only for credentials of its own (a password, a refresh
    # token, a sign-in's challenge, a delivery's signature), never for want of a token.
    checks_its_own = {
        "/auth/login",
        "/auth/refresh",
        "/auth/login/two-factor",
        "/auth/login/two-factor/setup",
        "/webhooks/{endpoint_id}",
    }
    claiming = {
        path for method, path in PUBLIC if "401" in operations(doc)[method, path]["responses"]
    }
    assert claiming == checks_its_own


async def test_every_operation_lists_its_problems_as_problem_documents(client) -> None:
    doc = await document(client)
    wanting: list[str] = []
    for (method, path), op in operations(doc).items():
        answers = op["responses"]
        expected = {"422"} | (set() if (method, path) in PUBLIC else {"401", "403", "404"})
        if "{" in path:
            expected.add("404")
        if (method, path) not in PUBLIC and method != "get":
            expected.add("409")
        if missing := expected - set(answers):
            wanting.append(f"{method.upper()} {path}: no {sorted(missing)}")
        for status, answer in answers.items():
            if (method, path, status) == ("get", "/health/ready", "503"):
                continue  # the readiness report itself, naming what is unreachable
            if status >= "400" and list(answer.get("content", {})) != [PROBLEM_JSON]:
                wanting.append(f"{method.upper()} {path} {status}: {list(answer['content'])}")
    assert wanting == []
    problem = doc["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "detail", "code", "instance"} <= set(problem["required"])
    assert "errors" in problem["properties"]


async def test_a_download_documents_its_type_and_headers_as_sent(client, as_admin) -> None:
    doc = await document(client)
    success = operations(doc)["get", "/files/{id}/content"]["responses"]["200"]
    assert list(success["content"]) == ["*/*"]
    headers = success["headers"]
    assert headers["last-modified"]["schema"]["type"] == "string"
    assert "format" not in headers["last-modified"]["schema"]  # an HTTP-date, not RFC 3339
    upload = await client.post(
        "/files", files={"file": ("note.txt", b"hello", "text/plain")}, headers=as_admin
    )
    assert upload.status_code == 201, upload.text
    sent = await client.get(f"/files/{upload.json()['id']}/content", headers=as_admin)
    assert sent.status_code == 200
    assert sent.headers["content-type"].startswith("text/plain")
    for name in ("last-modified", "etag", "content-length", "content-disposition"):
        assert name in headers and name in sent.headers, name
    assert sent.headers["last-modified"].endswith(" GMT")


async def test_csv_routes_document_csv(client) -> None:
    ops = operations(await document(client))
    assert list(ops["get", "/tables/{table}/records/export"]["responses"]["200"]["content"]) == [
        "text/csv"
    ]
    imported = ops["post", "/tables/{table}/records/import"]["requestBody"]["content"]
    assert list(imported) == ["text/csv"]
    assert list(ops["post", "/webhooks/{endpoint_id}"]["requestBody"]["content"]) == [
        "application/json"
    ]


async def test_query_parameters_are_never_null_and_sorts_are_listed(client) -> None:
    doc = await document(client)
    nullable = [
        f"{method} {path} {param['name']}"
        for (method, path), op in operations(doc).items()
        for param in op.get("parameters", [])
        if "null" in str(param.get("schema"))
    ]
    assert nullable == []
    (sort,) = [p for p in operations(doc)["get", "/tasks"]["parameters"] if p["name"] == "sort"]
    assert set(sort["schema"]["enum"]) >= {"name", "-name", "createdAt", "-createdAt"}
    # The bounds of an optional parameter stay with it once its null alternative is gone.
    context = next(p for p in operations(doc)["post", "/files"]["parameters"])
    assert context["schema"] == {"type": "string", "maxLength": 64}
    limit = next(p for p in operations(doc)["get", "/tasks"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200 and isinstance(limit["schema"]["maximum"], int)


async def test_bodies_document_unknown_fields_and_nested_bounds(client) -> None:
    doc = await document(client)
    user = component(doc, {"$ref": "#/components/schemas/UserCreate"})
    assert user["additionalProperties"] is False
    (ids,) = [
        s
        for s in user["properties"]["roleIds"].get("oneOf", [user["properties"]["roleIds"]])
        if s.get("type") == "array"
    ]
    assert ids["items"]["minLength"] == 1
    branch = component(doc, {"$ref": "#/components/schemas/BranchIn"})
    to_level = branch["properties"]["toLevel"]["oneOf"]
    assert {"type": "integer", "maximum": 1000, "minimum": 1} in to_level


async def test_a_boolean_or_enum_query_parameter_is_not_null_or_a_number(
    client, acme, as_admin
) -> None:
    for params in ({"isActive": "0.5"}, {"isActive": "null"}, {"isActive": "0"}):
        refused = await client.get("/triggers", params=params, headers=as_admin)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        assert [e["path"] for e in refused.json()["errors"]] == ["query:isActive"]
    # `null` used to pass for an absent value on every optional parameter but text.
    for path, name in (("/flows", "status"), ("/triggers", "eventType"), ("/users", "role")):
        refused = await client.get(path, params={name: "null"}, headers=as_admin)
        assert refused.status_code == 422, (path, refused.text)
        assert [e["path"] for e in refused.json()["errors"]] == [f"query:{name}"]
    since = await client.get("/trigger-executions", params={"since": "0.5"}, headers=as_admin)
    assert since.status_code == 422 and since.json()["errors"][0]["path"] == "query:since"


async def test_a_body_is_taken_exactly_as_documented(client, acme, as_admin) -> None:
    # Litestar converted bodies leniently: `0` was taken for false and `"3"` for 3.
    user = {"email": "zero@acme.example", "password": "long enough", "isActive": 0}
    refused = await client.post("/users", json=user, headers=as_admin)
    assert refused.status_code == 422, refused.text
    assert [e["path"] for e in refused.json()["errors"]] == ["/isActive"]
    # A whole number written 3.0 is an integer, to JSON Schema as to the API.
    created = await client.post(
        "/tables", json={"name": "t", "displayName": "T", "schema": []}, headers=as_admin
    )
    assert created.status_code == 201, created.text
    page = await client.post("/tables/t/records/query", json={"limit": 3.0}, headers=as_admin)
    assert page.status_code == 200, page.text
    assert page.json()["limit"] == 3
    quoted = await client.post("/tables/t/records/query", json={"limit": "3"}, headers=as_admin)
    assert quoted.status_code == 422
    assert [e["path"] for e in quoted.json()["errors"]] == ["/limit"]


async def test_options_names_every_method_of_a_path_without_a_token(client) -> None:
    # Litestar listed only the first handler registered on a path, and a router's guards
    # ran on its OPTIONS answer without a user: 500 on /inbox, /plugins and the like.
    for path, methods in (
        ("/companies", "GET, OPTIONS, POST"),
        ("/companies/x", "DELETE, GET, OPTIONS, PATCH"),
        ("/inbox", "GET, OPTIONS"),
        ("/plugins", "GET, OPTIONS"),
        ("/me/delegation", "DELETE, GET, OPTIONS, PUT"),
    ):
        answer = await client.options(path)
        assert answer.status_code == 204, (path, answer.text)
        assert answer.headers["allow"] == methods, path
