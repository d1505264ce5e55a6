"""API keys: a machine client acts in its company with the permissions its key was given
(never more than its maker's), is refused from the request after a revocation, is named in
the audit trail, and is held to its rate; the key is shown once and never again."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.models import ApiKey, AuditLog, User, UserRole, utcnow
from core.settings import AccountSettings
from tests.world.app import make_settings

RATE = 30


@pytest.fixture
def app_settings(database_url, tmp_path):
    settings = make_settings(database_url, tmp_path / "files")
    return dataclasses.replace(settings, accounts=AccountSettings(api_key_rate_per_minute=RATE))


async def make_key(client, headers, permissions, name="Nightly import", **extra) -> dict:
    made = await client.post(
        "/api-keys", json={"name": name, "permissions": permissions, **extra}, headers=headers
    )
    assert made.status_code == 201, made.text
    return made.json()


def bearer(key: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['key']}"}


async def test_a_key_does_what_it_was_given_and_nothing_else(client, acme, as_admin) -> None:
    key = await make_key(client, as_admin, ["tasks.read", "records.read"])
    assert key["key"].startswith("erp_") and len(key["key"]) > 40
    assert key["prefix"] == key["key"][:12] and key["active"] is True
    tasks = await client.get("/tasks", headers=bearer(key))
    assert tasks.status_code == 200, tasks.text
    refused = await client.post("/tasks", json={"name": "X", "fields": []}, headers=bearer(key))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "Nightly import" in refused.json()["detail"]
    me = (await client.get("/auth/me", headers=bearer(key))).json()
    assert me["apiKeyName"] == "Nightly import"
    assert me["permissions"] == ["records.read", "tasks.read"]
    assert me["user"]["id"] == acme.users[UserRole.ADMIN].id


async def test_a_key_is_shown_once_and_never_listed(client, acme, as_admin, sessions) -> None:
    key = await make_key(client, as_admin, ["tasks.read"])
    listed = await client.get("/api-keys", headers=as_admin)
    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    assert key["key"] not in listed.text
    assert "keyHash" not in listed.text
    async with sessions() as session:
        stored = await session.scalar(sa.select(ApiKey.key_hash))
    assert stored not in listed.text and key["key"] not in stored


async def test_a_key_may_hold_no_more_than_its_maker_and_every_fault_is_listed(
    client, acme, as_admin
) -> None:
    answer = await client.post(
        "/api-keys",
        json={
            "name": "Too much",
            "permissions": ["tasks.read", "versions.write", "no.such.thing"],
            "expiresAt": (utcnow() - timedelta(days=1)).isoformat(),
        },
        headers=as_admin,
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {(e["path"], e["code"]) for e in problem["errors"]} == {
        ("/permissions/1", "not_yours_to_grant"),
        ("/permissions/2", "unknown"),
        ("/expiresAt", "past"),
    }
    shapeless = await client.post(
        "/api-keys", json={"name": "", "permissions": "all", "extra": 1}, headers=as_admin
    )
    assert shapeless.status_code == 422
    assert {e["path"] for e in shapeless.json()["errors"]} >= {"/name", "/permissions"}


async def test_an_employee_may_not_make_keys(client, acme, as_employee) -> None:
    answer = await client.post(
        "/api-keys", json={"name": "Mine", "permissions": ["tasks.read"]}, headers=as_employee
    )
    assert answer.status_code == 403


async def test_a_key_manages_keys_only_when_granted_and_then_within_its_own(
    client, acme, as_admin
) -> None:
    plain = await make_key(client, as_admin, ["tasks.read"])
    refused = await client.post(
        "/api-keys", json={"name": "Child", "permissions": ["tasks.read"]}, headers=bearer(plain)
    )
    assert refused.status_code == 403
    manager = await make_key(client, as_admin, ["api_keys.manage", "tasks.read"], name="Keys")
    child = await client.post(
        "/api-keys",
        json={"name": "Child", "permissions": ["tasks.read", "tasks.write"]},
        headers=bearer(manager),
    )
    assert child.status_code == 422
    assert [e["path"] for e in child.json()["errors"]] == ["/permissions/1"]
    ok = await make_key(client, bearer(manager), ["tasks.read"], name="Child")
    assert ok["permissions"] == ["tasks.read"]


async def test_revoking_a_key_refuses_its_next_request(client, acme, as_admin, sessions) -> None:
    key = await make_key(client, as_admin, ["tasks.read"])
    assert (await client.get("/tasks", headers=bearer(key))).status_code == 200
    revoked = await client.delete(f"/api-keys/{key['id']}", headers=as_admin)
    assert revoked.status_code == 204
    refused = await client.get("/tasks", headers=bearer(key))
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
    listed = (await client.get("/api-keys", headers=as_admin)).json()["items"]
    assert listed[0]["active"] is False and listed[0]["revokedAt"] is not None


async def test_an_expired_key_and_a_key_of_a_deactivated_maker_are_refused(
    client, acme, as_admin, sessions
) -> None:
    expiring = await make_key(
        client, as_admin, ["tasks.read"], expiresAt=(utcnow() + timedelta(days=1)).isoformat()
    )
    other = await make_key(client, as_admin, ["tasks.read"], name="Other")
    async with sessions.begin() as session:
        await session.execute(
            sa.update(ApiKey)
            .where(ApiKey.id == expiring["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    from core.auth.keys import forget_keys

    forget_keys()  # what this process read of the keys a moment ago
    assert (await client.get("/tasks", headers=bearer(expiring))).status_code == 401
    assert (await client.get("/tasks", headers=bearer(other))).status_code == 200
    async with sessions.begin() as session:
        await session.execute(
            sa.update(User).where(User.id == acme.users[UserRole.ADMIN].id).values(is_active=False)
        )
    forget_keys()
    assert (await client.get("/tasks", headers=bearer(other))).status_code == 401


async def test_a_key_acts_in_its_own_company_only(client, acme, globex, as_admin) -> None:
    key = await make_key(client, as_admin, ["companies.read", "tasks.read"])
    theirs = await client.post(
        "/tasks", json={"name": "Globex form", "fields": []}, headers=globex.headers()
    )
    assert theirs.status_code == 201
    across = {**bearer(key), "X-Company-Id": globex.company_id}
    assert (await client.get(f"/tasks/{theirs.json()['id']}", headers=across)).status_code == 404
    companies = (await client.get("/companies", headers=across)).json()
    assert [c["id"] for c in companies["items"]] == [acme.company_id]


async def test_a_developers_key_of_a_company_is_that_companys_admin(
    client, acme, globex, as_developer
) -> None:
    key = await make_key(client, as_developer, ["companies.read", "tasks.read"])
    assert key["companyId"] == acme.company_id
    refused = await client.post(
        "/api-keys", json={"name": "V", "permissions": ["versions.write"]}, headers=as_developer
    )
    assert refused.status_code == 422  # a company's key cannot hold a developer's rights
    across = {**bearer(key), "X-Company-Id": globex.company_id}
    companies = (await client.get("/companies", headers=across)).json()
    assert [c["id"] for c in companies["items"]] == [acme.company_id]


async def test_a_developers_platform_key_names_its_company_per_request(
    client, acme, globex
) -> None:
    developer = acme.headers(UserRole.DEVELOPER)  # at platform level: no company named
    key = await make_key(client, developer, ["tasks.read", "versions.read"])
    assert key["companyId"] is None
    assert (await client.get("/api-keys", headers=developer)).json()["total"] == 1
    assert (await client.get("/api-keys", headers=acme.headers(in_company=True))).json()[
        "total"
    ] == 0
    no_company = await client.get("/tasks", headers=bearer(key))
    assert no_company.status_code == 400 and no_company.json()["code"] == "company_required"
    in_globex = await client.get(
        "/tasks", headers={**bearer(key), "X-Company-Id": globex.company_id}
    )
    assert in_globex.status_code == 200


async def test_every_change_made_with_a_key_is_the_keys_in_the_audit_trail(
    client, acme, as_admin, sessions
) -> None:
    key = await make_key(client, as_admin, ["tasks.write", "tasks.read"], name="Form sync")
    made = await client.post(
        "/tasks", json={"name": "Synced form", "fields": []}, headers=bearer(key)
    )
    assert made.status_code == 201, made.text
    trail = await client.get(
        "/audit-logs", params={"entity": "Task", "entityId": made.json()["id"]}, headers=as_admin
    )
    (entry,) = trail.json()["items"]
    assert entry["apiKeyId"] == key["id"]
    assert entry["apiKeyName"] == "Form sync"
    assert entry["actor"] == "API key Form sync"
    async with sessions() as session:
        used = await session.scalar(sa.select(ApiKey.last_used_at).where(ApiKey.id == key["id"]))
        created = await session.scalar(
            sa.select(AuditLog.changes).where(AuditLog.action == "api_key.created")
        )
    assert used is not None
    assert key["key"] not in repr(created) and "keyHash" not in repr(created)


async def test_a_key_over_its_rate_is_answered_429_with_retry_after(client, acme, as_admin) -> None:
    key = await make_key(client, as_admin, ["tasks.read"])
    other = await make_key(client, as_admin, ["tasks.read"], name="Other")
    answers = [await client.get("/tasks", headers=bearer(key)) for _ in range(RATE + 1)]
    assert [a.status_code for a in answers[:RATE]] == [200] * RATE
    over = answers[RATE]
    assert over.status_code == 429
    assert over.headers["content-type"].startswith("application/problem+json")
    assert over.json()["code"] == "api_key_rate_limited"
    assert 1 <= int(over.headers["retry-after"]) <= 60
    # The rate is the key's own: another key of the same company is not held back.
    assert (await client.get("/tasks", headers=bearer(other))).status_code == 200


async def test_keys_reach_no_log(client, acme, as_admin, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key = await make_key(client, as_admin, ["tasks.read"])
    await client.get("/tasks", headers=bearer(key))
    await client.delete(f"/api-keys/{key['id']}", headers=as_admin)
    await client.get("/tasks", headers=bearer(key))
    assert caplog.records  # the requests were logged, without the key
    assert key["key"] not in caplog.text
    assert key["key"][12:] not in caplog.text


async def test_row_security_binds_a_keys_requests(rls_client, acme, globex) -> None:
    key = await make_key(rls_client, acme.headers(), ["tasks.read", "tasks.write"])
    made = await rls_client.post(
        "/tasks", json={"name": "Under RLS", "fields": []}, headers=bearer(key)
    )
    assert made.status_code == 201, made.text
    theirs = await rls_client.get("/tasks", headers=globex.headers())
    assert made.json()["id"] not in theirs.text
