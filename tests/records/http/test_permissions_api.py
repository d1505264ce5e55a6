"""Table permissions through HTTP: by default employees and managers read everything but
change and delete only the records they created; a table can narrow each of read, create,
update and delete to own or none per role and hide fields or make them read-only, on every
path that reads or writes records (list, get, patch, delete, restore, bulk, CSV, expansion);
company roles add their grants."""

from __future__ import annotations

import json

from litestar.testing import AsyncTestClient

from core.models import UserRole, user_roles
from tests.world.app import auth_headers
from tests.world.tenants import Tenant

STAFF = [
    {"id": "name", "type": "text", "label": "Name", "required": True},
    {"id": "salary", "type": "number", "label": "Salary"},
    {"id": "status", "type": "dropdown", "label": "Status", "options": ["active", "left"]},
]
RESTRICTED = {
    "EMPLOYEE": {
        "read": "own",
        "update": "none",
        "delete": "none",
        "fields": {"salary": "none", "status": "read"},
    }
}


async def add(client: AsyncTestClient, headers: dict[str, str], table: str, data: dict) -> str:
    response = await client.post(f"/tables/{table}/records", json={"data": data}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_by_default_others_records_can_be_read_but_not_changed_or_deleted(
    client: AsyncTestClient, acme: Tenant, as_admin, as_employee
) -> None:
    as_manager = auth_headers(acme.users[UserRole.MANAGER])
    created = await client.post(
        "/tables", json={"name": "staff", "displayName": "Staff", "schema": STAFF}, headers=as_admin
    )
    assert created.status_code == 201 and created.json()["permissions"] == {}
    admins = await add(client, as_admin, "staff", {"name": "Ada", "salary": 9000})
    mine = await add(client, as_employee, "staff", {"name": "Eve", "salary": 100})

    read = await client.get(f"/tables/staff/records/{admins}", headers=as_employee)
    assert read.status_code == 200 and read.json()["data"]["salary"] == 9000
    for headers in (as_employee, as_manager):
        edit = await client.patch(
            f"/tables/staff/records/{admins}", json={"data": {"salary": 1}}, headers=headers
        )
        assert edit.status_code == 403, edit.text
        assert "only the records you created" in edit.json()["detail"]
        gone = await client.delete(f"/tables/staff/records/{admins}", headers=headers)
        assert gone.status_code == 403
    bulk = await client.post(
        "/tables/staff/records/bulk-update",
        json={"records": [{"id": mine, "data": {}}, {"id": admins, "data": {"salary": 1}}]},
        headers=as_employee,
    )
    assert bulk.status_code == 422
    assert [(e["path"], e["code"]) for e in bulk.json()["errors"]] == [
        ("records[1].id", "forbidden")
    ]
    bulk_delete = await client.post(
        "/tables/staff/records/bulk-delete", json={"ids": [admins]}, headers=as_employee
    )
    assert bulk_delete.status_code == 422

    own = await client.patch(
        f"/tables/staff/records/{mine}", json={"data": {"salary": 200}}, headers=as_employee
    )
    assert own.status_code == 200 and own.json()["data"]["salary"] == 200
    assert (
        await client.delete(f"/tables/staff/records/{mine}", headers=as_employee)
    ).status_code == 204
    assert (
        await client.post(f"/tables/staff/records/{mine}/restore", headers=as_employee)
    ).status_code == 200
    theirs = await client.patch(
        f"/tables/staff/records/{mine}", json={"data": {"status": "left"}}, headers=as_admin
    )
    assert theirs.status_code == 200
    page = (await client.get("/tables/staff/records", headers=as_admin)).json()
    assert {r["data"]["salary"] for r in page["items"]} == {9000, 200}


async def restricted_staff(client: AsyncTestClient, as_admin) -> dict[str, str]:
    created = await client.post(
        "/tables",
        json={
            "name": "staff",
            "displayName": "Staff",
            "schema": STAFF,
            "permissions": RESTRICTED,
        },
        headers=as_admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["permissions"] == RESTRICTED
    return {"admin": await add(client, as_admin, "staff", {"name": "Ada", "salary": 9000})}


async def test_a_restricted_role_reads_only_its_own_records_without_hidden_fields(
    client: AsyncTestClient, as_admin, as_employee
) -> None:
    ids = await restricted_staff(client, as_admin)
    mine = await add(client, as_employee, "staff", {"name": "Eve"})

    page = (await client.get("/tables/staff/records", headers=as_employee)).json()
    assert page["total"] == 1
    assert [(r["id"], r["data"]) for r in page["items"]] == [(mine, {"name": "Eve"})]
    assert (
        await client.get(f"/tables/staff/records/{ids['admin']}", headers=as_employee)
    ).status_code == 404
    admin_sees = (await client.get("/tables/staff/records", headers=as_admin)).json()
    assert admin_sees["total"] == 2
    assert {"name": "Ada", "salary": 9000} in [r["data"] for r in admin_sees["items"]]

    by_salary = await client.get(
        "/tables/staff/records",
        params={"where": json.dumps({">": [{"var": "salary"}, 0]})},
        headers=as_employee,
    )
    assert by_salary.status_code == 422
    assert by_salary.json()["errors"][0]["path"] == "where"
    seed_format = await client.post(
        "/tables/staff/records/query",
        json={
            "where": {
                "operator": "AND",
                "rules": [{"field": "Salary", "operator": "greater_than", "value": 0}],
            }
        },
        headers=as_employee,
    )
    assert seed_format.status_code == 422
    sorted_by = await client.get(
        "/tables/staff/records", params={"sort": "-salary"}, headers=as_employee
    )
    assert sorted_by.status_code == 422 and sorted_by.json()["errors"][0]["path"] == "sort[0]"


async def test_a_restricted_role_cannot_write_hidden_or_read_only_fields_anywhere(
    client: AsyncTestClient, as_admin, as_employee
) -> None:
    await restricted_staff(client, as_admin)
    refused = await client.post(
        "/tables/staff/records",
        json={"data": {"name": "Eve", "salary": 1, "status": "active"}},
        headers=as_employee,
    )
    assert refused.status_code == 422
    assert {(e["path"], e["code"]) for e in refused.json()["errors"]} == {
        ("salary", "field_forbidden"),
        ("status", "field_forbidden"),
    }
    bulk = await client.post(
        "/tables/staff/records/bulk-create",
        json={"records": [{"name": "A"}, {"name": "B", "salary": 5}]},
        headers=as_employee,
    )
    assert bulk.status_code == 422
    assert [e["path"] for e in bulk.json()["errors"]] == ["records[1].salary"]
    imported = await client.post(
        "/tables/staff/records/import",
        content="Name,Salary\nEve,10\n",
        headers={**as_employee, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 422
    assert [e["path"] for e in imported.json()["errors"]] == ["columns[1]"]
    mine = await add(client, as_employee, "staff", {"name": "Eve"})
    assert (
        await client.patch(
            f"/tables/staff/records/{mine}", json={"data": {"name": "E"}}, headers=as_employee
        )
    ).status_code == 403
    assert (
        await client.delete(f"/tables/staff/records/{mine}", headers=as_employee)
    ).status_code == 403
    nothing_written = (await client.get("/tables/staff/records", headers=as_admin)).json()
    assert sorted(r["data"]["name"] for r in nothing_written["items"]) == ["Ada", "Eve"]


async def test_csv_export_leaves_out_hidden_columns_and_others_records(
    client: AsyncTestClient, as_admin, as_employee
) -> None:
    await restricted_staff(client, as_admin)
    mine = await add(client, as_employee, "staff", {"name": "Eve"})
    exported = await client.get("/tables/staff/records/export", headers=as_employee)
    assert exported.status_code == 200
    assert exported.text.splitlines() == ["id,name,status", f"{mine},Eve,"]
    everything = await client.get("/tables/staff/records/export", headers=as_admin)
    assert everything.text.splitlines()[0] == "id,name,salary,status"
    assert len(everything.text.splitlines()) == 3


async def test_expanded_rows_follow_the_readers_permissions_on_their_own_table(
    client: AsyncTestClient, as_admin, as_employee
) -> None:
    ids = await restricted_staff(client, as_admin)
    mine = await add(client, as_employee, "staff", {"name": "Eve"})
    reviews = await client.post(
        "/tables",
        json={
            "name": "reviews",
            "displayName": "Reviews",
            "schema": [
                {"id": "note", "type": "text", "label": "Note"},
                {
                    "id": "people",
                    "type": "record",
                    "label": "People",
                    "settings": {"table": "staff", "multiple": True},
                },
            ],
        },
        headers=as_admin,
    )
    assert reviews.status_code == 201, reviews.text
    review = await add(client, as_admin, "reviews", {"note": "Q1", "people": [ids["admin"], mine]})
    expanded = await client.get(
        f"/tables/reviews/records/{review}", params={"expand": "people"}, headers=as_employee
    )
    assert expanded.status_code == 200, expanded.text
    assert expanded.json()["expanded"]["people"] == [{"id": mine, "data": {"name": "Eve"}}]
    listed = await client.get(
        "/tables/reviews/records", params={"expand": "people"}, headers=as_admin
    )
    people = listed.json()["items"][0]["expanded"]["people"]
    assert [p["data"].get("salary") for p in people] == [9000, None]


async def test_a_company_role_adds_its_grants_to_the_platform_roles(
    client: AsyncTestClient, sessions, acme: Tenant, as_admin, as_employee
) -> None:
    ids = await restricted_staff(client, as_admin)
    widened = await client.patch(
        "/tables/staff",
        json={
            "permissions": {
                **RESTRICTED,
                "Approver": {"read": "all", "update": "all", "fields": {"salary": "read"}},
            }
        },
        headers=as_admin,
    )
    assert widened.status_code == 200, widened.text
    assert "Approver" in acme.roles
    async with sessions.begin() as session:
        await session.execute(
            user_roles.insert().values(
                user_id=acme.users[UserRole.EMPLOYEE].id, role_id=acme.roles["Approver"].id
            )
        )
    seen = await client.get(f"/tables/staff/records/{ids['admin']}", headers=as_employee)
    assert seen.status_code == 200 and seen.json()["data"]["salary"] == 9000
    status = await client.patch(
        f"/tables/staff/records/{ids['admin']}",
        json={"data": {"status": "left"}},
        headers=as_employee,
    )
    assert status.status_code == 422  # read-only still: the Approver entry names only salary
    salary = await client.patch(
        f"/tables/staff/records/{ids['admin']}", json={"data": {"salary": 1}}, headers=as_employee
    )
    assert [e["path"] for e in salary.json()["errors"]] == ["salary"]
    renamed = await client.patch(
        f"/tables/staff/records/{ids['admin']}", json={"data": {"name": "Ad"}}, headers=as_employee
    )
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "Ad"


async def test_permissions_are_checked_when_the_table_is_saved(
    client: AsyncTestClient, as_admin
) -> None:
    refused = await client.post(
        "/tables",
        json={
            "name": "staff",
            "displayName": "Staff",
            "schema": STAFF,
            "permissions": {
                "ADMIN": {"read": "none"},
                "EMPLOYEE": {"read": "mine", "approve": "all", "fields": {"wage": "none"}},
                "MANAGER": {"fields": {"salary": "hidden"}},
                "Auditors": {"read": "all"},
            },
        },
        headers=as_admin,
    )
    assert refused.status_code == 422
    assert {e["path"] for e in refused.json()["errors"]} == {
        "permissions.ADMIN",
        "permissions.EMPLOYEE.read",
        "permissions.EMPLOYEE.approve",
        "permissions.EMPLOYEE.fields.wage",
        "permissions.MANAGER.fields.salary",
        "permissions.Auditors",
    }
    await restricted_staff(client, as_admin)
    dropped = await client.patch(
        "/tables/staff", json={"schema": [STAFF[0], STAFF[2]]}, headers=as_admin
    )
    assert dropped.status_code == 422
    assert dropped.json()["errors"][0]["path"] == "permissions.EMPLOYEE.fields.salary"
