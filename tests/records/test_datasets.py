"""Datasets: sections checked when saved, a draft/published/archived life, and visibility
enforced for readers by role and department."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Department, Role, User, UserRole
from core.records import (
    archive_dataset,
    create_dataset,
    get_dataset,
    list_datasets,
    publish_dataset,
    reader_for,
    update_dataset,
)
from tests.world.tenants import Tenant

SECTIONS = [
    {
        "id": "vendor",
        "title": "Vendor",
        "fields": [{"id": "name", "type": "text", "label": "Name"}],
    },
    {
        "id": "terms",
        "title": "Terms",
        "fields": [{"id": "days", "type": "number", "label": "Days"}],
    },
]


async def test_sections_are_checked_with_every_problem(acme: Tenant) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            create_dataset,
            name="Vendors",
            sections=[
                {"id": "a", "title": "A", "fields": [{"id": "x", "type": "text", "label": "X"}]},
                {"id": "a", "title": "", "fields": [{"id": "x", "type": "text", "label": "X"}]},
                {
                    "id": "b",
                    "title": "B",
                    "fields": [{"id": "y", "type": "dropdown", "label": "Y"}],
                },
            ],
        )
    assert {(p.path, p.code) for p in caught.value.problems} == {
        ("sections[1].id", "duplicate_id"),
        ("sections[1].title", "required"),
        ("sections[1].fields[0].id", "duplicate_id"),
        ("sections[2].fields[0].options", "options_missing"),
    }


async def test_a_dataset_is_published_then_archived_and_then_read_only(acme: Tenant) -> None:
    dataset = await acme.run(create_dataset, name="Vendors", sections=SECTIONS)
    published = await acme.run(publish_dataset, dataset_id=dataset.id)
    assert published.status.value == "PUBLISHED" and published.published_at is not None
    await acme.run(archive_dataset, dataset_id=dataset.id)
    with pytest.raises(Conflict):
        await acme.run(update_dataset, dataset_id=dataset.id, changes={"name": "Suppliers"})
    with pytest.raises(Conflict):
        await acme.run(publish_dataset, dataset_id=dataset.id)


async def test_visibility_limits_readers_to_the_named_roles_and_departments(
    acme: Tenant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with transaction(sessions) as s:
        finance = Department(company_id=acme.company_id, name="Finance")
        s.add(finance)
        await s.flush()
        payables = Department(company_id=acme.company_id, name="Payables", parent_id=finance.id)
        s.add(payables)
        await s.flush()
        clerk_role = Role(company_id=acme.company_id, name="Clerk", department_id=payables.id)
        auditor_role = Role(company_id=acme.company_id, name="Auditor")
        s.add_all([clerk_role, auditor_role])
        await s.flush()
        clerk = User(
            email="clerk@acme.com", password="x", company_id=acme.company_id, roles=[clerk_role]
        )
        auditor = User(
            email="aud@acme.com", password="x", company_id=acme.company_id, roles=[auditor_role]
        )
        outsider = User(email="out@acme.com", password="x", company_id=acme.company_id)
        s.add_all([clerk, auditor, outsider])
        await s.flush()
        ids = (clerk.id, auditor.id, outsider.id)

    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            create_dataset, name="X", sections=SECTIONS, visibility={"roles": ["Nobody"]}
        )
    assert caught.value.problems[0].path == "visibility.roles[0]"

    finance_only = await acme.run(
        create_dataset, name="Budgets", sections=SECTIONS, visibility={"departments": ["Finance"]}
    )
    auditors_only = await acme.run(
        create_dataset, name="Audit", sections=SECTIONS, visibility={"roles": [auditor_role.id]}
    )
    everyone = await acme.run(create_dataset, name="Holidays", sections=SECTIONS)
    draft = await acme.run(create_dataset, name="Draft", sections=SECTIONS)
    for d in (finance_only, auditors_only, everyone):
        await acme.run(publish_dataset, dataset_id=d.id)

    async def visible_to(user_id: str, role: UserRole = UserRole.EMPLOYEE) -> list[str]:
        reader = await acme.run(reader_for, user_id=user_id, role=role)
        return [d.name for d in await acme.run(list_datasets, reader=reader)]

    clerk_id, auditor_id, outsider_id = ids
    # The clerk's role sits in Payables, a part of Finance.
    assert await visible_to(clerk_id) == ["Budgets", "Holidays"]
    assert await visible_to(auditor_id) == ["Audit", "Holidays"]
    assert await visible_to(outsider_id) == ["Holidays"]
    assert await visible_to(acme.users[UserRole.ADMIN].id, UserRole.ADMIN) == [
        "Audit",
        "Budgets",
        "Draft",
        "Holidays",
    ]
    outsider = await acme.run(reader_for, user_id=outsider_id, role=UserRole.EMPLOYEE)
    with pytest.raises(NotFound):
        await acme.run(get_dataset, dataset_id=finance_only.id, reader=outsider)
    with pytest.raises(NotFound):
        await acme.run(get_dataset, dataset_id=draft.id, reader=outsider)
