"""Records of a custom table: written only when valid, with their events in the same
transaction; read, updated in part, soft-deleted and restored; listed with filters, sorting
and pagination."""

from __future__ import annotations

import pytest

from core.errors import NotFound, ValidationFailed
from core.models import EventType
from core.records import (
    create_record,
    create_table,
    delete_record,
    get_record,
    list_records,
    restore_record,
    update_record,
)
from tests.world.records import EXPENSES_SCHEMA
from tests.world.tenants import Tenant


@pytest.fixture
async def expenses(acme: Tenant) -> str:
    table = await acme.run(
        create_table, name="expenses", display_name="Expenses", schema=EXPENSES_SCHEMA
    )
    return table.id


async def add(acme: Tenant, table_id: str, **data: object) -> str:
    record = await acme.run(create_record, table_id=table_id, data=data)
    return record.id


async def test_a_created_record_emits_its_event_in_the_same_transaction(
    acme: Tenant, expenses: str
) -> None:
    rid = await add(acme, expenses, title="Taxi", amount=42, category="Travel")
    [event] = await acme.events()
    assert event.event_type is EventType.DATABASE_ROW_CREATED
    assert event.table_id == expenses
    assert event.payload["recordId"] == rid
    assert event.payload["data"] == {"title": "Taxi", "amount": 42, "category": "Travel"}


async def test_an_invalid_record_is_not_written_and_every_field_is_reported(
    acme: Tenant, expenses: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await add(acme, expenses, amount="lots", category="Food", colour="red")
    assert {p.path: p.code for p in caught.value.problems} == {
        "title": "required",
        "amount": "invalid_type",
        "category": "not_an_option",
        "colour": "unknown_field",
    }
    page = await acme.run(list_records, table_id=expenses)
    assert page.total == 0
    assert await acme.events() == []


async def test_a_partial_update_keeps_other_fields_and_reports_what_changed(
    acme: Tenant, expenses: str
) -> None:
    rid = await add(acme, expenses, title="Taxi", amount=42, approved=True)
    record = await acme.run(update_record, record_id=rid, data={"amount": 45, "approved": None})
    assert record.data == {"title": "Taxi", "amount": 45}
    updated = (await acme.events())[-1]
    assert updated.event_type is EventType.DATABASE_ROW_UPDATED
    assert updated.payload["previous"] == {"title": "Taxi", "amount": 42, "approved": True}
    assert updated.payload["changedFields"] == ["amount", "approved"]


async def test_a_bad_update_changes_nothing(acme: Tenant, expenses: str) -> None:
    rid = await add(acme, expenses, title="Taxi", amount=42)
    with pytest.raises(ValidationFailed):
        await acme.run(update_record, record_id=rid, data={"title": None})
    record, _ = await acme.run(get_record, record_id=rid)
    assert record.data == {"title": "Taxi", "amount": 42}
    assert len(await acme.events()) == 1


async def test_soft_deleted_records_leave_lists_and_come_back_on_restore(
    acme: Tenant, expenses: str
) -> None:
    rid = await add(acme, expenses, title="Taxi", amount=42)
    await acme.run(delete_record, record_id=rid)
    with pytest.raises(NotFound):
        await acme.run(get_record, record_id=rid)
    assert (await acme.run(list_records, table_id=expenses)).total == 0
    assert [
        r.id for r in (await acme.run(list_records, table_id=expenses, deleted=True)).items
    ] == [rid]
    await acme.run(restore_record, record_id=rid)
    record, _ = await acme.run(get_record, record_id=rid)
    assert record.deleted_at is None


async def test_another_company_cannot_see_or_write_the_table(
    acme: Tenant, globex: Tenant, expenses: str
) -> None:
    rid = await add(acme, expenses, title="Taxi", amount=42)
    with pytest.raises(NotFound):
        await globex.run(
            create_record,
            table_id=expenses,
            data={"title": "x", "amount": 1},
        )
    with pytest.raises(NotFound):
        await globex.run(get_record, record_id=rid)
    with pytest.raises(NotFound):
        await globex.run(update_record, record_id=rid, data={"amount": 1})


async def test_list_filters_with_jsonlogic_sorts_numerically_and_pages_with_a_total(
    acme: Tenant, expenses: str
) -> None:
    for i, amount in enumerate([9, 10, 100, 2, 55, 1000]):
        await add(
            acme,
            expenses,
            title=f"e{i}",
            amount=amount,
            category="Travel" if amount > 9 else "Office",
        )
    page = await acme.run(
        list_records,
        table_id=expenses,
        where={"and": [{">=": [{"var": "amount"}, 10]}, {"==": [{"var": "category"}, "Travel"]}]},
        sort=["-amount"],
        limit=2,
        offset=1,
    )
    assert page.total == 4
    assert [r.data["amount"] for r in page.items] == [100, 55]
    ascending = await acme.run(list_records, table_id=expenses, sort=["amount"])
    assert [r.data["amount"] for r in ascending.items] == [2, 9, 10, 55, 100, 1000]


async def test_list_accepts_the_seed_condition_format_and_field_labels(
    acme: Tenant, expenses: str
) -> None:
    await add(acme, expenses, title="Hotel", amount=20_000)
    await add(acme, expenses, title="Pens", amount=12)
    page = await acme.run(
        list_records,
        table_id=expenses,
        where={
            "operator": "AND",
            "rules": [{"field": "Amount", "operator": "greater_than", "value": 10000}],
        },
    )
    assert [r.data["title"] for r in page.items] == ["Hotel"]


async def test_a_missing_value_counts_as_zero_like_in_memory_rules(
    acme: Tenant, expenses: str
) -> None:
    # `spent_on` and `approved` are optional; JSONLogic in SQL must agree with evaluation in
    # memory even where an index-friendly comparison is added beside it.
    await add(acme, expenses, title="a", amount=5)
    await add(acme, expenses, title="b", amount=50)
    page = await acme.run(list_records, table_id=expenses, where={"<": [{"var": "amount"}, 10]})
    assert [r.data["title"] for r in page.items] == ["a"]
    page = await acme.run(list_records, table_id=expenses, where={"!": [{"var": "approved"}]})
    assert page.total == 2


async def test_bad_filters_and_sorts_point_at_the_problem(acme: Tenant, expenses: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(list_records, table_id=expenses, where={"frob": [1]})
    assert caught.value.problems[0].path.startswith("where")
    with pytest.raises(ValidationFailed) as caught:
        await acme.run(list_records, table_id=expenses, sort=["colour"])
    assert caught.value.problems[0].path == "sort[0]"
