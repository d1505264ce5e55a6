"""The same record services on the embedded SQLite database: filters, sorting, schema
changes, relations and CSV work without PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access import Principal
from core.database import create_engine, session_factory, transaction
from core.migrate import upgrade
from core.models import Company, UserRole, new_id
from core.records import (
    bulk_create_records,
    create_record,
    create_table,
    export_csv,
    get_record,
    list_records,
    update_table,
)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'erp.db'}")
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def test_records_on_sqlite(sqlite: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sqlite) as s:
        company = Company(name="Acme")
        s.add(company)
        await s.flush()
        cid = company.id
    admin = Principal(user_id=new_id(), role=UserRole.ADMIN, company_id=cid)
    async with transaction(sqlite, company_id=cid) as s:
        customers = await create_table(
            s,
            company_id=cid,
            name="customers",
            display_name="Customers",
            schema=[{"id": "name", "type": "text", "label": "Name"}],
        )
        orders = await create_table(
            s,
            company_id=cid,
            name="orders",
            display_name="Orders",
            schema=[
                {"id": "amount", "type": "number", "label": "Amount", "indexed": True},
                {
                    "id": "customer",
                    "type": "record",
                    "label": "Customer",
                    "settings": {"table": "customers"},
                },
                {"id": "note", "type": "text", "label": "Note"},
            ],
        )
        initech = await create_record(
            s, company_id=cid, table_id=customers.id, data={"name": "Initech"}, principal=admin
        )
        await bulk_create_records(
            s,
            company_id=cid,
            table_id=orders.id,
            principal=admin,
            rows=[{"amount": a, "customer": initech.id, "note": "n"} for a in (9, 10, 100, 2)],
        )
    async with transaction(sqlite, company_id=cid) as s:
        page = await list_records(
            s,
            company_id=cid,
            table_id=orders.id,
            principal=admin,
            where={">": [{"var": "amount"}, 5]},
            sort=["-amount"],
            expand_names=["customer"],
        )
        assert [r.data["amount"] for r in page.items] == [100, 10, 9]
        assert page.expanded[page.items[0].id]["customer"]["data"] == {"name": "Initech"}
        await update_table(
            s,
            company_id=cid,
            table_id=orders.id,
            schema=[
                {"id": "amount", "type": "number", "label": "Amount"},
                {
                    "id": "customer",
                    "type": "record",
                    "label": "Customer",
                    "settings": {"table": "customers"},
                },
            ],
        )
        record, _ = await get_record(s, company_id=cid, record_id=page.items[0].id, principal=admin)
        assert "note" not in record.data
        chunks = [
            c
            async for c in export_csv(
                s, company_id=cid, table_id=orders.id, principal=admin, sort=["amount"]
            )
        ]
        assert "".join(chunks).splitlines()[1].split(",")[1] == "2"
