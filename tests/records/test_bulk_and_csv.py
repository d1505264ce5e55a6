"""Bulk writes and CSV import are all or nothing; export reads back in."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.records import (
    bulk_create_records,
    bulk_delete_records,
    bulk_update_records,
    create_table,
    export_csv,
    import_csv,
    list_records,
)
from tests.world.records import EXPENSES_SCHEMA
from tests.world.tenants import Tenant


@pytest.fixture
async def expenses(acme: Tenant) -> str:
    table = await acme.run(
        create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA
    )
    return table.id


async def test_a_thousand_records_are_created_in_one_call_with_an_event_each(
    acme: Tenant, expenses: str
) -> None:
    rows = [{"title": f"r{i}", "amount": i} for i in range(1000)]
    created = await acme.run(bulk_create_records, table_id=expenses, rows=rows)
    assert len(created) == 1000
    assert (await acme.run(list_records, table_id=expenses, limit=1)).total == 1000
    assert len(await acme.events()) == 1000


async def test_more_than_a_thousand_is_refused(acme: Tenant, expenses: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            bulk_create_records,
            table_id=expenses,
            rows=[{"title": "x", "amount": 1}] * 1001,
        )
    assert caught.value.problems[0].code == "too_many"


async def test_one_bad_row_means_nothing_is_written(acme: Tenant, expenses: str) -> None:
    rows = [{"title": "ok", "amount": 1}, {"title": "bad", "amount": "x"}, {"amount": 3}]
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(bulk_create_records, table_id=expenses, rows=rows)
    assert {p.path for p in caught.value.problems} == {"records[1].amount", "records[2].title"}
    assert (await acme.run(list_records, table_id=expenses)).total == 0


async def test_bulk_update_and_delete_touch_every_record_or_none(
    acme: Tenant, expenses: str
) -> None:
    created = await acme.run(
        bulk_create_records,
        table_id=expenses,
        rows=[{"title": f"r{i}", "amount": i} for i in range(3)],
    )
    ids = [r.id for r in created]
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            bulk_update_records,
            table_id=expenses,
            updates=[
                {"id": ids[0], "data": {"amount": 10}},
                {"id": ids[1], "data": {"amount": -1, "category": "?"}},
            ],
        )
    assert {p.path for p in caught.value.problems} == {"records[1].data.category"}
    updated = await acme.run(
        bulk_update_records,
        table_id=expenses,
        updates=[
            {"id": ids[0], "data": {"amount": 10}},
            {"id": ids[1], "data": {"approved": True}},
        ],
    )
    assert [r.data for r in updated] == [
        {"title": "r0", "amount": 10},
        {"title": "r1", "amount": 1, "approved": True},
    ]
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(bulk_delete_records, table_id=expenses, ids=[ids[0], "missing"])
    assert [p.path for p in caught.value.problems] == ["ids[1].id"]
    assert (await acme.run(list_records, table_id=expenses)).total == 3
    assert await acme.run(bulk_delete_records, table_id=expenses, ids=ids[:2]) == 2
    assert (await acme.run(list_records, table_id=expenses)).total == 1


CSV = """Title,amount,Category,spent_on,Approved
Taxi,"1,200.50",Travel,2024-05-01,yes
Pens,3,Office,,no
"""


async def test_csv_import_reads_labels_and_typed_cells_then_exports_back(
    acme: Tenant, expenses: str
) -> None:
    created = await acme.run(import_csv, table_id=expenses, text=CSV)
    assert [r.data for r in created] == [
        {
            "title": "Taxi",
            "amount": 1200.5,
            "category": "Travel",
            "spent_on": "2024-05-01",
            "approved": True,
        },
        {"title": "Pens", "amount": 3, "category": "Office", "approved": False},
    ]

    async def export() -> str:
        chunks = []
        async with acme.sessions() as s:
            async for chunk in export_csv(
                s,
                company_id=acme.company_id,
                table_id=expenses,
                principal=acme.admin,
                sort=["amount"],
            ):
                chunks.append(chunk)
        return "".join(chunks)

    exported = await export()
    lines = exported.splitlines()
    assert lines[0] == "id,title,amount,category,spent_on,approved"
    assert lines[1].endswith(",Pens,3,Office,,false")
    # What was exported imports again (ids are new).
    again = await acme.run(import_csv, table_id=expenses, text=exported)
    assert [r.data for r in again] == [r.data for r in reversed(created)]


async def test_a_bad_csv_reports_rows_and_writes_nothing(acme: Tenant, expenses: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(import_csv, table_id=expenses, text="Title,Colour\nx,red\n")
    assert [p.path for p in caught.value.problems] == ["columns[1]"]
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            import_csv,
            table_id=expenses,
            text="title,amount\nok,1\nbad,many\n,2\n",
        )
    assert {p.path for p in caught.value.problems} == {"rows[1].amount", "rows[2].title"}
    assert (await acme.run(list_records, table_id=expenses)).total == 0
