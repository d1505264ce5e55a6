"""Every mutation leaves an audit row in its transaction; files upload and download safely."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import AuditLog, File, UserRole


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
