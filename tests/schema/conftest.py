"""A company with a user, a file and a custom table row for submissions to point at."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.models import Company, CustomTable, CustomTableRecord, File, User


@dataclass
class Acme:
    company_id: str
    user_id: str
    inactive_user_id: str
    pdf_id: str
    image_id: str
    customer_id: str
    other_company_file_id: str


@pytest.fixture
async def acme(sessions: async_sessionmaker[AsyncSession]) -> Acme:
    async with transaction(sessions) as s:
        acme, globex = Company(name="Acme"), Company(name="Globex")
        s.add_all([acme, globex])
        await s.flush()
        sarah = User(email="sarah@acme.com", password="x", company_id=acme.id)
        gone = User(email="gone@acme.com", password="x", company_id=acme.id, is_active=False)
        pdf = File(
            company_id=acme.id,
            filename="r.pdf",
            original_name="receipt.pdf",
            mimetype="application/pdf",
            size=120_000,
            path="a/r.pdf",
            uploaded_by="x",
        )
        image = File(
            company_id=acme.id,
            filename="p.png",
            original_name="photo.png",
            mimetype="image/png",
            size=9_000_000,
            path="a/p.png",
            uploaded_by="x",
        )
        foreign = File(
            company_id=globex.id,
            filename="g.pdf",
            original_name="g.pdf",
            mimetype="application/pdf",
            size=10,
            path="g/g.pdf",
            uploaded_by="x",
        )
        customers = CustomTable(
            company_id=acme.id,
            name="customers",
            display_name="Customers",
            schema=[{"id": "name", "type": "text", "label": "Name"}],
        )
        s.add_all([sarah, gone, pdf, image, foreign, customers])
        await s.flush()
        customer = CustomTableRecord(
            company_id=acme.id, table_id=customers.id, data={"name": "Initech"}
        )
        s.add(customer)
        await s.flush()
        return Acme(acme.id, sarah.id, gone.id, pdf.id, image.id, customer.id, foreign.id)
