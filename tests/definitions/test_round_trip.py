"""A company's definitions exported, applied to an empty company and exported again come out
byte for byte the same; applying them twice changes nothing the second time."""

from __future__ import annotations

from core.database import transaction
from core.definitions import apply_definitions, export_definitions, plan_definitions
from core.definitions.files import dump
from core.settings import Settings
from tests.world.definitions import SECRETS, Seeded
from tests.world.tenants import Sessions, Tenant


async def export(sessions: Sessions, who, settings: Settings) -> dict[str, str]:
    async with transaction(sessions, company_id=who.company_id) as session:
        files = await export_definitions(session, who, settings)
    return {path: dump(document) for path, document in files.items()}


async def test_files_applied_to_an_empty_company_export_byte_for_byte_the_same(
    sessions: Sessions, seeded: Seeded, empty: Tenant, settings: Settings
) -> None:
    async with transaction(sessions, company_id=seeded.company.id) as session:
        files = await export_definitions(session, seeded.admin, settings)
    async with transaction(sessions, company_id=empty.company_id) as session:
        plan = await apply_definitions(session, empty.admin, settings, files, secrets=SECRETS)
    assert plan.summary()["changed"] == 0
    again = await export(sessions, empty.admin, settings)
    assert again == {path: dump(document) for path, document in files.items()}
    async with transaction(sessions, company_id=empty.company_id) as session:
        second = await plan_definitions(session, empty.admin, settings, files, secrets=SECRETS)
    assert second.empty and second.changes == []
