"""Custom tables: schemas checked when saved, changes checked against existing records first,
relations validated and expanded, indexed fields served by expression indexes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.errors import Conflict, ValidationFailed
from core.models import CustomTableRecord
from core.records import (
    create_record,
    create_table,
    delete_table,
    get_record,
    list_records,
    list_tables,
    update_table,
)
from core.records.query import index_prefix, order_by, table_filter, where_clause
from core.records.tables import table_schema
from tests.world.records import EXPENSES_SCHEMA
from tests.world.tenants import Tenant


async def test_a_table_name_is_unique_per_company(acme: Tenant, globex: Tenant) -> None:
    await acme.run(create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA)
    with pytest.raises(Conflict):
        await acme.run(create_table, name="expenses", display_name="Again", schema=EXPENSES_SCHEMA)
    await globex.run(create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA)
    assert [t.name for t in await acme.run(list_tables)] == ["expenses"]


async def test_a_bad_schema_is_rejected_with_every_problem(acme: Tenant) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            create_table,
            name="Bad Name",
            display_name="",
            schema=[{"id": "x", "type": "nope", "label": "X"}],
        )
    assert {p.path for p in caught.value.problems} == {"name", "displayName"}
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            create_table,
            name="t",
            display_name="T",
            schema=[{"id": "x", "type": "nope", "label": "X"}],
        )
    assert [p.path for p in caught.value.problems] == ["schema[0].type"]
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            create_table,
            name="t",
            display_name="T",
            schema=[{"id": "c", "type": "record", "label": "C", "settings": {"table": "ghosts"}}],
        )
    assert [p.code for p in caught.value.problems] == ["unknown_table"]


async def test_a_schema_change_that_breaks_records_lists_them_and_changes_nothing(
    acme: Tenant,
) -> None:
    table = await acme.run(
        create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA
    )
    small = await acme.run(create_record, table_id=table.id, data={"title": "Pens", "amount": 5})
    big = await acme.run(
        create_record,
        table_id=table.id,
        data={"title": "Laptop", "amount": 2000},
    )
    stricter = [dict(f) for f in EXPENSES_SCHEMA]
    stricter[1] = {**stricter[1], "validation": {"max": 1000}}
    stricter.append({"id": "receipt_no", "type": "text", "label": "Receipt no", "required": True})
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(update_table, table_id=table.id, schema=stricter)
    assert "2 record(s) do not fit" in caught.value.message
    assert {(p.path, p.code) for p in caught.value.problems} == {
        (f"records[{big.id}].amount", "above_maximum"),
        (f"records[{big.id}].receipt_no", "required"),
        (f"records[{small.id}].receipt_no", "required"),
    }
    [unchanged] = await acme.run(list_tables)
    assert unchanged.schema == EXPENSES_SCHEMA


async def test_removing_a_field_drops_its_values(acme: Tenant) -> None:
    table = await acme.run(
        create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA
    )
    rid = (
        await acme.run(
            create_record,
            table_id=table.id,
            data={"title": "Taxi", "amount": 5, "approved": True},
        )
    ).id
    await acme.run(
        update_table,
        table_id=table.id,
        schema=[f for f in EXPENSES_SCHEMA if f["id"] != "approved"],
    )
    record, _ = await acme.run(get_record, record_id=rid)
    assert record.data == {"title": "Taxi", "amount": 5}


async def index_names(acme: Tenant, table_id: str) -> set[str]:
    async with transaction(acme.sessions) as s:
        rows = await s.execute(
            sa.text("SELECT indexname FROM pg_indexes WHERE indexname LIKE :p"),
            {"p": index_prefix(table_id) + "%"},
        )
        return set(rows.scalars())


async def test_indexed_fields_get_expression_indexes_that_filters_use(acme: Tenant) -> None:
    table = await acme.run(
        create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA
    )
    assert {n.split("_", 2)[2] for n in await index_names(acme, table.id)} == {
        "n_amount",
        "t_title",
    }
    for i in range(30):
        await acme.run(
            create_record,
            table_id=table.id,
            data={"title": f"t{i}", "amount": i},
        )
    async with transaction(acme.sessions, company_id=acme.company_id) as s:
        await s.execute(sa.text("SET LOCAL enable_seqscan = off"))
        schema = table_schema(table)
        query = (
            sa.select(CustomTableRecord.id)
            .where(
                table_filter(table.id),
                CustomTableRecord.deleted_at.is_(None),
                where_clause(
                    {">": [{"var": "amount"}, 25]}, schema.definitions, schema.kinds, "postgresql"
                ),
            )
            .order_by(*order_by(["amount"], schema.kinds, "postgresql"))
            .limit(10)
        )
        compiled = query.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join((await s.execute(sa.text(f"EXPLAIN {compiled}"))).scalars())
    assert "_n_amount" in plan, plan
    unindexed = [{**f, "indexed": False} if f["id"] == "title" else f for f in EXPENSES_SCHEMA]
    await acme.run(update_table, table_id=table.id, schema=unindexed)
    assert {n.split("_", 2)[2] for n in await index_names(acme, table.id)} == {"n_amount"}
    await acme.run(delete_table, table_id=table.id)
    assert await index_names(acme, table.id) == set()


CUSTOMERS = [{"id": "name", "type": "text", "label": "Name", "required": True}]
ORDERS = [
    {"id": "ref", "type": "text", "label": "Ref"},
    {"id": "customer", "type": "record", "label": "Customer", "settings": {"table": "customers"}},
    {
        "id": "tags",
        "type": "record",
        "label": "Tags",
        "settings": {"table": "tags", "multiple": True},
    },
]


async def test_relations_are_validated_and_expand_on_read(acme: Tenant) -> None:
    customers = await acme.run(
        create_table, name="customers", display_name="Customers", schema=CUSTOMERS
    )
    tags = await acme.run(create_table, name="tags", display_name="Tags", schema=CUSTOMERS)
    orders = await acme.run(create_table, name="orders", display_name="Orders", schema=ORDERS)
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(
            update_table,
            table_id=customers.id,
            relations=[
                {"name": "orders", "type": "many-to-many", "table": "orders", "field": "customer"},
                {"name": "bills", "type": "one-to-many", "table": "bills", "field": "customer"},
                {"name": "name", "type": "one-to-many", "table": "orders", "field": "ref"},
            ],
        )
    assert {(p.path, p.code) for p in caught.value.problems} == {
        ("relations[0].field", "invalid_relation"),
        ("relations[1].table", "unknown_table"),
        ("relations[2].name", "duplicate"),
        ("relations[2].field", "invalid_relation"),
    }
    await acme.run(
        update_table,
        table_id=customers.id,
        relations=[
            {"name": "orders", "type": "one-to-many", "table": "orders", "field": "customer"}
        ],
    )
    await acme.run(
        update_table,
        table_id=tags.id,
        relations=[{"name": "orders", "type": "many-to-many", "table": "orders", "field": "tags"}],
    )
    initech = await acme.run(create_record, table_id=customers.id, data={"name": "Initech"})
    urgent = await acme.run(create_record, table_id=tags.id, data={"name": "urgent"})
    order = await acme.run(
        create_record,
        table_id=orders.id,
        data={"ref": "A-1", "customer": initech.id, "tags": [urgent.id]},
    )
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(create_record, table_id=orders.id, data={"customer": urgent.id})
    assert caught.value.problems[0].code == "not_found"  # a row of another table does not count

    _, expanded = await acme.run(get_record, record_id=order.id, expand_names=["customer", "tags"])
    assert expanded["customer"]["data"] == {"name": "Initech"}
    assert [t["data"]["name"] for t in expanded["tags"]] == ["urgent"]
    page = await acme.run(list_records, table_id=customers.id, expand_names=["orders"])
    assert [o["data"]["ref"] for o in page.expanded[initech.id]["orders"]] == ["A-1"]
    _, expanded = await acme.run(get_record, record_id=urgent.id, expand_names=["orders"])
    assert [o["id"] for o in expanded["orders"]] == [order.id]


async def test_a_table_other_tables_point_at_cannot_be_deleted(acme: Tenant) -> None:
    await acme.run(create_table, name="customers", display_name="Customers", schema=CUSTOMERS)
    await acme.run(create_table, name="tags", display_name="Tags", schema=CUSTOMERS)
    await acme.run(create_table, name="orders", display_name="Orders", schema=ORDERS)
    with pytest.raises(Conflict) as caught:
        await acme.run(delete_table, table_id="customers")
    assert "orders" in caught.value.message
    await acme.run(delete_table, table_id="orders")
    await acme.run(delete_table, table_id="customers")
    assert [t.name for t in await acme.run(list_tables)] == ["tags"]
