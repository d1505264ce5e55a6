"""Checkbox, dropdown and multi-select fields: yes/no and choices among the definition's options."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

import msgspec

from erp.sdk import FieldDefinition, FieldType, Invalid, Issue, hookimpl

_TRUE = {"true", "yes", "y", "1", "on", "x"}
_FALSE = {"false", "no", "n", "0", "off", ""}


class CheckboxField(FieldType):
    """A yes/no value; a required checkbox must be ticked (an "I agree" box)."""

    name = "checkbox"
    label = "Checkbox"
    kind = "boolean"

    def is_empty(self, value: Any) -> bool:
        return value is None or value is False

    def clean(self, value: Any, definition: FieldDefinition) -> bool:
        if not isinstance(value, bool):
            raise Invalid("must be true or false", "invalid_type")
        return value

    def parse_text(self, text: str, definition: FieldDefinition) -> Any:
        word = text.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else text

    def format_text(self, value: Any, definition: FieldDefinition) -> str:
        return "true" if value else "false"


class DropdownField(FieldType):
    name = "dropdown"
    label = "Dropdown"
    has_options = True

    def clean(self, value: Any, definition: FieldDefinition) -> str:
        if not isinstance(value, str):
            raise Invalid("must be one of the options, as text", "invalid_type")
        if value not in definition.option_values:
            raise Invalid(f"must be one of: {', '.join(definition.option_values)}", "not_an_option")
        return value


class MultiSelectSettings(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    min_selected: Annotated[int | None, msgspec.Meta(title="Fewest choices")] = None
    max_selected: Annotated[int | None, msgspec.Meta(title="Most choices")] = None


class MultiSelectField(FieldType):
    name = "multi-select"
    label = "Multiple choice"
    kind = "list"
    has_options = True
    Settings = MultiSelectSettings

    def check_definition(self, definition: FieldDefinition) -> Iterable[Issue]:
        s = definition.settings or MultiSelectSettings()
        if s.min_selected is not None and s.min_selected < 0:
            yield Issue("settings.minSelected must not be negative", path="settings.minSelected")
        if (
            s.min_selected is not None
            and s.max_selected is not None
            and s.min_selected > s.max_selected
        ):
            yield Issue(
                "settings.minSelected is above settings.maxSelected", path="settings.minSelected"
            )

    def clean(self, value: Any, definition: FieldDefinition) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid("must be a list of options", "invalid_type")
        unknown = [v for v in value if v not in definition.option_values]
        if unknown:
            raise Invalid(f"{', '.join(unknown)} not among the options", "not_an_option")
        if len(set(value)) != len(value):
            raise Invalid("lists an option twice", "duplicate")
        s = definition.settings or MultiSelectSettings()
        if s.min_selected is not None and len(value) < s.min_selected:
            raise Invalid(f"choose at least {s.min_selected}", "too_few")
        if s.max_selected is not None and len(value) > s.max_selected:
            raise Invalid(f"choose at most {s.max_selected}", "too_many")
        return value

    def parse_text(self, text: str, definition: FieldDefinition) -> Any:
        text = text.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return [part.strip() for part in text.split(";") if part.strip()]

    def format_text(self, value: Any, definition: FieldDefinition) -> str:
        return ";".join(value or [])


@hookimpl
def erp_register_field_types() -> list[FieldType]:
    return [CheckboxField(), DropdownField(), MultiSelectField()]
