"""Custom tables and records through HTTP: problem responses list every offending field,
filters and pagination travel in the query string, CSV goes in and out, other companies see
nothing."""

from __future__ import annotations

import json

import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from core.models import UserRole
from tests.world.app import auth_headers
from tests.world.tenants import Tenant

SCHEMA = [
    {"id": "title", "type": "text", "label": "Title", "required": True},
    {
        "id": "amount",
        "type": "currency",
        "label": "Amount",
        "indexed": True,
        "validation": {"min": 0},
    },
    {"id": "status", "type": "dropdown", "label": "Status", "options": ["open", "paid"]},
]


async def make_table(client: AsyncTestClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/tables",
        json={"name": "invoices", "displayName": "Invoices", "schema": SCHEMA},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_a_table_and_its_records_through_http(
    client: AsyncTestClient, as_admin, as_employee
) -> None:
    await make_table(client, as_admin)
    bad = await client.post(
        "/tables/invoices/records",
        json={"data": {"amount": -1, "status": "lost"}},
        headers=as_employee,
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert {e["path"] for e in problem["errors"]} == {"title", "amount", "status"}

    created = await client.post(
        "/tables/invoices/records",
        json={"data": {"title": "INV-1", "amount": 120.5, "status": "open"}},
        headers=as_employee,
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    bulk = await client.post(
        "/tables/invoices/records/bulk-create",
        json={
            "records": [
                {"title": f"INV-{i}", "amount": i * 100, "status": "paid"} for i in range(2, 6)
            ]
        },
        headers=as_employee,
    )
    assert bulk.json()["count"] == 4

    page = await client.get(
        "/tables/invoices/records",
        params={
            "where": json.dumps({">": [{"var": "amount"}, 150]}),
            "sort": "-amount",
            "limit": 2,
        },
        headers=as_employee,
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 4
    assert [r["data"]["title"] for r in body["items"]] == ["INV-5", "INV-4"]

    changed = await client.patch(
        f"/tables/invoices/records/{rid}", json={"data": {"status": "paid"}}, headers=as_employee
    )
    assert changed.json()["data"] == {"title": "INV-1", "amount": 120.5, "status": "paid"}
    assert (
        await client.delete(f"/tables/invoices/records/{rid}", headers=as_employee)
    ).status_code == 204
    assert (
        await client.get(f"/tables/invoices/records/{rid}", headers=as_employee)
    ).status_code == 404
    restored = await client.post(f"/tables/invoices/records/{rid}/restore", headers=as_employee)
    assert restored.status_code == 200 and restored.json()["deletedAt"] is None


async def test_schema_changes_that_break_records_are_refused_with_the_records(
    client: AsyncTestClient, as_admin, as_employee
) -> None:
    await make_table(client, as_admin)
    await client.post(
        "/tables/invoices/records",
        json={"data": {"title": "A", "amount": 900}},
        headers=as_employee,
    )
    stricter = [dict(SCHEMA[0]), {**SCHEMA[1], "validation": {"min": 0, "max": 500}}, SCHEMA[2]]
    refused = await client.patch("/tables/invoices", json={"schema": stricter}, headers=as_admin)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["path"].endswith("].amount") and error["code"] == "above_maximum"
    employees_cannot = await client.patch(
        "/tables/invoices", json={"displayName": "X"}, headers=as_employee
    )
    assert employees_cannot.status_code == 403


async def test_csv_in_and_out(client: AsyncTestClient, as_admin, as_employee) -> None:
    await make_table(client, as_admin)
    imported = await client.post(
        "/tables/invoices/records/import",
        content="Title,Amount,Status\nINV-9,10.25,open\nINV-8,3,paid\n",
        headers={**as_employee, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["count"] == 2
    exported = await client.get(
        "/tables/invoices/records/export", params={"sort": "amount"}, headers=as_employee
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "id,title,amount,status"
    assert [line.split(",", 1)[1] for line in lines[1:]] == ["INV-8,3,paid", "INV-9,10.25,open"]
    bad_filter = await client.get(
        "/tables/invoices/records/export", params={"where": "{"}, headers=as_employee
    )
    assert bad_filter.status_code == 422


async def test_another_company_sees_no_table_and_no_record(
    client: AsyncTestClient, acme: Tenant, globex: Tenant, as_admin
) -> None:
    table_id = await make_table(client, as_admin)
    rid = (
        await client.post(
            "/tables/invoices/records", json={"data": {"title": "A"}}, headers=as_admin
        )
    ).json()["id"]
    outsider = auth_headers(globex.users[UserRole.ADMIN])
    assert (await client.get(f"/tables/{table_id}", headers=outsider)).status_code == 404
    assert (
        await client.get(f"/tables/{table_id}/records/{rid}", headers=outsider)
    ).status_code == 404
    assert (await client.get("/tables", headers=outsider)).json()["items"] == []


async def test_datasets_through_http_respect_visibility(
    client: AsyncTestClient, acme: Tenant, as_admin, as_employee
) -> None:
    sections = [{"id": "s", "title": "S", "fields": [{"id": "f", "type": "text", "label": "F"}]}]
    created = await client.post(
        "/datasets",
        json={"name": "Budgets", "sections": sections, "visibility": {"roles": ["Approver"]}},
        headers=as_admin,
    )
    assert created.status_code == 201, created.text
    did = created.json()["id"]
    assert (await client.post(f"/datasets/{did}/publish", headers=as_admin)).json()[
        "status"
    ] == "PUBLISHED"
    assert (await client.get("/datasets", headers=as_employee)).json()["items"] == []
    assert (await client.get(f"/datasets/{did}", headers=as_employee)).status_code == 404
    assert [
        d["name"] for d in (await client.get("/datasets", headers=as_admin)).json()["items"]
    ] == ["Budgets"]


async def test_plugins_and_field_types_are_listed(client: AsyncTestClient, as_employee) -> None:
    plugins = (await client.get("/plugins", headers=as_employee)).json()["items"]
    numbers = next(p for p in plugins if p["name"] == "plugins.fields.numbers")
    assert numbers["provides"] == {"field_types": ["number", "currency"]}
    types = {
        t["name"]: t
        for t in (await client.get("/field-types", headers=as_employee)).json()["items"]
    }
    assert types["number"]["settings"] == ["step"] and types["number"]["validation"] == [
        "max",
        "min",
    ]
    assert types["dropdown"]["options"] is True


async def test_a_large_tables_total_is_counted_as_asked(
    client: AsyncTestClient, sessions, as_admin, as_employee
) -> None:
    table_id = await make_table(client, as_admin)
    async with sessions() as session, session.begin():
        company_id = await session.scalar(
            sa.text("SELECT company_id FROM custom_tables WHERE id = :t"), {"t": table_id}
        )
        await session.execute(
            sa.text(
                "INSERT INTO custom_table_records (id, table_id, company_id, data) "
                'SELECT gen_random_uuid()::text, :t, :c, \'{"title": "x"}\'::jsonb '
                "FROM generate_series(1, 10001)"
            ),
            {"t": table_id, "c": company_id},
        )

    async def listing(**params: str) -> dict:
        response = await client.get(
            "/tables/invoices/records", params={"limit": "3", **params}, headers=as_employee
        )
        assert response.status_code == 200, response.text
        return response.json()

    exact = await listing()
    assert (exact["total"], exact["totalIsExact"], len(exact["items"])) == (10001, True, 3)
    bounded = await listing(count="bounded")
    assert (bounded["total"], bounded["totalIsExact"]) == (10000, False)
    narrow = await listing(count="bounded", where=json.dumps({"==": [{"var": "title"}, "y"]}))
    assert (narrow["total"], narrow["totalIsExact"]) == (0, True)
    none = await listing(count="none")
    assert (none["total"], none["totalIsExact"], len(none["items"])) == (None, False, 3)
    after = await listing(count="none", after=none["nextCursor"])
    assert {r["id"] for r in after["items"]}.isdisjoint(r["id"] for r in none["items"])

    # Counted once, apart from the pages: exactly, or up to the bound.
    async def counted(**params: str) -> tuple[int, bool]:
        response = await client.get(
            "/tables/invoices/records/count", params=params, headers=as_employee
        )
        assert response.status_code == 200, response.text
        return response.json()["total"], response.json()["totalIsExact"]

    assert await counted() == (10001, True)
    assert await counted(count="bounded") == (10000, False)
    assert await counted(where=json.dumps({"==": [{"var": "title"}, "y"]})) == (0, True)

    bad = await client.get(
        "/tables/invoices/records", params={"count": "roughly"}, headers=as_employee
    )
    assert bad.status_code == 400 or bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    both = await client.get(
        "/tables/invoices/records",
        params={"after": none["nextCursor"], "offset": "3", "count": "none"},
        headers=as_employee,
    )
    assert both.status_code == 422, both.text
    assert [e["path"] for e in both.json()["errors"]] == ["offset"]
