"""Submissions are validated against the compiled schema: every offending field is reported,
values are normalised, and the form's logic decides what is shown and required."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.demo import EXPENSE_FIELDS as SEED_EXPENSE_FIELDS
from core.errors import ValidationFailed
from core.schema import compile_schema, validate_submission
from tests.world.tenants import Tenant

EVERY_TYPE = [
    {
        "id": "name",
        "type": "text",
        "label": "Name",
        "validation": {"minLength": 2, "pattern": "[A-Z].*"},
    },
    {"id": "notes", "type": "textarea", "label": "Notes", "validation": {"maxLength": 10}},
    {
        "id": "qty",
        "type": "number",
        "label": "Qty",
        "settings": {"step": 0.5},
        "validation": {"min": 1, "max": 10},
    },
    {"id": "price", "type": "currency", "label": "Price"},
    {"id": "due", "type": "date", "label": "Due", "validation": {"min": "2024-01-01"}},
    {"id": "at", "type": "datetime", "label": "At"},
    {"id": "email", "type": "email", "label": "Email"},
    {"id": "phone", "type": "phone", "label": "Phone", "settings": {"defaultRegion": "GB"}},
    {"id": "site", "type": "url", "label": "Site"},
    {"id": "agree", "type": "checkbox", "label": "Agree"},
    {"id": "colour", "type": "dropdown", "label": "Colour", "options": ["Red", "Blue"]},
    {"id": "tags", "type": "multi-select", "label": "Tags", "options": ["a", "b", "c"]},
    {
        "id": "scan",
        "type": "file",
        "label": "Scan",
        "settings": {"accept": ["application/pdf"], "maxSize": 200000},
    },
    {"id": "owner", "type": "user", "label": "Owner"},
    {"id": "customer", "type": "record", "label": "Customer", "settings": {"table": "customers"}},
]


async def submit(
    sessions: async_sessionmaker[AsyncSession],
    acme: Tenant,
    fields: list[dict[str, Any]],
    data: dict[str, Any],
    logic: dict[str, Any] | None = None,
    previous: dict[str, Any] | None = None,
    validations: list[Any] | None = None,
) -> dict[str, Any]:
    async with transaction(sessions, company_id=acme.company_id) as s:
        return await validate_submission(
            s,
            company_id=acme.company_id,
            fields=fields,
            logic=logic or {},
            data=data,
            previous=previous,
            validations=validations,
        )


async def problems(*args: Any, **kw: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        await submit(*args, **kw)
    found: dict[str, str] = {}
    for p in caught.value.problems:
        found[p.path] = f"{found[p.path]}+{p.code}" if p.path in found else p.code
    return found


async def test_a_good_submission_of_every_type_is_normalised(sessions, acme: Tenant) -> None:
    cleaned = await submit(
        sessions,
        acme,
        EVERY_TYPE,
        {
            "name": "Ada",
            "notes": "",
            "qty": 2.5,
            "price": 19.99,
            "due": "2024-03-01",
            "at": "2024-03-01T10:00:00+05:30",
            "email": "Ada@Example.com",
            "phone": "020 7946 0018",
            "site": "https://acme.com/x",
            "agree": True,
            "colour": "Blue",
            "tags": ["a", "c"],
            "scan": acme.files["pdf"],
            "owner": acme.users["sarah"].id,
            "customer": acme.records["customer"],
        },
    )
    assert cleaned["at"] == "2024-03-01T04:30:00.000Z"
    assert cleaned["email"] == "Ada@example.com"
    assert cleaned["phone"] == "+442079460018"
    assert "notes" not in cleaned  # empty values are left out
    assert cleaned["customer"] == acme.records["customer"]


async def test_every_offending_field_is_reported(sessions, acme: Tenant) -> None:
    found = await problems(
        sessions,
        acme,
        EVERY_TYPE,
        {
            "name": "a",
            "notes": "far too long a note",
            "qty": 1.3,
            "price": 1.999,
            "due": "2023-12-31",
            "at": "2024-03-01T10:00:00",
            "email": "not-an-email",
            "phone": "12",
            "site": "ftp://x",
            "agree": "yes",
            "colour": "Green",
            "tags": ["a", "z"],
            "scan": acme.files["image"],
            "owner": acme.users["gone"].id,
            "customer": "no-such-row",
            "extra": 1,
        },
    )
    assert found == {
        "name": "too_short",
        "notes": "too_long",
        "qty": "step_mismatch",
        "price": "too_precise",
        "due": "below_minimum",
        "at": "missing_timezone",
        "email": "invalid_format",
        "phone": "invalid_format",
        "site": "invalid_format",
        "agree": "invalid_type",
        "colour": "not_an_option",
        "tags": "not_an_option",
        "scan": "file_type_not_accepted+file_too_large",
        "owner": "user_inactive",
        "customer": "not_found",
        "extra": "unknown_field",
    }


async def test_a_file_of_another_company_does_not_exist(
    sessions, acme: Tenant, globex: Tenant
) -> None:
    found = await problems(
        sessions, acme, SEED_EXPENSE_FIELDS[3:], {"field_4": globex.files["pdf"]}
    )
    assert found == {"field_4": "not_found"}


async def test_the_seed_expense_form_requires_its_fields(sessions, acme: Tenant) -> None:
    found = await problems(sessions, acme, SEED_EXPENSE_FIELDS, {"field_2": -5})
    assert found == {
        "field_1": "required",
        "field_2": "below_minimum",
        "field_3": "required",
        "field_4": "required",
    }


RECEIPT_LOGIC = {
    "fields": {
        # The receipt is only asked for above 100, and then it is required.
        "receipt": {
            "visible": {">": [{"var": "amount"}, 100]},
            "required": {">": [{"var": "amount"}, 100]},
        },
        # Seed condition format works too, and fields may be named by label.
        "reason": {
            "visible": {
                "operator": "AND",
                "rules": [{"field": "Category", "operator": "equals", "value": "Other"}],
            }
        },
    }
}
RECEIPT_FIELDS = [
    {"id": "amount", "type": "number", "label": "Amount", "required": True},
    {"id": "category", "type": "dropdown", "label": "Category", "options": ["Travel", "Other"]},
    {"id": "reason", "type": "text", "label": "Reason", "required": True},
    {"id": "receipt", "type": "file", "label": "Receipt"},
]


async def test_hidden_fields_are_not_required_and_their_values_are_dropped(
    sessions, acme: Tenant
) -> None:
    cleaned = await submit(
        sessions,
        acme,
        RECEIPT_FIELDS,
        {"amount": 50, "category": "Travel", "receipt": "ignored", "reason": "x"},
        RECEIPT_LOGIC,
    )
    assert cleaned == {"amount": 50, "category": "Travel"}


async def test_logic_makes_a_shown_field_required(sessions, acme: Tenant) -> None:
    found = await problems(
        sessions, acme, RECEIPT_FIELDS, {"amount": 500, "category": "Other"}, RECEIPT_LOGIC
    )
    assert found == {"receipt": "required", "reason": "required"}


async def test_a_partial_update_is_validated_over_the_previous_data(sessions, acme: Tenant) -> None:
    previous = {"amount": 50, "category": "Travel"}
    found = await problems(
        sessions, acme, RECEIPT_FIELDS, {"amount": 500}, RECEIPT_LOGIC, previous=previous
    )
    assert found == {"receipt": "required"}
    cleaned = await submit(
        sessions, acme, RECEIPT_FIELDS, {"amount": 70}, RECEIPT_LOGIC, previous=previous
    )
    assert cleaned == {"amount": 70, "category": "Travel"}


def test_logic_is_checked_when_the_form_is_saved() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compile_schema(
            RECEIPT_FIELDS,
            {
                "fields": {
                    "nope": {"visible": True},
                    "receipt": {"visible": {"frobnicate": [1]}},
                    "reason": {"visible": {">": [{"var": "missing_field"}, 1]}},
                }
            },
        )
    paths = {p.path for p in caught.value.problems}
    assert "logic.fields.nope" in paths
    assert any(p.startswith("logic.fields.receipt.visible") for p in paths)
    assert any(p.startswith("logic.fields.reason.visible") for p in paths)


def test_a_schema_is_compiled_once() -> None:
    assert compile_schema(RECEIPT_FIELDS, RECEIPT_LOGIC) is compile_schema(
        [dict(f) for f in RECEIPT_FIELDS], RECEIPT_LOGIC
    )


TRIP_FIELDS = [
    {"id": "start", "type": "date", "label": "Start", "required": True},
    {"id": "end", "type": "date", "label": "End", "required": True},
    {"id": "budget", "type": "number", "label": "Budget"},
    {"id": "spent", "type": "number", "label": "Spent"},
]
TRIP_VALIDATIONS: list[Any] = [
    {
        "rule": {">=": [{"var": "end"}, {"var": "start"}]},
        "message": "The trip cannot end before it starts",
        "fields": ["end"],
    },
    {
        # The seed's condition format works here too.
        "rule": {
            "operator": "OR",
            "rules": [
                {"field": "spent", "operator": "is_empty"},
                {"field": "spent", "operator": "less_or_equal", "value": 5000},
            ],
        },
        "message": "Spending over 5,000 needs a budget line",
    },
]


async def test_cross_field_validations_hold_on_a_good_submission(sessions, acme: Tenant) -> None:
    data = {"start": "2026-03-01", "end": "2026-03-04", "spent": 120}
    cleaned = await submit(sessions, acme, TRIP_FIELDS, data, validations=TRIP_VALIDATIONS)
    assert cleaned == data


async def test_every_broken_validation_is_reported_where_it_says(sessions, acme: Tenant) -> None:
    data = {"start": "2026-03-05", "end": "2026-03-01", "spent": 9000}
    with pytest.raises(ValidationFailed) as caught:
        await submit(sessions, acme, TRIP_FIELDS, data, validations=TRIP_VALIDATIONS)
    assert {(p.path, p.code, p.message) for p in caught.value.problems} == {
        ("end", "validation_rule", "The trip cannot end before it starts"),
        ("data", "validation_rule", "Spending over 5,000 needs a budget line"),
    }


async def test_a_validation_over_an_invalid_field_waits_for_the_field(
    sessions, acme: Tenant
) -> None:
    # The end date is not a date: only that is reported, not the rule comparing it. A form-wide
    # rule waits too, so the person first sees what is wrong with the fields themselves.
    data = {"start": "2026-03-05", "end": "soon", "spent": 9000}
    found = await problems(sessions, acme, TRIP_FIELDS, data, validations=TRIP_VALIDATIONS)
    assert set(found) == {"end"}
    assert "validation_rule" not in found["end"]


def test_validations_are_checked_when_the_form_is_saved() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compile_schema(
            TRIP_FIELDS,
            {"fields": {"nope": {"visible": True}}},
            [
                {"rule": {">": [{"var": "missing_field"}, 1]}, "message": "x"},
                {"rule": True, "message": " ", "fields": ["end", "ghost"]},
                {"message": "no rule"},
                "not an object",
            ],
        )
    paths = {p.path for p in caught.value.problems}
    assert "logic.fields.nope" in paths  # logic and validations are reported together
    assert any(p.startswith("validations[0].rule") for p in paths)
    assert {"validations[1].message", "validations[1].fields"} <= paths
    assert {"validations[2]", "validations[3]"} <= paths
