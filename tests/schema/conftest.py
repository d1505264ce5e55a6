"""Submissions are checked in Acme with a person, an inactive one, two files and a custom
table row to point at; Globex holds a file Acme must not reach."""

from __future__ import annotations

import pytest

from core.database import transaction
from core.models import CustomTable, CustomTableRecord, File
from tests.world.tenants import Person, Sessions, Tenant, make_tenant

PEOPLE = (
    Person("sarah", email="sarah@acme.com"),
    Person("gone", email="gone@acme.com", active=False),
)


def _file(company_id: str, name: str, mimetype: str, size: int) -> File:
    return File(
        company_id=company_id,
        filename=name,
        original_name=name,
        mimetype=mimetype,
        size=size,
        path=f"{company_id[:8]}/{name}",
        uploaded_by="x",
    )


@pytest.fixture
async def acme(sessions: Sessions) -> Tenant:
    """Acme's files "pdf" and "image", its Customers table with the record "customer"."""
    tenant = await make_tenant(
        sessions, "Acme", role_users=(), people=PEOPLE, roles={}, department=None, domain=None
    )
    async with transaction(sessions) as s:
        pdf = _file(tenant.company_id, "receipt.pdf", "application/pdf", 120_000)
        image = _file(tenant.company_id, "photo.png", "image/png", 9_000_000)
        customers = CustomTable(
            company_id=tenant.company_id,
            name="customers",
            display_name="Customers",
            schema=[{"id": "name", "type": "text", "label": "Name"}],
        )
        s.add_all([pdf, image, customers])
        await s.flush()
        customer = CustomTableRecord(
            company_id=tenant.company_id, table_id=customers.id, data={"name": "Initech"}
        )
        s.add(customer)
        await s.flush()
        tenant.files = {"pdf": pdf.id, "image": image.id}
        tenant.records = {"customer": customer.id}
    return tenant


@pytest.fixture
async def globex(sessions: Sessions) -> Tenant:
    """Globex with its file "pdf"."""
    tenant = await make_tenant(
        sessions, "Globex", role_users=(), roles={}, department=None, domain=None
    )
    async with transaction(sessions) as s:
        foreign = _file(tenant.company_id, "g.pdf", "application/pdf", 10)
        s.add(foreign)
        await s.flush()
        tenant.files = {"pdf": foreign.id}
    return tenant
