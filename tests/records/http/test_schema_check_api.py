"""What a schema change would do, asked before it is made (POST /tables/{id}/schema-check):
the records that would no longer fit, the fields dropped with how many values they hold, type
changes and indexes; a bad schema, relations or permissions are a problem listing every
offending field; nothing is written either way. The JSON Schemas of relations and
permissions the table designer renders its editors from."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from core.database import transaction
from core.models import AuditLog, CustomTable
from tests.world.records import EXPENSES_SCHEMA
from tests.world.tenants import Tenant


async def make_expenses(client: AsyncTestClient, headers: dict[str, str]) -> str:
    made = await client.post(
        "/tables",
        json={"name": "expenses", "displayName": "Expenses", "schema": EXPENSES_SCHEMA},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    for data in (
        {"title": "Pens", "amount": 5, "approved": True},
        {"title": "Laptop", "amount": 2000, "category": "Equipment"},
        {"title": "Taxi", "amount": 40},
    ):
        added = await client.post("/tables/expenses/records", json={"data": data}, headers=headers)
        assert added.status_code == 201, added.text
    return str(made.json()["id"])


async def written(acme: Tenant) -> tuple[Any, int]:
    """The table's stored schema and the number of audit rows: what a check must not change."""
    async with transaction(acme.sessions, company_id=acme.company_id) as s:
        schema = await s.scalar(sa.select(CustomTable.schema))
        audits = await s.scalar(sa.select(sa.func.count()).select_from(AuditLog))
        return schema, int(audits or 0)


async def test_a_change_shows_misfits_dropped_values_and_type_changes_writing_nothing(
    client: AsyncTestClient, acme: Tenant, as_admin: dict[str, str]
) -> None:
    table = await make_expenses(client, as_admin)
    before = await written(acme)
    new = [dict(f) for f in EXPENSES_SCHEMA if f["id"] not in ("approved", "category")]
    new[1] = {**new[1], "validation": {"max": 1000}}  # the laptop no longer fits
    new[0] = {**new[0], "indexed": False}
    new.append({"id": "category", "type": "text", "label": "Category"})  # dropdown -> text
    new.append({"id": "receipt", "type": "text", "label": "Receipt no"})

    checked = await client.post(
        f"/tables/{table}/schema-check", json={"schema": new}, headers=as_admin
    )
    assert checked.status_code == 200, checked.text
    answer = checked.json()
    assert answer["fits"] is False and answer["records"] == 3 and answer["misfits"] == 1
    [problem] = answer["problems"]
    assert problem["path"].endswith("].amount") and problem["code"] == "above_maximum"
    assert [(d["id"], d["values"]) for d in answer["dropped"]] == [("approved", 1)]
    assert [(r["id"], r["before"], r["type"], r["values"]) for r in answer["retyped"]] == [
        ("category", "dropdown", "text", 1)
    ]
    assert [a["id"] for a in answer["added"]] == ["receipt"]
    assert answer["indexesDropped"] == ["title"] and answer["indexesAdded"] == []
    assert await written(acme) == before

    # Within the laptop's amount, the same change fits; saving it then does what was shown.
    new[1] = {**new[1], "validation": {"max": 5000}}
    fits = await client.post(
        f"/tables/{table}/schema-check", json={"schema": new}, headers=as_admin
    )
    assert fits.json()["fits"] is True and fits.json()["problems"] == []
    assert await written(acme) == before
    saved = await client.patch(f"/tables/{table}", json={"schema": new}, headers=as_admin)
    assert saved.status_code == 200, saved.text
    records = await client.get("/tables/expenses/records", headers=as_admin)
    assert all("approved" not in r["data"] for r in records.json()["items"])


async def test_a_bad_schema_relations_or_permissions_name_every_offending_field(
    client: AsyncTestClient, acme: Tenant, as_admin: dict[str, str]
) -> None:
    table = await make_expenses(client, as_admin)
    before = await written(acme)
    bad = await client.post(
        f"/tables/{table}/schema-check",
        json={
            "schema": [
                {"id": "title", "type": "nope", "label": "Title"},
                {"id": "amount", "type": "number", "label": ""},
            ]
        },
        headers=as_admin,
    )
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    paths = {e["path"] for e in bad.json()["errors"]}
    assert {"schema[0].type", "schema[1].label"} <= paths, paths

    others = await client.post(
        f"/tables/{table}/schema-check",
        json={
            "schema": EXPENSES_SCHEMA,
            "relations": [{"name": "x", "type": "sideways", "table": "expenses", "field": "title"}],
            "permissions": {
                "EMPLOYEE": {"read": "most", "fields": {"ghost": "none"}},
                "ADMIN": {"read": "none"},
            },
        },
        headers=as_admin,
    )
    assert others.status_code == 422, others.text
    assert {e["path"] for e in others.json()["errors"]} == {
        "relations[0].type",
        "permissions.EMPLOYEE.read",
        "permissions.EMPLOYEE.fields.ghost",
        "permissions.ADMIN",
    }
    unknown = await client.post(
        f"/tables/{table}/schema-check", json={"schema": [], "colour": "red"}, headers=as_admin
    )
    assert unknown.status_code == 422, unknown.text
    assert [e["path"] for e in unknown.json()["errors"]] == ["/colour"]
    assert await written(acme) == before


async def test_only_builders_check_and_only_their_company_s_tables(
    client: AsyncTestClient, acme: Tenant, globex: Tenant, as_admin, as_employee
) -> None:
    table = await make_expenses(client, as_admin)
    denied = await client.post(
        f"/tables/{table}/schema-check", json={"schema": EXPENSES_SCHEMA}, headers=as_employee
    )
    assert denied.status_code == 403
    elsewhere = await client.post(
        f"/tables/{table}/schema-check", json={"schema": EXPENSES_SCHEMA}, headers=globex.headers()
    )
    assert elsewhere.status_code == 404


async def test_the_designer_reads_json_schemas_of_relations_and_permissions(
    client: AsyncTestClient, as_admin: dict[str, str]
) -> None:
    answer = await client.get("/tables/definition-schemas", headers=as_admin)
    assert answer.status_code == 200, answer.text
    schemas = answer.json()
    relation = schemas["relations"]["items"]
    assert relation["properties"]["type"]["enum"] == ["one-to-many", "many-to-many"]
    assert set(relation["required"]) == {"name", "type", "table", "field"}
    role = schemas["permissions"]["additionalProperties"]
    assert [o["const"] for o in role["properties"]["read"]["oneOf"]] == ["all", "own", "none"]
    assert role["properties"]["update"]["default"] == "own"
    access = role["properties"]["fields"]["additionalProperties"]["oneOf"]
    assert [o["const"] for o in access] == ["write", "read", "none"]
    assert schemas["platformRoles"] == ["MANAGER", "EMPLOYEE"]
