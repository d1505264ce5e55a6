"""Field definitions are checked when saved: every problem is listed with its path."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.schema import check_field_definitions, parse_definitions

SEED_EXPENSE_FIELDS = [
    {"id": "field_1", "type": "text", "label": "Employee Name", "required": True},
    {
        "id": "field_2",
        "type": "number",
        "label": "Amount",
        "required": True,
        "validation": {"min": 0},
    },
    {
        "id": "field_3",
        "type": "dropdown",
        "label": "Category",
        "required": True,
        "options": ["Travel", "Office Supplies", "Equipment"],
    },
    {"id": "field_4", "type": "file", "label": "Receipt", "required": True},
]


def problems_of(fields: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        check_field_definitions(fields)
    return {p.path: p.code for p in caught.value.problems}


def test_the_seed_expense_form_is_accepted() -> None:
    definitions = parse_definitions(SEED_EXPENSE_FIELDS)
    assert [d.type for d in definitions] == ["text", "number", "dropdown", "file"]
    assert definitions[2].option_values == ("Travel", "Office Supplies", "Equipment")


def test_every_kind_of_field_type_is_accepted_with_its_settings() -> None:
    check_field_definitions(
        [
            {"id": "a", "type": "textarea", "label": "Notes", "validation": {"maxLength": 500}},
            {
                "id": "b",
                "type": "number",
                "label": "Qty",
                "settings": {"step": 1},
                "validation": {"min": 1, "max": 9},
            },
            {
                "id": "c",
                "type": "currency",
                "label": "Price",
                "settings": {"currency": "JPY", "decimals": 0},
            },
            {"id": "d", "type": "date", "label": "Due", "validation": {"min": "2024-01-01"}},
            {"id": "e", "type": "datetime", "label": "At"},
            {"id": "f", "type": "email", "label": "Email"},
            {"id": "g", "type": "phone", "label": "Phone", "settings": {"defaultRegion": "IN"}},
            {"id": "h", "type": "url", "label": "Site"},
            {"id": "i", "type": "checkbox", "label": "Agree"},
            {
                "id": "j",
                "type": "multi-select",
                "label": "Tags",
                "options": [{"value": "x", "label": "X"}],
            },
            {
                "id": "k",
                "type": "file",
                "label": "Scan",
                "settings": {"accept": ["image/*", ".pdf"], "maxSize": 1000},
            },
            {"id": "l", "type": "user", "label": "Approver"},
            {"id": "m", "type": "record", "label": "Customer", "settings": {"table": "customers"}},
        ]
    )


def test_every_problem_of_a_bad_form_is_reported_at_once() -> None:
    problems = problems_of(
        [
            {"id": "a", "type": "colour", "label": "Paint"},
            {"id": "b", "type": "dropdown", "label": "Pick"},
            {"id": "a", "type": "text", "label": "Again"},
            {"id": "c", "type": "number", "label": "N", "validation": {"min": 5, "max": 1}},
            {"id": "d", "type": "number", "label": "N", "settings": {"step": "big"}},
            {"id": "e", "type": "text", "label": "T", "validation": {"min": 1}},
            {"id": "f", "type": "text", "label": "T", "validation": {"pattern": "("}},
            {"id": "g", "type": "record", "label": "R"},
            {"id": "h", "type": "text", "label": "T", "options": ["x"]},
            {"id": "bad id", "type": "text", "label": ""},
            {"id": "i", "type": "dropdown", "label": "D", "options": ["x", "x"]},
        ]
    )
    assert problems == {
        "fields[0].type": "unknown_type",
        "fields[1].options": "options_missing",
        "fields[2].id": "duplicate_id",
        "fields[3].validation.min": "invalid_definition",
        "fields[4].settings": "invalid_definition",
        "fields[5].validation.min": "invalid_definition",
        "fields[6].validation.pattern": "invalid_definition",
        "fields[7].settings": "invalid_definition",
        "fields[8].options": "invalid_definition",
        "fields[9].id": "invalid_definition",
        "fields[9].label": "invalid_definition",
        "fields[10].options": "duplicate_option",
    }


def test_unknown_settings_are_rejected_with_their_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_field_definitions(
            [{"id": "a", "type": "number", "label": "N", "settings": {"stpe": 1}}]
        )
    [problem] = caught.value.problems
    assert "stpe" in problem.message


def test_settings_checked_by_the_type_itself() -> None:
    problems = problems_of(
        [
            {"id": "a", "type": "currency", "label": "P", "settings": {"currency": "dollars"}},
            {"id": "b", "type": "phone", "label": "P", "settings": {"defaultRegion": "XX"}},
            {"id": "c", "type": "file", "label": "F", "settings": {"accept": ["pdf"]}},
            {"id": "d", "type": "date", "label": "D", "validation": {"max": "soon"}},
        ]
    )
    assert set(problems) == {
        "fields[0].settings.currency",
        "fields[1].settings.defaultRegion",
        "fields[2].settings.accept",
        "fields[3].validation.max",
    }


def test_a_definition_list_must_be_a_list() -> None:
    assert problems_of({"id": "a"}) == {"fields": "invalid_type"}
