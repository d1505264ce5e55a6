"""Tables and datasets follow the version a company sees, as flows do: a developer builds a
table and a dataset in company A and ships two versions of each; client B is pinned to the
second, client C sees the stable first. Each company's records are validated against the
schema (and checked against the permissions) of its version, and its people read the
dataset as released there; rolling the second version out to C moves C."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.database import transaction
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.models import Company, EntityInstall, Role, UserRole, VersionStatus
from core.records import (
    create_dataset,
    create_record,
    create_table,
    get_dataset,
    list_datasets,
    reader_for,
    update_dataset,
    update_table,
)
from core.versions import change_status, install_version, publish_version, set_rollout
from tests.world.tenants import add_user
from tests.world.versions import platform

Sessions = async_sessionmaker[AsyncSession]
V1_FIELDS = [
    {"id": "title", "type": "text", "label": "Title", "required": True},
    {"id": "amount", "type": "number", "label": "Amount"},
]
V2_FIELDS = [*V1_FIELDS, {"id": "project", "type": "text", "label": "Project", "required": True}]
V2_PERMISSIONS = {"EMPLOYEE": {"create": "none"}}
VENDOR = {
    "id": "vendor",
    "title": "Vendor",
    "fields": [{"id": "name", "type": "text", "label": "Name"}],
}
TERMS = {
    "id": "terms",
    "title": "Terms",
    "fields": [{"id": "days", "type": "number", "label": "Days"}],
}


class Client:
    """A client company with an admin and an employee (who holds the company role `role`
    when the company has one)."""

    def __init__(self, company_id: str, admin: str, employee: str) -> None:
        self.company_id = company_id
        self.admin = Principal(admin, UserRole.ADMIN, company_id)
        self.employee = Principal(employee, UserRole.EMPLOYEE, company_id)

    async def run(self, sessions: Sessions, fn: Any, /, **kw: Any) -> Any:
        async with transaction(sessions, company_id=self.company_id) as session:
            return await fn(session, company_id=self.company_id, **kw)

    async def local_id(self, sessions: Sessions, entity_type: str) -> str:
        async with sessions() as session:
            local = await session.scalar(
                sa.select(EntityInstall.local_id).where(
                    EntityInstall.company_id == self.company_id,
                    EntityInstall.entity_type == entity_type,
                )
            )
        assert local is not None, f"{entity_type} is not installed"
        return local


async def client(sessions: Sessions, name: str, role: str | None = None) -> Client:
    async with transaction(sessions) as session:
        company = Company(name=name)
        session.add(company)
        await session.flush()
        roles = []
        if role is not None:
            roles = [Role(company_id=company.id, name=role, permissions={})]
            session.add_all(roles)
            await session.flush()
        admin = await add_user(session, company.id, "admin", role=UserRole.ADMIN)
        employee = await add_user(session, company.id, "employee", roles)
        return Client(company.id, admin.id, employee.id)


@pytest.fixture
async def builder(sessions: Sessions, acme: Any) -> Client:
    async with transaction(sessions) as session:
        admin = await add_user(session, acme.company_id, "builder", role=UserRole.ADMIN)
        employee = await add_user(session, acme.company_id, "worker")
    return Client(acme.company_id, admin.id, employee.id)


async def two_versions(
    sessions: Sessions, developer: Principal, entity_type: str, entity_id: str, change: Any
) -> tuple[str, str]:
    """Publish the entity as 1.0.0 (made stable), apply `change`, publish again; the ids."""
    first = await platform(
        sessions, publish_version, principal=developer, entity_type=entity_type, entity_id=entity_id
    )
    await platform(
        sessions,
        change_status,
        principal=developer,
        version_id=first.id,
        status=VersionStatus.STABLE,
    )
    await change()
    second = await platform(
        sessions, publish_version, principal=developer, entity_type=entity_type, entity_id=entity_id
    )
    return first.id, second.id


async def test_each_company_writes_records_by_the_table_version_it_sees(
    sessions: Sessions, developer: Principal, builder: Client
) -> None:
    table = await builder.run(
        sessions, create_table, name="expenses", display_name="Expenses", schema=V1_FIELDS
    )

    async def second_version() -> None:
        await builder.run(
            sessions,
            update_table,
            table_id=table.id,
            schema=V2_FIELDS,
            permissions=V2_PERMISSIONS,
        )

    v1, v2 = await two_versions(sessions, developer, "CustomTable", table.id, second_version)
    b, c = await client(sessions, "Client B"), await client(sessions, "Client C")
    await platform(
        sessions, set_rollout, principal=developer, version_id=v2, clients=[b.company_id]
    )
    await platform(
        sessions, install_version, principal=developer, version_id=v1, company_id=c.company_id
    )
    b_table, c_table = (
        await b.local_id(sessions, "CustomTable"),
        await c.local_id(sessions, "CustomTable"),
    )
    assert len({table.id, b_table, c_table}) == 3

    v1_data = {"title": "Taxi", "amount": 12}
    v2_data = {**v1_data, "project": "Apollo"}

    # B runs 2.0.0: the new required field, and employees may not add records.
    with pytest.raises(ValidationFailed) as refused:
        await b.run(sessions, create_record, table_id=b_table, data=v1_data, principal=b.admin)
    assert [(p.path, p.code) for p in refused.value.problems] == [("project", "required")]
    written = await b.run(
        sessions, create_record, table_id=b_table, data=v2_data, principal=b.admin
    )
    assert written.data == v2_data
    with pytest.raises(PermissionDenied):
        await b.run(sessions, create_record, table_id=b_table, data=v2_data, principal=b.employee)

    # C runs 1.0.0: no such field yet, and employees keep the default grants.
    with pytest.raises(ValidationFailed) as refused:
        await c.run(sessions, create_record, table_id=c_table, data=v2_data, principal=c.admin)
    assert [(p.path, p.code) for p in refused.value.problems] == [("project", "unknown_field")]
    await c.run(sessions, create_record, table_id=c_table, data=v1_data, principal=c.employee)

    # A, the building company, sees the stable 1.0.0 too: its live edit is a draft until
    # a version carrying it reaches A.
    await builder.run(
        sessions, create_record, table_id=table.id, data=v1_data, principal=builder.employee
    )

    # Rolling 2.0.0 out to C moves C's records onto it.
    await platform(
        sessions,
        set_rollout,
        principal=developer,
        version_id=v2,
        clients=[b.company_id, c.company_id],
    )
    with pytest.raises(ValidationFailed):
        await c.run(sessions, create_record, table_id=c_table, data=v1_data, principal=c.admin)
    await c.run(sessions, create_record, table_id=c_table, data=v2_data, principal=c.admin)


async def test_each_company_reads_the_dataset_as_released_to_it(
    sessions: Sessions, developer: Principal, builder: Client, acme: Any
) -> None:
    async with transaction(sessions) as session:
        session.add(Role(company_id=acme.company_id, name="Buyers", permissions={}))
    dataset = await builder.run(
        sessions,
        create_dataset,
        name="Vendors",
        sections=[VENDOR],
        visibility={"roles": ["Buyers"]},
    )

    async def second_version() -> None:
        await builder.run(
            sessions,
            update_dataset,
            dataset_id=dataset.id,
            changes={"name": "Suppliers", "sections": [VENDOR, TERMS]},
        )

    v1, v2 = await two_versions(sessions, developer, "Dataset", dataset.id, second_version)
    b, c = await client(sessions, "Client B", role="Buyers"), await client(sessions, "Client C")
    await platform(
        sessions, set_rollout, principal=developer, version_id=v2, clients=[b.company_id]
    )
    await platform(
        sessions, install_version, principal=developer, version_id=v1, company_id=c.company_id
    )

    async def read(company: Client, who: Principal) -> Any:
        reader = await company.run(sessions, reader_for, user_id=who.user_id, role=who.role)
        local = await company.local_id(sessions, "Dataset")
        return await company.run(sessions, get_dataset, dataset_id=local, reader=reader)

    in_b = await read(b, b.employee)  # B's own Buyers role, found by name
    assert (in_b.version, in_b.name) == ("1.1.0", "Suppliers")
    assert [s["id"] for s in in_b.sections] == ["vendor", "terms"]
    in_c = await read(c, c.admin)
    assert (in_c.version, in_c.name, [s["id"] for s in in_c.sections]) == (
        "1.0.0",
        "Vendors",
        ["vendor"],
    )
    with pytest.raises(NotFound):  # C has no Buyers role: only its builders read it
        await read(c, c.employee)

    # A's draft edit since 1.1.0 reaches no one; A itself reads its stable 1.0.0.
    await builder.run(
        sessions, update_dataset, dataset_id=dataset.id, changes={"sections": [TERMS]}
    )
    assert [s["id"] for s in (await read(b, b.employee)).sections] == ["vendor", "terms"]
    a_reader = await builder.run(
        sessions, reader_for, user_id=builder.admin.user_id, role=UserRole.ADMIN
    )
    [in_a] = await builder.run(sessions, list_datasets, reader=a_reader)
    assert (in_a.version, [s["id"] for s in in_a.sections]) == ("1.0.0", ["vendor"])
