"""Definitions as code through the API: the export as a bundle or a zip of the YAML files,
the plan and the apply, for builders only and confined to the caller's company; secrets are
named by reference, never shown."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import yaml
from litestar.testing import AsyncTestClient

from core.database import transaction
from core.definitions import export_definitions
from core.definitions.files import dump
from core.models import User, UserRole
from tests.world.app import auth_headers
from tests.world.definitions import SECRETS, Seeded
from tests.world.tenants import Sessions, Tenant, add_user


async def test_the_export_is_the_bundle_or_the_zip_of_its_yaml_files(
    client: AsyncTestClient[Any], sessions: Sessions, seeded: Seeded
) -> None:
    async with transaction(sessions, company_id=seeded.company.id) as session:
        files = await export_definitions(session, seeded.admin, seeded.settings)
        admin = await session.get(User, seeded.admin.user_id)
    headers = auth_headers(admin)
    bundle = await client.get("/definitions/export", headers=headers)
    assert bundle.status_code == 200, bundle.text
    assert bundle.json() == {"companyId": seeded.company.id, "files": files}
    packed = await client.get("/definitions/export", params={"format": "zip"}, headers=headers)
    assert packed.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(packed.content))
    assert {n: archive.read(n).decode() for n in archive.namelist()} == {
        path: dump(document) for path, document in files.items()
    }
    assert "whsec_" not in bundle.text and b"whsec_" not in packed.content
    secret = yaml.safe_load(archive.read("integrations/ledger-hook.yaml"))["config"]
    assert secret["signingSecret"] == {"$secret": "ledger-hook.signingSecret"}


async def test_a_company_admin_plans_and_applies_the_files_in_their_company_only(
    client: AsyncTestClient[Any], sessions: Sessions, seeded: Seeded, empty: Tenant
) -> None:
    async with transaction(sessions, company_id=seeded.company.id) as session:
        files = await export_definitions(session, seeded.admin, seeded.settings)
    headers = empty.headers()
    body = {"files": files, "secrets": SECRETS}
    planned = await client.post("/definitions/plan", json=body, headers=headers)
    assert planned.status_code == 200, planned.text
    assert planned.json()["applied"] is False
    assert planned.json()["summary"] == {"created": 18, "changed": 0, "deleted": 0, "kept": 0}
    assert (await client.get("/definitions/export", headers=headers)).json()["files"] == {}
    applied = await client.post("/definitions/apply", json=body, headers=headers)
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] is True
    assert shows_no_secret(planned.text + applied.text)
    again = await client.post("/definitions/apply", json=body, headers=headers)
    assert again.json() == {
        "applied": False,
        "summary": {"created": 0, "changed": 0, "deleted": 0, "kept": 0},
        "changes": [],
    }
    mine = await client.get("/definitions/export", headers=headers)
    assert mine.json() == {"companyId": empty.company_id, "files": files}


def shows_no_secret(text: str) -> bool:
    return all(value not in text for value in SECRETS.values())


async def test_bad_files_are_a_problem_response_listing_each_at_its_path(
    client: AsyncTestClient[Any], empty: Tenant
) -> None:
    files = {
        "tasks/form.yaml": {"name": "Form", "fields": [], "colour": "red"},
        "flows/flow.yaml": {"name": "Flow", "levels": [{"order": 1, "name": "L", "tasks": ["X"]}]},
    }
    response = await client.post(
        "/definitions/apply", json={"files": files}, headers=empty.headers()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {(e["path"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("tasks/form.yaml#/colour", "unknown_field"),
        ("flows/flow.yaml#/levels/0/tasks/0", "not_found"),
    }
    assert (await client.get("/definitions/export", headers=empty.headers())).json()["files"] == {}


async def test_only_builders_reach_the_definitions(
    client: AsyncTestClient[Any], sessions: Sessions, empty: Tenant
) -> None:
    async with transaction(sessions) as session:
        employee = await add_user(session, empty.company_id, "eve", role=UserRole.EMPLOYEE)
        manager = await add_user(session, empty.company_id, "max", role=UserRole.MANAGER)
    for user in (employee, manager):
        headers = auth_headers(user)
        assert (await client.get("/definitions/export", headers=headers)).status_code == 403
        for route in ("/definitions/plan", "/definitions/apply"):
            response = await client.post(route, json={"files": {}}, headers=headers)
            assert response.status_code == 403
