"""Every mutation leaves an audit row in its transaction; files upload and download safely."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import AuditLog, File, User, UserRole
from tests.world.app import auth_headers
from tests.world.tenants import PASSWORD, make_tenant


async def audit_rows(sessions) -> list[AuditLog]:
    async with sessions() as session:
        return list((await session.scalars(sa.select(AuditLog).order_by(AuditLog.timestamp))).all())


async def test_mutations_are_audited_with_who_what_and_where(client, acme, as_admin, sessions):
    headers = as_admin | {"User-Agent": "audit-test/1.0"}
    created = (await client.post("/roles", json={"name": "Clerk"}, headers=headers)).json()
    await client.patch(
        f"/roles/{created['id']}", json={"description": "Counts things"}, headers=headers
    )
    await client.delete(f"/roles/{created['id']}", headers=headers)
    rows = await audit_rows(sessions)
    assert [r.action for r in rows] == ["role.created", "role.updated", "role.deleted"]
    created_row, updated_row, deleted_row = rows
    assert created_row.entity == "Role" and created_row.entity_id == created["id"]
    assert created_row.user_id == acme.users[UserRole.ADMIN].id
    assert created_row.company_id == acme.company.id
    assert created_row.user_agent == "audit-test/1.0" and created_row.ip_address
    assert updated_row.changes["before"]["description"] is None
    assert updated_row.changes["after"]["description"] == "Counts things"
    assert set(updated_row.changes["after"]) == {"description", "updated_at"}
    assert deleted_row.changes["before"]["name"] == "Clerk"


async def test_a_refused_mutation_leaves_no_audit_row(client, acme, as_admin, sessions) -> None:
    await client.post("/roles", json={"name": "Approver"}, headers=as_admin)  # duplicate
    await client.post("/roles", json={"name": 5}, headers=as_admin)  # invalid
    assert await audit_rows(sessions) == []


async def test_audit_log_of_an_entity_with_user_names_newest_first(client, acme, as_admin):
    role = (await client.post("/roles", json={"name": "Clerk"}, headers=as_admin)).json()
    for n in range(3):
        await client.patch(f"/roles/{role['id']}", json={"description": str(n)}, headers=as_admin)
    page = (
        await client.get(f"/audit-logs?entity=Role&entityId={role['id']}", headers=as_admin)
    ).json()
    assert page["total"] == 4 and page["limit"] == 50
    assert [e["action"] for e in page["items"]] == ["role.updated"] * 3 + ["role.created"]
    assert page["items"][0]["user"] == {
        "firstName": "Admin",
        "lastName": "Acme",
        "email": "admin@acme.test",
        "role": "ADMIN",
    }


async def test_upload_download_and_limits(client, acme, as_employee, globex, sessions, tmp_path):
    pdf = b"%PDF-1.4 receipt"
    uploaded = await client.post(
        "/files?context=task_attachment",
        files={"file": ("../../etc/receipt.pdf", pdf, "application/pdf")},
        headers=as_employee,
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["originalName"] == "receipt.pdf" and body["size"] == len(pdf)
    async with sessions() as session:
        row = await session.get(File, body["id"])
    assert ".." not in row.path and row.path.startswith(acme.company.id + "/")
    download = await client.get(f"/files/{body['id']}/content", headers=as_employee)
    assert download.status_code == 200 and download.content == pdf
    assert "attachment" in download.headers["content-disposition"]

    refused = await client.post(
        "/files", files={"file": ("x.sh", b"#!/bin/sh", "text/x-sh")}, headers=as_employee
    )
    assert refused.status_code == 415 and refused.json()["code"] == "file_type_refused"
    big = await client.post(
        "/files",
        files={"file": ("big.pdf", b"x" * (65 * 1024), "application/pdf")},
        headers=as_employee,
    )
    assert big.status_code == 413 and big.json()["code"] == "file_too_large"
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(File)) == 1
    stored = list((tmp_path / "files").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 1


async def test_a_new_companys_log_names_the_platform_developer_who_set_it_up(
    rls_client, sessions, globex
) -> None:
    """Row-level security is live (the API connects as a role that is neither superuser nor
    BYPASSRLS). The developer's user row belongs to another company, yet the new company's
    admin reads every entry, each naming its author, and nothing else of that company."""
    platform = await make_tenant(sessions, "Platform")
    developer = platform.users[UserRole.DEVELOPER]
    client = rls_client
    created = await client.post(
        "/companies",
        json={"name": "Initech", "domain": "initech.test"},
        headers=auth_headers(developer),
    )
    assert created.status_code == 201, created.text
    initech = created.json()["id"]
    as_developer_in_initech = auth_headers(developer) | {"X-Company-Id": initech}
    first_admin = await client.post(
        "/users",
        json={
            "email": "boss@initech.test",
            "password": PASSWORD,
            "firstName": "Bill",
            "lastName": "Lumbergh",
            "role": "ADMIN",
        },
        headers=as_developer_in_initech,
    )
    assert first_admin.status_code == 201, first_admin.text
    async with sessions() as session:
        admin = await session.get(User, first_admin.json()["id"])
    as_initech_admin = auth_headers(admin)
    department = await client.post(
        "/departments", json={"name": "TPS Reports"}, headers=as_initech_admin
    )
    assert department.status_code == 201, department.text

    by_developer = {
        "firstName": "Developer",
        "lastName": "Platform",
        "email": "developer@platform.test",
        "role": "DEVELOPER",
    }
    by_admin = {
        "firstName": "Bill",
        "lastName": "Lumbergh",
        "email": "boss@initech.test",
        "role": "ADMIN",
    }
    for reader in (as_initech_admin, as_developer_in_initech):
        listed = await client.get("/audit-logs?sort=timestamp", headers=reader)
        assert listed.status_code == 200, listed.text
        entries = listed.json()["items"]
        assert [(e["action"], e["user"]) for e in entries] == [
            ("company.created", by_developer),
            ("user.created", by_developer),
            ("department.created", by_admin),
        ]
        # The developer's company appears nowhere: not its id, not its other users.
        assert platform.company.id not in listed.text
        assert "admin@platform.test" not in listed.text
        for entry in entries:
            one = await client.get(f"/audit-logs/{entry['id']}", headers=reader)
            assert one.status_code == 200, one.text
            assert one.json() == entry

    # Another company's admin sees none of it.
    others = await client.get("/audit-logs", headers=auth_headers(globex.users[UserRole.ADMIN]))
    assert others.status_code == 200 and others.json()["items"] == []
